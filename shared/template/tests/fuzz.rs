//! Fuzz-ish robustness: random and mutated templates must never panic; every failure must be a Go-style
//! error value, and every accepted text must execute to text or to such an error.

mod common;

use gotemplate::{ErrorKind, MissingKey, Templates, Value};

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "{{", "}}", "{{-", "-}}", " ", "\n", ".", ".a", ".b", ".m", ".l", "$", "$x", "$x :=", "$x =", ":=", "=", "|", "(",
    ")", "if", "else", "end", "range", "with", "define", "template", "block", "break", "continue", "nil", "true",
    "\"s\"", "`r`", "'c'", "1", "-2", "1.5", "0x1F", "1e3", "printf", "\"%v\"", "index", "len", "eq", "and", "or",
    "not", "slice", "fstr", "fint", "tpl", "include", "\"x\"", "/*", "*/", ",", "{{/* c */}}", "text", "é", "\\",
    "{{ define \"x\" }}", "{{ end }}", "{{ template \"x\" . }}", "{{ range .l }}", "{{ if .a }}", "{{ else }}",
];

fn random_text(rng: &mut Rng) -> String {
    let n = rng.below(24);
    let mut s = String::new();
    for _ in 0..n {
        if rng.below(10) == 0 {
            // a random byte-ish character
            let c = char::from_u32(rng.below(0x250) as u32).unwrap_or('?');
            s.push(c);
        } else {
            s.push_str(PIECES[rng.below(PIECES.len())]);
        }
    }
    s
}

fn data() -> Value {
    common::to_value(
        &serde_json::from_str(r#"{"a": 1, "b": "two", "m": {"k": [1, {"z": null}]}, "l": [1, "x", null, {"q": 2}]}"#)
            .unwrap(),
    )
}

#[test]
fn random_templates_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let data = data();
    let (mut parsed, mut executed) = (0, 0);
    for i in 0..20_000 {
        let text = random_text(&mut rng);
        let mut set = Templates::new(common::test_funcs());
        if i % 2 == 0 {
            set.set_missing_key(MissingKey::Zero);
        }
        match set.add("t", &text) {
            Err(e) => {
                assert_eq!(e.kind, ErrorKind::Parse, "{text:?}: {e}");
                assert!(e.to_string().starts_with("template: t:"), "{text:?}: {e}");
            }
            Ok(()) => {
                parsed += 1;
                match set.execute("t", &data) {
                    Ok(_) => executed += 1,
                    Err(e) => assert!(e.to_string().starts_with("template: "), "{text:?}: {e}"),
                }
            }
        }
    }
    // The generator must exercise both paths, or the test proves nothing.
    assert!(parsed > 1000, "only {parsed} texts parsed");
    assert!(executed > 500, "only {executed} texts executed");
}

#[test]
fn truncations_of_a_real_template_never_panic() {
    let text = "{{- define \"x\" -}}\n{{ range $i, $v := .l }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ $v | printf \"%v\" }}{{ end }}{{ end }}{{ template \"x\" . }}{{ with .m.k }}{{ index . 0 }}{{ else }}none{{ end }} {{ (len .l) }} {{/* c */}}";
    let data = data();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for &(i, _) in &chars {
        for &(j, _) in chars.iter().filter(|(j, _)| *j >= i).take(40) {
            let piece = &text[i..j];
            let mut set = Templates::new(common::test_funcs());
            if set.add("t", piece).is_ok() {
                let _ = set.execute("t", &data);
            }
        }
    }
    let mut set = Templates::new(common::test_funcs());
    set.add("t", text).unwrap();
    assert_eq!(set.execute("t", &data).unwrap(), "1<nil>map[q:2]1 4 ");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let mut set = Templates::new(common::test_funcs());
    set.add("t", r#"{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}"#).unwrap();
    let e = set.execute("t", &Value::Invalid).unwrap_err();
    assert!(e.to_string().ends_with("exceeded maximum template depth (100000)"), "{e}");
    let deep = format!("{{{{ {}1{} }}}}", "(".repeat(10_001), ")".repeat(10_001));
    assert_eq!(set.add("p", &deep).unwrap_err().to_string(), "template: p:1: max expression depth exceeded");
    let ifs = format!("{}x{}", "{{if 1}}".repeat(20_000), "{{end}}".repeat(20_000));
    set.add("ifs", &ifs).unwrap();
    assert_eq!(set.execute("ifs", &Value::Invalid).unwrap(), "x");
}
