//! `read_head` against `from_str` + reduction: same value or same error, on every golden input, on
//! the corpus' YAML files, and on generated manifest-like documents (with random damage).

use serde_json::Value;

fn expected(text: &str) -> Result<Value, goyaml::Error> {
    goyaml::from_str(text).map(|v| goyaml::prune(v, goyaml::HEAD))
}

#[derive(Default)]
struct Tally {
    total: usize,
    cheap: usize,
    fails: Vec<String>,
}

impl Tally {
    fn check(&mut self, text: &str) {
        self.total += 1;
        let want = expected(text);
        let got = goyaml::read_head(text);
        if want != got {
            self.fails.push(format!("{:?}\n  want {:?}\n  got  {:?}", text, want, got));
        }
        if let Some(c) = goyaml::from_str_keep_cheap(text, goyaml::HEAD) {
            self.cheap += 1;
            if c != want {
                self.fails.push(format!("cheap {:?}\n  want {:?}\n  got  {:?}", text, want, c));
            }
        }
    }

    fn finish(self, what: &str, min_cheap: usize) {
        eprintln!("{}: {} documents, {} on the cheap path", what, self.total, self.cheap);
        for f in self.fails.iter().take(30) {
            eprintln!("{}", f);
        }
        assert!(self.fails.is_empty(), "{}: {} of {} differ", what, self.fails.len(), self.total);
        assert!(self.cheap >= min_cheap, "{}: only {} on the cheap path", what, self.cheap);
    }
}

fn golden_inputs() -> Vec<String> {
    let mut out = Vec::new();
    for name in ["parse.jsonl", "parseall.jsonl"] {
        let path = format!("{}/tests/golden/{}", env!("CARGO_MANIFEST_DIR"), name);
        let text = std::fs::read_to_string(&path).unwrap();
        for l in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(l).unwrap();
            out.push(v["in"].as_str().unwrap().to_string());
        }
    }
    out
}

/// Indents every line of `s` by `n` spaces.
fn indent(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    s.lines().map(|l| format!("{}{}\n", pad, l)).collect()
}

#[test]
fn golden_inputs_agree() {
    let mut t = Tally::default();
    for input in golden_inputs() {
        t.check(&input);
        // The same text as the value of each head path, and of some other key.
        let nested = indent(&input, 4);
        t.check(&format!("apiVersion: v1\nkind: K\nmetadata:\n  name: n\n  annotations:\n{}", nested));
        t.check(&format!("apiVersion: v1\nmetadata:\n  name:\n{}", nested));
        t.check(&format!("kind: K\nmetadata:\n  name: x\nspec:\n  x:\n{}", nested));
        t.check(&format!("kind:\n{}", indent(&input, 2)));
        t.check(&format!("metadata:\n{}", indent(&input, 2)));
    }
    t.finish("golden", 1000);
}

#[test]
fn corpus_files_agree() {
    let root = std::path::PathBuf::from(std::env::var("GOYAML_CORPUS").unwrap_or_else(|_| "/work/shared/corpus/charts".into()));
    if !root.is_dir() {
        eprintln!("no corpus at {}", root.display());
        return;
    }
    let mut t = Tally::default();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")) {
                if let Ok(text) = std::fs::read_to_string(&p) {
                    for doc in text.split("\n---") {
                        t.check(doc);
                    }
                }
            }
        }
    }
    t.finish("corpus", 100);
}

// ---- generated documents --------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const KEYS: &[&str] = &[
    "apiVersion", "kind", "metadata", "name", "annotations", "spec", "data", "labels", "\"kind\"", "'name'",
    "apiVersion", "metadata", "name", "annotations", "1", "0x8000000000000000", "true", "~", "null", "<<",
    "1.5", ".inf", ".nan", "2001-01-01", "\"\"", "!!str name", "&k name", "? name", "\"a\\u00e9\"", "a b",
];

const SCALARS: &[&str] = &[
    "v1", "apps/v1", "Deployment", "x", "1", "-2", "1.5", "1e3", "1e400", ".inf", "-.Inf", "+.inf", ".nan",
    "yes", "off", "~", "null", "", "\"q\"", "'s'", "\"tab\\there\"", "0o17", "0x1F", "18446744073709551615",
    "2001-12-14", "!!str 5", "!!int \"7\"", "!!binary aGk=", "&a x", "*a", "[a, b]", "{a: b, c: 1}", "[]",
    "{}", "\"multi\n  line\"", "<<", "é", "\"\\xff\"", "!custom x", "{? a}", "- z",
];

fn gen_node(r: &mut Rng, depth: usize, ind: usize, out: &mut String) {
    // Writes ": value\n" style content for a mapping value position (after the key).
    let choice = if depth > 3 { 0 } else { r.below(6) };
    match choice {
        0..=2 => {
            let s = r.pick(SCALARS);
            if s.contains('\n') {
                out.push_str(&format!(" {}\n", s.replace('\n', &format!("\n{}", " ".repeat(ind + 2)))));
            } else if s.is_empty() {
                out.push('\n');
            } else if s == "- z" {
                out.push_str(&format!("\n{}- z\n", " ".repeat(ind)));
            } else {
                out.push_str(&format!(" {}\n", s));
            }
        }
        3 => {
            out.push_str(" |\n");
            for _ in 0..=r.below(3) {
                out.push_str(&format!("{}line {}\n", " ".repeat(ind + 2), r.pick(SCALARS)));
            }
        }
        4 => {
            out.push('\n');
            for _ in 0..=r.below(3) {
                out.push_str(&format!("{}-", " ".repeat(ind + 2)));
                gen_node(r, depth + 1, ind + 4, out);
            }
        }
        _ => {
            out.push('\n');
            gen_map(r, depth + 1, ind + 2, out);
        }
    }
}

fn gen_map(r: &mut Rng, depth: usize, ind: usize, out: &mut String) {
    for _ in 0..=r.below(5) {
        let k = r.pick(KEYS);
        if let Some(rest) = k.strip_prefix("? ") {
            out.push_str(&format!("{}? {}\n{}:", " ".repeat(ind), rest, " ".repeat(ind)));
        } else {
            out.push_str(&format!("{}{}:", " ".repeat(ind), k));
        }
        gen_node(r, depth, ind, out);
    }
}

fn damage(r: &mut Rng, s: &str) -> String {
    let mut b: Vec<char> = s.chars().collect();
    for _ in 0..=r.below(2) {
        if b.is_empty() {
            break;
        }
        let i = r.below(b.len());
        match r.below(5) {
            0 => {
                b.remove(i);
            }
            1 => b.insert(i, '\t'),
            2 => b.insert(i, ':'),
            3 => b.insert(i, ' '),
            _ => b.insert(i, *["\"", "'", "[", "{", "-", "&", "*", "!", "#", "\u{1}", "\n"].get(r.below(11)).unwrap()
                .chars().next().as_ref().unwrap()),
        }
    }
    b.into_iter().collect()
}

#[test]
fn generated_documents_agree() {
    let mut r = Rng(0x9E3779B97F4A7C15);
    let mut t = Tally::default();
    for i in 0..30000 {
        let mut doc = String::new();
        if i % 7 == 0 {
            doc.push_str("---\n");
        }
        gen_map(&mut r, 0, 0, &mut doc);
        if i % 5 == 0 {
            doc.push_str("---\nkind: second\n");
        }
        t.check(&doc);
        t.check(&damage(&mut r, &doc));
    }
    t.finish("generated", 5000);
}

/// Extra files (e.g. rendered charts) named in GOYAML_HEAD_EXTRA (`:`-separated), split at `---`.
#[test]
fn extra_files_agree() {
    let Ok(list) = std::env::var("GOYAML_HEAD_EXTRA") else { return };
    let mut t = Tally::default();
    for f in list.split(':').filter(|f| !f.is_empty()) {
        let text = std::fs::read_to_string(f).unwrap();
        for doc in text.split("\n---") {
            t.check(doc);
        }
    }
    t.finish("extra", 0);
}
