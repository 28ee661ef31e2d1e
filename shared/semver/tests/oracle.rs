//! Differential tests against answers recorded from Go's Masterminds/semver v3.5.0: the inputs of its own
//! test tables plus our probes (generator and oracle program: /work/oracle/semver, outside the repo).

use gosemver::{Constraints, Version};
use serde_json::Value as J;

const DATA: &str = include_str!("data/masterminds_v3.5.0.jsonl");

fn s(j: &J, k: &str) -> Option<String> {
    j.get(k).and_then(|v| v.as_str()).map(str::to_string)
}

fn rows(op: &str) -> impl Iterator<Item = J> + '_ {
    DATA.lines()
        .map(|l| serde_json::from_str::<J>(l).expect("jsonl"))
        .filter(move |j| j["op"] == op)
}

#[test]
fn versions_match_go() {
    let mut n = 0;
    let mut bad = Vec::new();
    for j in rows("V") {
        n += 1;
        let input = s(&j, "in").unwrap();
        let got = match Version::parse(&input) {
            Ok(v) => serde_json::json!({"str": v.to_string(), "orig": v.original(),
                "parts": [v.major(), v.minor(), v.patch(), v.prerelease(), v.metadata()]}),
            Err(e) => serde_json::json!({"err": e.to_string()}),
        };
        let want = serde_json::json!({"str": j.get("str"), "orig": j.get("orig"), "parts": j.get("parts"), "err": j.get("err")});
        let got_norm = serde_json::json!({"str": got.get("str"), "orig": got.get("orig"), "parts": got.get("parts"), "err": got.get("err")});
        if want != got_norm {
            bad.push(format!("NewVersion({input:?}): want {want} got {got_norm}"));
        }
        let strict = match Version::parse_strict(&input) {
            Ok(v) => (Some(v.to_string()), None),
            Err(e) => (None, Some(e.to_string())),
        };
        if strict != (s(&j, "sstr"), s(&j, "serr")) {
            bad.push(format!(
                "StrictNewVersion({input:?}): want {:?} got {strict:?}",
                (s(&j, "sstr"), s(&j, "serr"))
            ));
        }
    }
    assert!(n > 200, "only {n} rows");
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn compare_matches_go() {
    let mut n = 0;
    let mut bad = Vec::new();
    for j in rows("CMP") {
        let (a, b) = (s(&j, "a").unwrap(), s(&j, "b").unwrap());
        let got = match (Version::parse(&a), Version::parse(&b)) {
            (Ok(x), Ok(y)) => Some(x.compare(&y) as i64),
            _ => None,
        };
        n += 1;
        if got != j.get("cmp").and_then(|c| c.as_i64()) {
            bad.push(format!(
                "Compare({a:?}, {b:?}): want {:?} got {got:?}",
                j.get("cmp")
            ));
        }
    }
    assert!(n > 400, "only {n} rows");
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn increments_match_go() {
    let mut bad = Vec::new();
    for j in rows("INC") {
        let input = s(&j, "in").unwrap();
        let Ok(v) = Version::parse(&input) else {
            continue;
        };
        let name = |x: Option<Version>| x.map_or("PANIC".to_string(), |v| v.original().to_string());
        let got = serde_json::json!([
            name(v.inc_patch()),
            name(v.inc_minor()),
            name(v.inc_major())
        ]);
        if j["inc"] != got {
            bad.push(format!("Inc({input:?}): want {} got {got}", j["inc"]));
        }
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn constraints_match_go() {
    let mut n = 0;
    let mut bad = Vec::new();
    for j in rows("C") {
        n += 1;
        let (c, v) = (s(&j, "c").unwrap(), s(&j, "v").unwrap());
        let cs = match Constraints::parse(&c) {
            Ok(cs) => cs,
            Err(e) => {
                if s(&j, "cerr") != Some(e.to_string()) {
                    bad.push(format!(
                        "NewConstraint({c:?}): want {:?} got error {e}",
                        j.get("cerr")
                    ));
                }
                continue;
            }
        };
        if let Some(want) = s(&j, "cerr") {
            bad.push(format!(
                "NewConstraint({c:?}): want error {want:?}, got {cs}"
            ));
            continue;
        }
        if s(&j, "cstr") != Some(cs.to_string()) {
            bad.push(format!("String({c:?}): want {:?} got {cs}", j.get("cstr")));
        }
        let ver = match Version::parse(&v) {
            Ok(ver) => ver,
            Err(e) => {
                if s(&j, "verr") != Some(e.to_string()) {
                    bad.push(format!(
                        "NewVersion({v:?}): want {:?} got {e}",
                        j.get("verr")
                    ));
                }
                continue;
            }
        };
        if j["check"].as_bool() != Some(cs.check(&ver)) {
            bad.push(format!("Check({c:?}, {v:?}): want {}", j["check"]));
        }
        let want: Result<(), Vec<String>> = if j["valid"].as_bool() == Some(true) {
            Ok(())
        } else {
            Err(j["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect())
        };
        let got = cs.validate(&ver);
        if got != want {
            bad.push(format!("Validate({c:?}, {v:?}): want {want:?} got {got:?}"));
        }
    }
    assert!(n > 4000, "only {n} rows");
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
