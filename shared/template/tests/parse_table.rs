//! Go's parse_test.go style: each text parsed, every resulting template printed back as template text
//! (`Tree.Root.String()`) or the parse error, the expected column produced by Go's text/template/parse
//! (`data/parse_cases.json`).

mod common;

use std::collections::BTreeMap;

use gotemplate::Templates;

#[derive(serde::Deserialize)]
struct Case {
    t: String,
    #[serde(default)]
    trees: Option<BTreeMap<String, String>>,
    #[serde(default)]
    err: Option<String>,
}

#[test]
fn parse_cases_match_go() {
    // GOTEMPLATE_PARSE_CASES=file runs another case file of the same format (e.g. fresh oracle output).
    let text = match std::env::var("GOTEMPLATE_PARSE_CASES") {
        Ok(path) => std::fs::read_to_string(path).unwrap(),
        Err(_) => include_str!("data/parse_cases.json").to_string(),
    };
    let cases: Vec<Case> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() > 90);
    let mut failures = Vec::new();
    for c in &cases {
        let mut set = Templates::new(common::test_funcs());
        let got: Result<BTreeMap<String, String>, String> = set
            .add("t", &c.t)
            .map(|()| set.names().map(|n| (n.to_string(), set.tree_text(n).unwrap_or_default())).collect())
            .map_err(|e| e.to_string());
        let ok = match (&got, &c.trees, &c.err) {
            (Ok(trees), Some(want), None) => trees == want,
            (Err(e), None, Some(want)) => e == want,
            _ => false,
        };
        if !ok {
            failures.push(format!("{:?}\n   want {:?} / {:?}\n   got  {:?}", c.t, c.trees, c.err, got));
        }
    }
    failures.truncate(40);
    assert!(failures.is_empty(), "parses differ from Go (first 40):\n{}", failures.join("\n"));
}
