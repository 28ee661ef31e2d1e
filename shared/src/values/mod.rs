//! Values: coalescing chart defaults with user values, the `--set` syntax, schema validation.
//!
//! Mirrors Helm's `pkg/cli/values` (`merge_values`), `pkg/strvals` (`strvals`),
//! `pkg/chart/common/util` (`coalesce`, `validate_schema`) and `pkg/chart/v2/util/dependencies.go`
//! (`process_dependencies`). Warnings Helm logs are returned as data ([`Warning`]).

mod coalesce;
mod deps;
mod fmt;
mod schema;
pub mod strvals;

use serde_json::{Map, Value};

pub use deps::{check_dependencies, process_dependencies, process_dependencies_with_warnings};
pub use schema::{validate_schema, validate_single_schema};

/// A values tree (`map[string]interface{}`): YAML numbers are f64, `--set` integers i64.
pub type Values = Map<String, Value>;

/// A values error, printed with Helm's text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Error(pub String);

impl Error {
    pub(crate) fn msg(s: impl Into<String>) -> Self {
        Error(s.into())
    }
}

impl From<crate::chart::Error> for Error {
    fn from(e: crate::chart::Error) -> Self {
        Error(e.to_string())
    }
}

/// A message Helm logs through slog while handling values (it prints them to stderr as
/// `level=INFO msg="…"`); `Display` gives that exact line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// `INFO` (coalescing messages, which Helm sends through the log package) or `WARN`.
    pub level: &'static str,
    pub message: String,
    /// slog attributes in order, e.g. `("path", "sub.enabled")`.
    pub attrs: Vec<(String, String)>,
}

/// slog's TextHandler quoting rule.
fn slog_value(s: &str) -> String {
    let needs = s.is_empty() || s.chars().any(|c| c.is_whitespace() || c == '"' || c == '=' || c.is_control());
    if needs {
        crate::chart::metadata_quote(s)
    } else {
        s.to_string()
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "level={} msg={}", self.level, slog_value(&self.message))?;
        for (k, v) in &self.attrs {
            write!(f, " {}={}", k, slog_value(v))?;
        }
        Ok(())
    }
}

fn info(messages: Vec<String>) -> Vec<Warning> {
    messages.into_iter().map(|m| Warning { level: "INFO", message: m, attrs: vec![] }).collect()
}

/// The user's value flags (Helm's `values.Options`), in the order Helm applies them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueOptions {
    /// `-f/--values`: files (`-` is stdin), merged in order, each file document by document.
    pub value_files: Vec<String>,
    /// `--set`.
    pub values: Vec<String>,
    /// `--set-string`.
    pub string_values: Vec<String>,
    /// `--set-json`.
    pub json_values: Vec<String>,
    /// `--set-file`.
    pub file_values: Vec<String>,
    /// `--set-literal`.
    pub literal_values: Vec<String>,
}

/// Reads a local file or stdin (`-`) as Helm's `readFile` does for paths without a URL scheme.
pub fn read_local_file(path: &str) -> Result<Vec<u8>, String> {
    if path.trim() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map_err(|e| e.to_string())?;
        return Ok(buf);
    }
    std::fs::read(path).map_err(|e| crate::chart::go_os_error("open", std::path::Path::new(path), &e))
}

/// `values.Options.MergeValues` with local files only (see [`merge_values_with`] for URLs).
pub fn merge_values(opts: &ValueOptions) -> Result<Values, Error> {
    merge_values_with(opts, &mut read_local_file)
}

/// `values.Options.MergeValues`: -f files, then --set-json, --set, --set-string, --set-file,
/// --set-literal. `read` fetches a -f or --set-file argument (a path, `-`, or a URL if it can).
pub fn merge_values_with(
    opts: &ValueOptions,
    read: &mut dyn FnMut(&str) -> Result<Vec<u8>, String>,
) -> Result<Values, Error> {
    let mut base = Map::new();
    for path in &opts.value_files {
        let raw = read(path).map_err(Error)?;
        let current = crate::chart::load_values(&raw).map_err(|e| Error(format!("failed to parse {}: {}", path, e)))?;
        base = crate::chart::merge_maps(base, current);
    }
    for value in &opts.json_values {
        let trimmed = value.trim();
        if trimmed.starts_with('{') {
            let parsed: Map<String, Value> = serde_json::from_str(trimmed)
                .map_err(|_| Error(format!("failed parsing --set-json data JSON: {}", value)))?;
            let parsed = match strvals::json_numbers_as_floats(Value::Object(parsed)) {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            base = crate::chart::merge_maps(base, parsed);
        } else {
            strvals::parse_into(value, &mut base, &mut strvals::Mode::Json)
                .map_err(|_| Error(format!("failed parsing --set-json data {}", value)))?;
        }
    }
    for value in &opts.values {
        strvals::parse_into(value, &mut base, &mut strvals::Mode::Typed)
            .map_err(|e| Error(format!("failed parsing --set data: {}", e)))?;
    }
    for value in &opts.string_values {
        strvals::parse_into(value, &mut base, &mut strvals::Mode::String)
            .map_err(|e| Error(format!("failed parsing --set-string data: {}", e)))?;
    }
    for value in &opts.file_values {
        let mut reader = |p: &str| -> Result<Value, String> {
            let bytes = read(p)?;
            Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        strvals::parse_into(value, &mut base, &mut strvals::Mode::File(&mut reader))
            .map_err(|e| Error(format!("failed parsing --set-file data: {}", e)))?;
    }
    for value in &opts.literal_values {
        strvals::parse_literal_into(value, &mut base)
            .map_err(|e| Error(format!("failed parsing --set-literal data: {}", e)))?;
    }
    Ok(base)
}

/// `util.CoalesceValues`: the chart's defaults (and its subcharts', under their names) under the
/// user's values; `null` deletes a default; globals flow down into every subchart.
pub fn coalesce(chart: &crate::chart::Chart, user: &Values) -> Result<Values, Error> {
    coalesce_with_warnings(chart, user).map(|(v, _)| v)
}

/// [`coalesce`], also returning the messages Helm logs (type conflicts).
pub fn coalesce_with_warnings(chart: &crate::chart::Chart, user: &Values) -> Result<(Values, Vec<Warning>), Error> {
    let vals = coalesce::from_json_map(user);
    let mut w = coalesce::Warnings::default();
    coalesce::coalesce_root(chart, &vals, false, &mut w)?;
    Ok((coalesce::to_json_map(&vals), info(w.0)))
}

/// `util.MergeValues`: like [`coalesce`] but a user `null` is kept instead of deleting the default.
pub fn merge_chart_values(chart: &crate::chart::Chart, user: &Values) -> Result<Values, Error> {
    let vals = coalesce::from_json_map(user);
    let mut w = coalesce::Warnings::default();
    coalesce::coalesce_root(chart, &vals, true, &mut w)?;
    Ok(coalesce::to_json_map(&vals))
}

/// `util.CoalesceTables(dst, src)`: src fills in what dst lacks (recursively).
pub fn coalesce_tables(dst: Values, src: Values) -> Values {
    coalesce::coalesce_tables_json(dst, src, false, &mut coalesce::Warnings::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flag_order_is_fixed() {
        let opts = ValueOptions {
            values: vec!["a=set,b=set".into()],
            string_values: vec!["b=1".into()],
            json_values: vec!["{\"a\": 1, \"c\": {\"d\": 2}}".into(), "e=[1,2]".into()],
            literal_values: vec!["c.d={x,y}".into()],
            ..Default::default()
        };
        let v = merge_values(&opts).unwrap();
        assert_eq!(Value::Object(v), json!({"a": "set", "b": "1", "c": {"d": "{x,y}"}, "e": [1.0, 2.0]}));
    }

    #[test]
    fn flag_errors() {
        let e = |o: ValueOptions| merge_values(&o).unwrap_err().to_string();
        assert_eq!(
            e(ValueOptions { values: vec!["a".into()], ..Default::default() }),
            "failed parsing --set data: key \"a\" has no value"
        );
        assert_eq!(
            e(ValueOptions { json_values: vec!["{bad".into()], ..Default::default() }),
            "failed parsing --set-json data JSON: {bad"
        );
        assert_eq!(
            e(ValueOptions { json_values: vec!["a=[1".into()], ..Default::default() }),
            "failed parsing --set-json data a=[1"
        );
        assert_eq!(
            e(ValueOptions { value_files: vec!["/nonexistent/v.yaml".into()], ..Default::default() }),
            "open /nonexistent/v.yaml: no such file or directory"
        );
        assert_eq!(
            e(ValueOptions { file_values: vec!["a=/nonexistent/f".into()], ..Default::default() }),
            "failed parsing --set-file data: open /nonexistent/f: no such file or directory"
        );
    }

    #[test]
    fn warning_lines() {
        let w = Warning {
            level: "WARN",
            message: "returned non-bool value".into(),
            attrs: vec![("path".into(), "a.b".into()), ("chart".into(), "x y".into())],
        };
        assert_eq!(w.to_string(), "level=WARN msg=\"returned non-bool value\" path=a.b chart=\"x y\"");
    }
}
