//! Sprig functions end to end through the template engine, against Go's text/template + Sprig v3.3.0
//! output for the same templates and data (data/template_cases.json).

use gotemplate::{MissingKey, Templates, Value};
use serde_json::Value as J;

#[test]
fn templates_match_go() {
    std::env::set_var("TZ", "UTC");
    let file: J = serde_json::from_str(include_str!("data/template_cases.json")).unwrap();
    let values = gosprig::json::unmarshal(file["data"].as_str().unwrap()).unwrap();
    let top = Value::map([("Values".to_string(), values)].into_iter().collect());
    let mut failures = Vec::new();
    let cases = file["cases"].as_array().unwrap();
    for c in cases {
        let text = c["t"].as_str().unwrap();
        let mut set = Templates::new(gosprig::funcs());
        set.set_missing_key(MissingKey::Zero);
        let got = match set.add("t", text) {
            Err(e) => Err(e.to_string()),
            Ok(()) => set.execute("t", &top).map_err(|e| e.to_string()),
        };
        let want = match c["e"].as_str() {
            Some(e) if !e.is_empty() => Err(e.to_string()),
            _ => Ok(c["o"].as_str().unwrap_or("").to_string()),
        };
        if got != want {
            failures.push(format!("{text}\n    got  {got:?}\n    want {want:?}"));
        }
    }
    for f in &failures {
        eprintln!("{f}");
    }
    assert!(failures.is_empty(), "{} of {} templates differ", failures.len(), cases.len());
}
