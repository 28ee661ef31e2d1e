//! Go's exec_test.go style: one row per behaviour, the expected column produced by Go's text/template
//! (the oracle program's output is stored in `data/exec_cases.json`).

mod common;

use gotemplate::{MissingKey, Templates, Value};

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    t: String,
    #[serde(default)]
    d: Option<serde_json::Value>,
    #[serde(default)]
    mk: Option<String>,
    #[serde(default)]
    defs: Vec<(String, String)>,
    #[serde(default)]
    exec: Option<String>,
    out: String,
    #[serde(default)]
    err: Option<String>,
    /// Go's `errors.Unwrap` chain of an exec error.
    #[serde(default)]
    chain: Vec<String>,
}

/// A chain as Helm's `reformatExecErrorMsg` reads it: up to the first link that is not a template error.
fn helm_visible(chain: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for l in chain {
        out.push(l.clone());
        if !l.starts_with("template: ") {
            break;
        }
    }
    out
}

fn run(c: &Case) -> Result<String, (String, Vec<String>)> {
    run_inner(c).map_err(|e| {
        let chain = if e.kind == gotemplate::ErrorKind::Exec { helm_visible(&e.chain()) } else { Vec::new() };
        (e.to_string(), chain)
    })
}

fn run_inner(c: &Case) -> Result<String, gotemplate::Error> {
    let mut set = Templates::new(common::test_funcs());
    set.set_missing_key(match c.mk.as_deref() {
        Some("zero") => MissingKey::Zero,
        Some("error") => MissingKey::Error,
        _ => MissingKey::Default,
    });
    for (name, text) in &c.defs {
        set.add(name, text)?;
    }
    let name = match &c.exec {
        Some(n) => n.clone(),
        None => {
            set.add("t", &c.t)?;
            "t".to_string()
        }
    };
    let data = c.d.as_ref().map(common::to_value).unwrap_or(Value::Invalid);
    set.execute(&name, &data)
}

#[test]
fn exec_cases_match_go() {
    // GOTEMPLATE_CASES=file runs another case file of the same format (e.g. fresh oracle output).
    let text = match std::env::var("GOTEMPLATE_CASES") {
        Ok(path) => std::fs::read_to_string(path).unwrap(),
        Err(_) => include_str!("data/exec_cases.json").to_string(),
    };
    let cases: Vec<Case> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() > 300 || std::env::var("GOTEMPLATE_CASES").is_ok());
    let mut failures = Vec::new();
    for c in &cases {
        let got = run(c);
        let ok = match (&got, &c.err) {
            (Ok(out), None) => *out == c.out,
            (Err((e, chain)), Some(want)) => e == want && *chain == helm_visible(&c.chain),
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{}: {:?}\n   want out={:?} err={:?} chain={:?}\n   got  {:?}",
                c.name, c.t, c.out, c.err, helm_visible(&c.chain), got
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ from Go:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
