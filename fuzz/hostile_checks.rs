//! The properties the newer cargo-fuzz targets check (`--set` parser, values schema validation,
//! index.yaml, release records, glob matchers), shared with bins/kubectl-chart/tests/hostile.rs so a
//! plain `cargo test` runs them on random input without nightly.
#![allow(dead_code)] // each fuzz target uses one of these

use std::time::{Duration, Instant};

/// The most one call may take on any input (libFuzzer's own -timeout is wider).
const BOUND: Duration = Duration::from_secs(5);

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    assert!(start.elapsed() < BOUND, "{what} took {:?}", start.elapsed());
    out
}

/// `--set`, `--set-string`-style and `--set-literal` text: never panics, in bounded time; a parsed
/// map parses again from its own JSON through `--set-json`-free re-parsing of the same text.
pub fn set_parser(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let first = timed("strvals::parse", || kubehelm::values::strvals::parse(text));
    if let Ok(m) = &first {
        assert_eq!(kubehelm::values::strvals::parse(text).ok().as_ref(), Some(m), "parsing is not deterministic");
    }
    let mut m = serde_json::Map::new();
    let _ = timed("strvals::parse_literal_into", || kubehelm::values::strvals::parse_literal_into(text, &mut m));
}

/// A schema document, a NUL byte, then values as JSON: validation never panics and ends in bounded
/// time, whatever the schema (nested anyOf, $ref cycles, remote references).
pub fn schema_validation(data: &[u8]) {
    let (schema, values) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b"{\"a\": 1, \"b\": [1, \"x\", {\"c\": null}]}"[..]),
    };
    let values = serde_json::from_slice::<serde_json::Value>(values)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    let _ = timed("validate_single_schema", || kubehelm::values::validate_single_schema(&values, schema));
}

/// Any bytes as a repository index.yaml: never panics, in bounded time.
pub fn index_yaml(data: &[u8]) {
    let _ = timed("IndexFile::load", || kubehelm::repo::index::IndexFile::load(data, "fuzz/index.yaml"));
}

/// Any text as a release record (base64 of gzip of JSON): never panics, in bounded time; what
/// decodes whole also decodes as a summary with the same name, namespace and version.
pub fn release_record(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let full = timed("record::decode", || kubehelm::release::record::decode(text));
    let summary = timed("record::decode_summary", || kubehelm::release::record::decode_summary(text));
    if let (Ok(f), Ok(s)) = (&full, &summary) {
        assert_eq!((&f.name, &f.namespace, f.version), (&s.name, &s.namespace, s.version));
    }
}

/// A pattern, a NUL byte, then a name: `.Files.Glob`'s matcher agrees with a plain backtracking
/// matcher of the same syntax on short inputs and takes bounded time on any; Go's filepath.Match and
/// `.helmignore` rules never panic.
pub fn glob_matchers(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (pattern, name) = text.split_once('\0').unwrap_or((text, "templates/a/b.yaml"));
    if let Some(g) = kubehelm::render::glob::Glob::new(pattern) {
        let got = timed("Glob::matches", || g.matches(name));
        if pattern.chars().count() <= 12 && name.chars().count() <= 12 && !pattern.contains('{') {
            if let Some(want) = reference::matches(pattern, name) {
                assert_eq!(got, want, "Glob {pattern:?} on {name:?}");
            }
        }
    }
    let _ = timed("go_match", || kubehelm::chart::ignore::go_match(pattern, name));
    if let Ok(mut rules) = kubehelm::chart::ignore::Rules::parse(pattern.as_bytes()) {
        rules.add_defaults();
        timed("Rules::ignore", || (rules.ignore(name, false), rules.ignore(name, true)));
    }
}

/// A backtracking matcher of gobwas' syntax without `{…}` (exponential in general: short inputs only),
/// written apart from the automaton in shared/src/render/glob.rs.
mod reference {
    enum T {
        Lit(char),
        Any,
        Star,
        Super,
        Class(bool, Vec<(char, char)>),
    }

    fn parse(p: &[char]) -> Option<Vec<T>> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < p.len() {
            match p[i] {
                '\\' => {
                    if let Some(c) = p.get(i + 1) {
                        out.push(T::Lit(*c));
                    }
                    i += 2;
                }
                '*' if p.get(i + 1) == Some(&'*') => {
                    out.push(T::Super);
                    i += 2;
                }
                '*' => {
                    out.push(T::Star);
                    i += 1;
                }
                '?' => {
                    out.push(T::Any);
                    i += 1;
                }
                '[' => {
                    // gobwas: `!` first, then one range `X-Y]` or a list of (escapable) characters.
                    i += 1;
                    let neg = p.get(i) == Some(&'!');
                    if neg {
                        i += 1;
                    }
                    let lo = *p.get(i)?;
                    if p.get(i + 1) == Some(&'-') {
                        let hi = *p.get(i + 2)?;
                        if p.get(i + 3) != Some(&']') || hi < lo || lo == '\0' || hi == '\0' {
                            return None;
                        }
                        out.push(T::Class(neg, vec![(lo, hi)]));
                        i += 4;
                        continue;
                    }
                    let mut ranges = Vec::new();
                    let mut esc = false;
                    while let Some(&c) = p.get(i) {
                        if !esc && c == '\\' {
                            esc = true;
                            i += 1;
                            continue;
                        }
                        if !esc && c == ']' {
                            break;
                        }
                        esc = false;
                        ranges.push((c, c));
                        i += 1;
                    }
                    if p.get(i) != Some(&']') || ranges.is_empty() {
                        return None;
                    }
                    i += 1;
                    out.push(T::Class(neg, ranges));
                }
                '}' | ',' => {
                    out.push(T::Lit(p[i]));
                    i += 1;
                }
                c => {
                    out.push(T::Lit(c));
                    i += 1;
                }
            }
        }
        Some(out)
    }

    fn go(t: &[T], s: &[char]) -> bool {
        let Some((first, rest)) = t.split_first() else { return s.is_empty() };
        match first {
            T::Lit(c) => s.first() == Some(c) && go(rest, &s[1..]),
            T::Any => s.first().is_some_and(|c| *c != '/') && go(rest, &s[1..]),
            T::Class(neg, ranges) => match s.first() {
                Some(c) => ranges.iter().any(|(lo, hi)| lo <= c && c <= hi) != *neg && go(rest, &s[1..]),
                None => false,
            },
            T::Star => (0..=s.len()).take_while(|i| *i == 0 || s[i - 1] != '/').any(|i| go(rest, &s[i..])),
            T::Super => (0..=s.len()).any(|i| go(rest, &s[i..])),
        }
    }

    pub fn matches(pattern: &str, name: &str) -> Option<bool> {
        let p: Vec<char> = pattern.chars().collect();
        let s: Vec<char> = name.chars().collect();
        Some(go(&parse(&p)?, &s))
    }
}
