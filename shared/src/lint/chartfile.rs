//! The Chart.yaml rules (Helm's `rules.Chartfile`).

use std::io::Read;
use std::path::Path;

use serde_json::{Map, Value};

use super::{urls, Linter, Severity};
use crate::chart::chartfile::{load_chartfile, parse_chartfile_yaml, strict_load_chartfile};
use crate::chart::{go_os_error, metadata_quote, Metadata};

/// `os.ReadFile` with Go's error texts.
pub(super) fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    let mut f = std::fs::File::open(path).map_err(|e| go_os_error("open", path, &e))?;
    let mut data = Vec::new();
    f.read_to_end(&mut data).map_err(|e| go_os_error("read", path, &e))?;
    Ok(data)
}

pub(super) fn chartfile(l: &mut Linter) {
    let name = "Chart.yaml";
    let path = l.chart_dir.join(name);
    let is_dir = std::fs::metadata(&path).map(|m| m.is_dir()).unwrap_or(false);
    l.rule(Severity::Error, name, if is_dir { Err("should be a file, not a directory".into()) } else { Ok(()) });

    let data = read_file(&path);
    let loaded = data.clone().and_then(|d| load_chartfile(&d).map_err(|e| e.to_string()));
    let cf = match loaded {
        Ok(cf) => cf,
        Err(e) => {
            l.rule(Severity::Error, name, Err(format!("unable to parse YAML\n\t{e}")));
            return;
        }
    };
    let data = data.unwrap_or_default();
    if let Err(e) = strict_load_chartfile(&data) {
        l.rule(Severity::Warning, name, Err(format!("failed to strictly parse chart metadata file\n\t{e}")));
    }
    let for_type_check = match parse_chartfile_yaml(&data) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };

    l.rule(Severity::Error, name, validate_name(&cf));
    l.rule(Severity::Error, name, validate_api_version(&cf));
    l.rule(Severity::Error, name, is_string_value(&for_type_check, "version"));
    l.rule(Severity::Error, name, validate_version(&cf));
    l.rule(Severity::Error, name, is_string_value(&for_type_check, "appVersion"));
    l.rule(Severity::Error, name, validate_maintainers(&cf));
    l.rule(Severity::Error, name, validate_sources(&cf));
    l.rule(Severity::Info, name, if cf.icon.is_empty() { Err("icon is recommended".into()) } else { Ok(()) });
    l.rule(Severity::Error, name, validate_icon_url(&cf));
    l.rule(Severity::Error, name, validate_type(&cf));
    l.rule(Severity::Error, name, validate_dependencies(&cf));
    l.rule(Severity::Warning, name, validate_strict_semver(&cf));
}

/// Go's `%T` of a value decoded from JSON into `interface{}`.
fn go_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

fn is_string_value(data: &Map<String, Value>, key: &str) -> Result<(), String> {
    match data.get(key) {
        None | Some(Value::String(_)) => Ok(()),
        Some(v) => Err(format!("{key} should be of type string but it's of type {}", go_type_name(v))),
    }
}

fn validate_name(cf: &Metadata) -> Result<(), String> {
    if cf.name.is_empty() {
        return Err("name is required".into());
    }
    if go_base(&cf.name) != cf.name {
        return Err(format!("chart name {} is invalid", metadata_quote(&cf.name)));
    }
    Ok(())
}

/// Go's `filepath.Base`.
fn go_base(p: &str) -> &str {
    if p.is_empty() {
        return ".";
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/";
    }
    match t.rfind('/') {
        Some(i) => &t[i + 1..],
        None => t,
    }
}

fn validate_api_version(cf: &Metadata) -> Result<(), String> {
    if cf.api_version.is_empty() {
        return Err("apiVersion is required. The value must be either \"v1\" or \"v2\"".into());
    }
    if cf.api_version != "v1" && cf.api_version != "v2" {
        return Err(format!(
            "apiVersion '{}' is not valid. The value must be either \"v1\" or \"v2\"",
            cf.api_version
        ));
    }
    Ok(())
}

fn validate_version(cf: &Metadata) -> Result<(), String> {
    if cf.version.is_empty() {
        return Err("version is required".into());
    }
    let v = gosemver::Version::parse(&cf.version)
        .map_err(|_| format!("version '{}' is not a valid SemVer", cf.version))?;
    let c = gosemver::Constraints::parse(">0.0.0-0").map_err(|e| e.to_string())?;
    match c.validate(&v) {
        Err(msgs) if !msgs.is_empty() => Err(format!("version {}", msgs[0])),
        _ => Ok(()),
    }
}

fn validate_strict_semver(cf: &Metadata) -> Result<(), String> {
    gosemver::Version::parse_strict(&cf.version)
        .map(|_| ())
        .map_err(|_| format!("version '{}' is not a valid SemVerV2", cf.version))
}

fn validate_maintainers(cf: &Metadata) -> Result<(), String> {
    if cf.null_maintainer {
        return Err("a maintainer entry is empty".into());
    }
    for m in &cf.maintainers {
        if m.name.is_empty() {
            return Err("each maintainer requires a name".into());
        } else if !m.email.is_empty() && !urls::is_email(&m.email) {
            return Err(format!("invalid email '{}' for maintainer '{}'", m.email, m.name));
        } else if !m.url.is_empty() && !urls::is_url(&m.url) {
            return Err(format!("invalid url '{}' for maintainer '{}'", m.url, m.name));
        }
    }
    Ok(())
}

fn validate_sources(cf: &Metadata) -> Result<(), String> {
    for s in &cf.sources {
        if s.is_empty() || !urls::is_request_url(s) {
            return Err(format!("invalid source URL '{s}'"));
        }
    }
    Ok(())
}

fn validate_icon_url(cf: &Metadata) -> Result<(), String> {
    if !cf.icon.is_empty() && !urls::is_request_url(&cf.icon) {
        return Err(format!("invalid icon URL '{}'", cf.icon));
    }
    Ok(())
}

fn validate_dependencies(cf: &Metadata) -> Result<(), String> {
    if !cf.dependencies.is_empty() && cf.api_version != "v2" {
        return Err(format!(
            "dependencies are not valid in the Chart file with apiVersion '{}'. They are valid in apiVersion 'v2'",
            cf.api_version
        ));
    }
    Ok(())
}

fn validate_type(cf: &Metadata) -> Result<(), String> {
    if !cf.r#type.is_empty() && cf.api_version != "v2" {
        return Err(format!(
            "chart type is not valid in apiVersion '{}'. It is valid in apiVersion 'v2'",
            cf.api_version
        ));
    }
    Ok(())
}
