//! Every Sprig function body against outputs recorded from Go 1.26 + Masterminds/sprig v3.3.0
//! (data/sprig_cases.json: function, arguments, `fmt.Sprint` of the result or the error text).

use gotemplate::fmt::display;
use gotemplate::{Runtime, Value};
use serde_json::Value as J;
use std::rc::Rc;

struct NoRuntime;

impl Runtime for NoRuntime {
    fn execute_named(&mut self, _: &str, _: Value) -> Result<String, String> {
        Err("no templates".into())
    }
    fn execute_text(&mut self, _: &str, _: &str, _: Value) -> Result<String, String> {
        Err("no templates".into())
    }
    fn current_template(&self) -> String {
        "test".into()
    }
}

fn decode(j: &J) -> Value {
    let v = &j["v"];
    match j["t"].as_str().unwrap_or("") {
        "nil" => Value::Nil,
        "bool" => Value::Bool(v.as_bool().unwrap_or(false)),
        "int" => Value::Int(v.as_i64().unwrap_or(0)),
        "int64" => Value::Int64(v.as_i64().unwrap_or(0)),
        "float" => Value::Float(f64::from_bits(u64::from_str_radix(v.as_str().unwrap_or("0"), 16).unwrap_or(0))),
        "string" => Value::str(v.as_str().unwrap_or("")),
        "bytes" => Value::Bytes(
            v.as_array().map(|a| a.iter().map(|b| b.as_u64().unwrap_or(0) as u8).collect::<Vec<u8>>()).unwrap_or_default().into(),
        ),
        "list" => Value::list(v.as_array().map(|a| a.iter().map(decode).collect()).unwrap_or_default()),
        "map" => Value::map(v.as_object().map(|o| o.iter().map(|(k, x)| (k.clone(), decode(x))).collect()).unwrap_or_default()),
        "time" => Value::Object(Rc::new(gosprig::date::GoTime::fixed(
            v.as_i64().unwrap_or(0),
            j["ns"].as_u64().unwrap_or(0) as u32,
            j["z"].as_str().unwrap_or("UTC"),
            j["o"].as_i64().unwrap_or(0),
        ))),
        t => panic!("unknown type {t}"),
    }
}

#[test]
fn sprig_matches_go() {
    std::env::set_var("TZ", "UTC");
    let text = match std::env::var("SPRIG_CASES") {
        Ok(path) => std::fs::read_to_string(path).unwrap(),
        Err(_) => include_str!("data/sprig_cases.json").to_string(),
    };
    let cases: J = serde_json::from_str(&text).unwrap();
    let funcs = gosprig::funcs();
    let mut failures = Vec::new();
    let cases = cases.as_array().unwrap();
    for c in cases {
        let name = c["n"].as_str().unwrap();
        let args: Vec<Value> = c["a"].as_array().map(|a| a.iter().map(decode).collect()).unwrap_or_default();
        let f = funcs.get(name).unwrap_or_else(|| panic!("missing function {name}"));
        let got = (f.body)(&mut NoRuntime, &args);
        let want_err = c["e"].as_str().unwrap_or("");
        let (got_text, ok) = match &got {
            Ok(v) => {
                let t = c["t"].as_str().unwrap_or("");
                let text = display(v);
                let type_ok = match v {
                    Value::Int(_) | Value::Int64(_) | Value::Float(_) | Value::String(_) | Value::Bool(_) => v.type_name() == t,
                    _ => true,
                };
                let ok = want_err.is_empty() && text == c["o"].as_str().unwrap_or("") && type_ok;
                (format!("{text} ({})", v.type_name()), ok)
            }
            Err(e) => (format!("error {e}"), e == want_err),
        };
        if !ok {
            let want = if want_err.is_empty() {
                format!("{} ({})", c["o"].as_str().unwrap_or(""), c["t"].as_str().unwrap_or(""))
            } else {
                format!("error {want_err}")
            };
            failures.push(format!("{name} {args:?}:\n    got  {got_text:?}\n    want {want:?}"));
        }
    }
    for f in failures.iter().take(80) {
        eprintln!("{f}");
    }
    assert!(failures.is_empty(), "{} of {} cases differ", failures.len(), cases.len());
}
