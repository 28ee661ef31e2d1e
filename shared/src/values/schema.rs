//! values.schema.json validation (Helm's `util.ValidateAgainstSchema`): each chart's schema checks
//! its own slice of the coalesced values; errors are worded and nested as santhosh-tekuri/jsonschema
//! v6 (Helm's validator) prints them, numbers formatted as golang.org/x/text's English printer does.

use jsonschema::error::ValidationErrorKind;
use jsonschema::ValidationError;
use serde_json::Value;

use super::fmt::go_fmt_v;
use super::{Error, Values};
use crate::chart::Chart;

/// `util.ValidateAgainstSchema`: the body of Helm's error (one `name:` block per failing chart,
/// subcharts included); the caller prefixes "values don't meet the specifications of the schema(s)
/// in the following chart(s):\n" as Helm's `ToRenderValues` does.
pub fn validate_schema(chart: &Chart, values: &Values) -> Result<(), Error> {
    let mut sb = String::new();
    collect(chart, values, &mut sb);
    if sb.is_empty() {
        Ok(())
    } else {
        Err(Error(sb))
    }
}

fn collect(chart: &Chart, values: &Values, sb: &mut String) {
    if let Some(schema) = &chart.schema {
        if let Err(e) = validate_single_schema(values, schema) {
            sb.push_str(&format!("{}:\n", chart.name()));
            sb.push_str(&e.0);
        }
    }
    for sub in &chart.dependencies {
        match values.get(sub.name()) {
            None | Some(Value::Null) => continue,
            Some(Value::Object(m)) => collect(sub, m, sb),
            Some(other) => sb.push_str(&format!(
                "{}:\ninvalid type for values: expected object (map), got {}\n",
                sub.name(),
                super::fmt::go_type(other)
            )),
        }
    }
}

fn draft_year(schema: &Value) -> u32 {
    let s = schema.get("$schema").and_then(Value::as_str).unwrap_or("");
    if s.contains("draft-04") {
        4
    } else if s.contains("draft-06") {
        6
    } else if s.contains("draft-07") {
        7
    } else if s.contains("2019-09") {
        2019
    } else {
        2020
    }
}

/// `util.ValidateAgainstSingleSchema`: one schema document against one values map. The error text
/// is santhosh's listing (`- at '/x': …` lines) followed by a newline.
pub fn validate_single_schema(values: &Values, schema: &[u8]) -> Result<(), Error> {
    let schema: Value = serde_json::from_slice(schema).map_err(|e| Error(e.to_string()))?;
    let year = draft_year(&schema);
    let validator = jsonschema::options()
        .should_validate_formats(year <= 7)
        .build(&schema)
        .map_err(|e| Error(format!("jsonschema: invalid schema: {}", e)))?;
    let instance = Value::Object(values.clone());
    let errors: Vec<ValidationError> = validator.iter_errors(&instance).collect();
    if errors.is_empty() {
        return Ok(());
    }
    let items: Vec<Item> = errors.iter().map(|e| to_item(e, &instance)).collect();
    let items = merge_required(items);
    let mut out = String::new();
    render_level(&items, &[], 1, &mut out);
    Ok(()).and(Err(Error(format!("{}\n", out.trim_start_matches('\n')))))
}

/// One santhosh error: where, what, and the nested causes (anyOf/oneOf/allOf branches).
#[derive(Debug, Clone)]
struct Item {
    path: Vec<String>,
    message: String,
    /// Printed after the errors of deeper locations (additionalProperties and friends).
    late: bool,
    /// Required errors are merged per location.
    required: Option<String>,
    causes: Vec<Vec<Item>>,
    /// santhosh's keyword order within one schema.
    rank: u32,
}

fn tokens(loc: &jsonschema::paths::Location) -> Vec<String> {
    let s = loc.as_str();
    if s.is_empty() {
        return vec![];
    }
    s.trim_start_matches('/').split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect()
}

fn escape(t: &str) -> String {
    t.replace('~', "~0").replace('/', "~1")
}

fn pointer(path: &[String]) -> String {
    path.iter().map(|t| format!("/{}", escape(t))).collect()
}

/// santhosh's `quote`: Go %q with `"` unescaped and `'` escaped, in single quotes.
fn squote(s: &str) -> String {
    let q = crate::chart::metadata_quote(s);
    let inner = &q[1..q.len() - 1];
    format!("'{}'", inner.replace("\\\"", "\"").replace('\'', "\\'"))
}

/// santhosh's `display` for enum/const values (plain fmt, not the localised printer).
fn display(v: &Value) -> String {
    match v {
        Value::String(s) => squote(s),
        Value::Array(_) | Value::Object(_) => "value".into(),
        other => go_fmt_v(other),
    }
}

fn group_digits(int: &str) -> String {
    let (sign, digits) = int.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("", int));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{}{}", sign, out)
}

/// `%d` through x/text's English printer: digit grouping.
fn xint(n: u64) -> String {
    group_digits(&n.to_string())
}

/// `%v` of a float64 through x/text's English printer: %g's choice of notation, grouping, and
/// `×10ⁿ` exponents.
fn xfloat(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if f < 0.0 { "-" } else { "" };
    if exp < -4 || exp >= 6 {
        let sup = |c: char| match c {
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            _ => '⁻',
        };
        let digits = format!("{}{:02}", if exp < 0 { "-" } else { "" }, exp.abs());
        return format!("{}{}×10{}", sign, mant, digits.chars().map(sup).collect::<String>());
    }
    let plain = super::fmt::go_float(f.abs(), 21);
    let (int, frac) = plain.split_once('.').map(|(a, b)| (a, Some(b))).unwrap_or((&plain, None));
    match frac {
        Some(fr) => format!("{}{}.{}", sign, group_digits(int), fr),
        None => format!("{}{}", sign, group_digits(int)),
    }
}

fn num(v: &Value) -> String {
    xfloat(v.as_f64().unwrap_or(0.0))
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn to_item(e: &ValidationError, root: &Value) -> Item {
    let path = tokens(e.instance_path());
    let inst: &Value = e.instance();
    let mut late = false;
    let mut required = None;
    let mut causes = Vec::new();
    let count = |v: &Value| match v {
        Value::Array(a) => a.len() as u64,
        Value::Object(m) => m.len() as u64,
        Value::String(s) => s.chars().count() as u64,
        _ => 0,
    };
    let message = match e.kind() {
        ValidationErrorKind::Type { kind } => {
            let dbg = format!("{:?}", kind).to_lowercase();
            let want: Vec<&str> = ["null", "boolean", "number", "integer", "string", "array", "object"]
                .into_iter()
                .filter(|t| dbg.contains(t))
                .collect();
            format!("got {}, want {}", json_type(inst), want.join(" or "))
        }
        ValidationErrorKind::Required { property } => {
            required = Some(property.as_str().unwrap_or_default().to_string());
            String::new()
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            late = true;
            format!("additional properties {} not allowed", unexpected.iter().map(|s| squote(s)).collect::<Vec<_>>().join(", "))
        }
        ValidationErrorKind::Minimum { limit } => format!("minimum: got {}, want {}", num(inst), num(limit)),
        ValidationErrorKind::Maximum { limit } => format!("maximum: got {}, want {}", num(inst), num(limit)),
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("exclusiveMinimum: got {}, want {}", num(inst), num(limit))
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("exclusiveMaximum: got {}, want {}", num(inst), num(limit))
        }
        ValidationErrorKind::MultipleOf { multiple_of, .. } => {
            format!("multipleOf: got {}, want {}", num(inst), xfloat(format!("{}", multiple_of).parse().unwrap_or(0.0)))
        }
        ValidationErrorKind::MinLength { limit } => format!("minLength: got {}, want {}", xint(count(inst)), xint(*limit)),
        ValidationErrorKind::MaxLength { limit } => format!("maxLength: got {}, want {}", xint(count(inst)), xint(*limit)),
        ValidationErrorKind::MinItems { limit } => format!("minItems: got {}, want {}", xint(count(inst)), xint(*limit)),
        ValidationErrorKind::MaxItems { limit } => format!("maxItems: got {}, want {}", xint(count(inst)), xint(*limit)),
        ValidationErrorKind::MinProperties { limit } => {
            format!("minProperties: got {}, want {}", xint(count(inst)), xint(*limit))
        }
        ValidationErrorKind::MaxProperties { limit } => {
            format!("maxProperties: got {}, want {}", xint(count(inst)), xint(*limit))
        }
        ValidationErrorKind::Pattern { pattern } => {
            format!("{} does not match pattern {}", squote(inst.as_str().unwrap_or_default()), squote(pattern))
        }
        ValidationErrorKind::Constant { expected_value } => match &**expected_value {
            Value::Array(_) | Value::Object(_) => "'const' failed".into(),
            v => format!("value must be {}", display(v)),
        },
        ValidationErrorKind::Enum { options } => {
            let opts = options.as_array().cloned().unwrap_or_default();
            if opts.iter().any(|o| o.is_array() || o.is_object()) {
                "'enum' failed".into()
            } else if opts.len() == 1 {
                format!("value must be {}", display(&opts[0]))
            } else {
                format!("value must be one of {}", opts.iter().map(display).collect::<Vec<_>>().join(", "))
            }
        }
        ValidationErrorKind::UniqueItems => {
            let arr = inst.as_array().cloned().unwrap_or_default();
            let mut dup = (0, 0);
            'outer: for i in 1..arr.len() {
                for j in 0..i {
                    if arr[i] == arr[j] {
                        dup = (j, i);
                        break 'outer;
                    }
                }
            }
            format!("items at {} and {} are equal", xint(dup.0 as u64), xint(dup.1 as u64))
        }
        ValidationErrorKind::Contains => "no items match contains schema".into(),
        ValidationErrorKind::Not { .. } => "'not' failed".into(),
        ValidationErrorKind::FalseSchema => "false schema".into(),
        ValidationErrorKind::Format { format } => {
            let got = display(inst);
            let reason = if format == "email" && !inst.as_str().unwrap_or_default().contains('@') {
                "missing @".to_string()
            } else {
                format!("invalid {}", format)
            };
            format!("{} is not valid {}: {}", got, format, reason)
        }
        ValidationErrorKind::AdditionalItems { limit } => {
            late = true;
            format!("last {} additionalItem(s) not allowed", xint((count(inst)).saturating_sub(*limit as u64)))
        }
        ValidationErrorKind::PropertyNames { error } => {
            format!("invalid propertyName {}", squote(error.instance().as_str().unwrap_or_default()))
        }
        ValidationErrorKind::AnyOf { context } => {
            causes = context.iter().map(|branch| merge_required(branch.iter().map(|x| to_item(x, root)).collect())).collect();
            "'anyOf' failed".into()
        }
        ValidationErrorKind::OneOfNotValid { context } => {
            causes = context.iter().map(|branch| merge_required(branch.iter().map(|x| to_item(x, root)).collect())).collect();
            "'oneOf' failed, none matched".into()
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => "'oneOf' failed, subschemas 0, 1 matched".into(),
        ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            late = true;
            format!("unevaluated properties {} not allowed", unexpected.iter().map(|s| squote(s)).collect::<Vec<_>>().join(", "))
        }
        ValidationErrorKind::UnevaluatedItems { unexpected } => {
            late = true;
            format!("unevaluated items {} not allowed", unexpected.join(", "))
        }
        _ => e.to_string(),
    };
    let rank = match e.kind() {
        ValidationErrorKind::Type { .. } => 0,
        ValidationErrorKind::Constant { .. } => 1,
        ValidationErrorKind::Enum { .. } => 2,
        ValidationErrorKind::Format { .. } => 3,
        ValidationErrorKind::MinProperties { .. } => 10,
        ValidationErrorKind::MaxProperties { .. } => 11,
        ValidationErrorKind::Required { .. } => 12,
        ValidationErrorKind::MinItems { .. } => 20,
        ValidationErrorKind::MaxItems { .. } => 21,
        ValidationErrorKind::UniqueItems => 22,
        ValidationErrorKind::Contains => 24,
        ValidationErrorKind::MinLength { .. } => 30,
        ValidationErrorKind::MaxLength { .. } => 31,
        ValidationErrorKind::Pattern { .. } => 32,
        ValidationErrorKind::Minimum { .. } => 40,
        ValidationErrorKind::Maximum { .. } => 41,
        ValidationErrorKind::ExclusiveMinimum { .. } => 42,
        ValidationErrorKind::ExclusiveMaximum { .. } => 43,
        ValidationErrorKind::MultipleOf { .. } => 44,
        ValidationErrorKind::Not { .. } => 50,
        _ => 60,
    };
    Item { path, message, late, required, causes, rank }
}

/// santhosh reports every missing property of one `required` in a single error.
fn merge_required(items: Vec<Item>) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let mut missing: Vec<(Vec<String>, Vec<String>, usize)> = Vec::new();
    for it in items {
        if let Some(p) = &it.required {
            if let Some(m) = missing.iter_mut().find(|m| m.0 == it.path) {
                m.1.push(p.clone());
                continue;
            }
            missing.push((it.path.clone(), vec![p.clone()], out.len()));
            out.push(it);
            continue;
        }
        out.push(it);
    }
    for (_, props, idx) in missing {
        out[idx].message = if props.len() == 1 {
            format!("missing property {}", squote(&props[0]))
        } else {
            format!("missing properties {}", props.iter().map(|p| squote(p)).collect::<Vec<_>>().join(", "))
        };
        out[idx].required = None;
    }
    out
}

fn line(out: &mut String, indent: usize, path: &[String], message: &str) {
    out.push('\n');
    for _ in 0..indent.saturating_sub(1) {
        out.push_str("  ");
    }
    out.push_str(&format!("- at {}: {}", squote(&pointer(path)), message));
}

fn render_item(it: &Item, indent: usize, out: &mut String) {
    line(out, indent, &it.path, &it.message);
    for branch in &it.causes {
        if branch.len() == 1 {
            render_item(&branch[0], indent + 1, out);
        } else if !branch.is_empty() {
            line(out, indent + 1, &it.path, "validation failed");
            render_level(branch, &it.path, indent + 2, out);
        }
    }
}

/// The errors of one schema evaluation at `loc`: its own first, then one entry per child location
/// (a single error flat, several under "validation failed"), then the late keywords.
fn render_level(items: &[Item], loc: &[String], indent: usize, out: &mut String) {
    let here = |it: &&Item| it.path.len() == loc.len();
    // type, const, enum and format failures end santhosh's evaluation of a schema.
    if let Some(first) = items.iter().filter(here).filter(|i| i.rank <= 3).min_by_key(|i| i.rank) {
        render_item(first, indent, out);
        return;
    }
    let mut own: Vec<&Item> = items.iter().filter(here).filter(|i| !i.late).collect();
    own.sort_by_key(|i| i.rank);
    for it in own {
        render_item(it, indent, out);
    }
    let mut children: Vec<String> =
        items.iter().filter(|i| i.path.len() > loc.len()).map(|i| i.path[loc.len()].clone()).collect();
    children.sort_by(|a, b| match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    });
    children.dedup();
    for child in children {
        let sub: Vec<Item> =
            items.iter().filter(|i| i.path.len() > loc.len() && i.path[loc.len()] == child).cloned().collect();
        let mut child_loc = loc.to_vec();
        child_loc.push(child);
        let early = sub.iter().filter(|i| i.path == child_loc && i.rank <= 3).min_by_key(|i| i.rank).cloned();
        let sub = match early {
            Some(e) => vec![e],
            None => sub,
        };
        if sub.len() == 1 {
            render_item(&sub[0], indent, out);
        } else {
            line(out, indent, &child_loc, "validation failed");
            render_level(&sub, &child_loc, indent + 1, out);
        }
    }
    for it in items.iter().filter(here).filter(|i| i.late) {
        render_item(it, indent, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(schema: Value, values: Value) -> String {
        let v = values.as_object().cloned().unwrap_or_default();
        match validate_single_schema(&v, schema.to_string().as_bytes()) {
            Ok(()) => String::new(),
            Err(e) => e.0,
        }
    }

    #[test]
    fn helm_golden_texts() {
        // helm__chart-with-schema-negative (observed with Helm 4.1.4).
        let schema = json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "required": ["employmentInfo"], "properties": {"age": {"type": "integer", "minimum": 0}}});
        assert_eq!(
            check(schema, json!({"age": -5.0})),
            "- at '': missing property 'employmentInfo'\n- at '/age': minimum: got -5, want 0\n"
        );
    }

    #[test]
    fn nesting_and_numbers_like_santhosh() {
        let schema = json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "required": ["zz", "yy"],
            "properties": {"a": {"minimum": 1000}, "b": {"maximum": 1000.5, "multipleOf": 7},
                "c": {"type": "object", "properties": {"x": {"type": "string"}}, "additionalProperties": false},
                "d": {"uniqueItems": true, "maxItems": 1, "items": {"const": 2}},
                "e": {"pattern": "^x", "format": "email"}}});
        let got = check(
            schema,
            json!({"a": 5.0, "b": 1234567.0, "c": {"x": 1.0, "true": "s"}, "d": [1.0, 1.0], "e": "abc"}),
        );
        let want = "- at '': missing properties 'zz', 'yy'
- at '/a': minimum: got 5, want 1,000
- at '/b': validation failed
  - at '/b': maximum: got 1.234567×10⁰⁶, want 1,000.5
  - at '/b': multipleOf: got 1.234567×10⁰⁶, want 7
- at '/c': validation failed
  - at '/c/x': got number, want string
  - at '/c': additional properties 'true' not allowed
- at '/d': validation failed
  - at '/d': maxItems: got 2, want 1
  - at '/d': items at 0 and 1 are equal
  - at '/d/0': value must be 2
  - at '/d/1': value must be 2
- at '/e': 'abc' is not valid email: missing @
";
        assert_eq!(got, want);
    }

    #[test]
    fn subcharts_are_validated_on_their_slice() {
        let mut sub = Chart::default();
        sub.metadata.name = "sub".into();
        sub.schema = Some(br#"{"required": ["age"]}"#.to_vec());
        let mut top = Chart::default();
        top.metadata.name = "top".into();
        top.schema = Some(br#"{"required": ["lastname"]}"#.to_vec());
        top.dependencies = vec![sub];
        let v = json!({"sub": {"x": 1}}).as_object().cloned().unwrap();
        assert_eq!(
            validate_schema(&top, &v).unwrap_err().0,
            "top:\n- at '': missing property 'lastname'\nsub:\n- at '': missing property 'age'\n"
        );
        let v = json!({"lastname": "x", "sub": "oops"}).as_object().cloned().unwrap();
        assert_eq!(
            validate_schema(&top, &v).unwrap_err().0,
            "sub:\ninvalid type for values: expected object (map), got string\n"
        );
        let v = json!({"lastname": "x"}).as_object().cloned().unwrap();
        assert!(validate_schema(&top, &v).is_ok());
    }
}
