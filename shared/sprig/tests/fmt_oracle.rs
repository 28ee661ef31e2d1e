//! Go's fmt (Sprintf, Sprint, Sprintln) against outputs recorded from Go 1.26 (see data/fmt_cases.json).

use gotemplate::fmt::{sprint, sprintf, sprintln};
use gotemplate::Value;
use serde_json::Value as J;

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
        "map" => Value::map(
            v.as_object().map(|o| o.iter().map(|(k, x)| (k.clone(), decode(x))).collect()).unwrap_or_default(),
        ),
        t => panic!("unknown type {t}"),
    }
}

#[test]
fn fmt_matches_go() {
    let text = match std::env::var("FMT_CASES") {
        Ok(path) => std::fs::read_to_string(path).unwrap(),
        Err(_) => include_str!("data/fmt_cases.json").to_string(),
    };
    let cases: J = serde_json::from_str(&text).unwrap();
    let mut failures = Vec::new();
    let cases = cases.as_array().unwrap();
    for c in cases {
        let args: Vec<Value> = c["a"].as_array().unwrap().iter().map(decode).collect();
        let f = c["f"].as_str().unwrap();
        let got = match c["k"].as_str().unwrap() {
            "printf" => sprintf(f, &args),
            "print" => sprint(&args),
            _ => sprintln(&args),
        };
        let want = c["o"].as_str().unwrap();
        if got != want {
            failures.push(format!("{} {:?} {:?}: got {:?}, want {:?}", c["k"], f, args, got, want));
        }
    }
    eprintln!("{} cases", cases.len());
    for f in failures.iter().take(60) {
        eprintln!("{f}");
    }
    assert!(failures.is_empty(), "{} of {} cases differ", failures.len(), cases.len());
}
