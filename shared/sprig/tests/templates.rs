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

/// Render `text` with the Sprig functions and `data` as dot.
fn render(text: &str, data: Value) -> Result<String, String> {
    let mut set = Templates::new(gosprig::funcs());
    set.set_missing_key(MissingKey::Zero);
    set.add("t", text).map_err(|e| e.to_string())?;
    set.execute("t", &data).map_err(|e| e.to_string())
}

/// Cases of the upstream conformance suite (sprig v3.3.0 and Go 1.25 text/template tests, Helm v4.1.4's
/// output) that once differed.
#[test]
fn conformance_fixes_match_go() {
    let ok = |t: &str| render(t, Value::Invalid).unwrap();
    // Go's FindAllString and Split(n = 0) return nil slices: `[]` printed, `null` in JSON.
    assert_eq!(ok(r#"{{ regexFindAll "a{2}" "none" -1 | toJson }}"#), "null");
    assert_eq!(ok(r#"{{ regexFindAll "a{2}" "none" -1 }} {{ len (regexFindAll "a" "none" -1) }}"#), "[] 0");
    assert_eq!(ok(r#"{{ mustRegexSplit "a" "banana" 0 | toJson }}"#), "null");
    assert_eq!(ok(r#"{{ regexSplit "a" "banana" -1 | toJson }}"#), r#"["b","n","n",""]"#);
    // b64dec keeps binary bytes: len counts bytes, not replacement characters.
    assert_eq!(ok(r#"{{ "/w==" | b64dec | len }} {{ "aGk=" | b64dec }}"#), "1 hi");
    // Complex constants (Go's idealConstant) print and compare as complex128.
    assert_eq!(ok(r#"{{ printf "%T %v %v" -1.2+4.2i -1.2+4.2i 4i }}"#), "complex128 (-1.2+4.2i) (0+4i)");
    assert_eq!(ok(r#"{{ printf "%v %g" 073i 1+7i }}"#), "(0+73i) (1+7i)");
    assert_eq!(ok(r#"{{ if eq 1+2i 1+2i }}t{{ end }}{{ if ne 1+2i 1+3i }}t{{ end }}{{ with 1.5i }}{{ . }}{{ end }}"#), "tt(0+1.5i)");
    let e = render("{{ lt 1+0i 1+0i }}", Value::Invalid).unwrap_err();
    assert!(e.ends_with("error calling lt: invalid type for comparison"), "{e}");
    let e = render("{{ 0i | printf }}", Value::Invalid).unwrap_err();
    assert!(e.ends_with("wrong type for value; expected string; got complex128"), "{e}");
    // `call` names a piped non-function by its reflect.Value text.
    let e = render("{{ 1 | call }}", Value::Invalid).unwrap_err();
    assert!(e.ends_with("error calling call: non-function <int Value> of type int"), "{e}");
    // A nil data value is no value at all: fields of it are empty, not nil-pointer errors.
    assert_eq!(render("{{ .foo }}{{ and 1 .Unknown }}", Value::Nil).unwrap(), "<no value><no value>");
}
