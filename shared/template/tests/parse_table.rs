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
    let cases: Vec<Case> = serde_json::from_str(include_str!("data/parse_cases.json")).unwrap();
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
    assert!(failures.is_empty(), "{} of {} parses differ from Go:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
