//! `.helmignore` exactly as Helm's `pkg/ignore` reads it: Go `filepath.Match` globs, rules evaluated in
//! order with the first decision winning, `!` rules that ignore whatever they do *not* match, `**`
//! rejected, and the default rule `templates/.?*`. Not gitignore. Matching is Go's own algorithm: each
//! `*` chunk is placed once, at its first fit, so a match costs at most pattern × name steps.

use super::Error;

/// The name of the ignore file in a chart folder.
pub const HELM_IGNORE: &str = ".helmignore";

#[derive(Debug, Clone)]
enum Scope {
    /// Leading `/`: match against the whole path.
    Rooted,
    /// Contains `/`: match against the whole path.
    Path,
    /// No `/`: match the last path element only.
    Base,
}

#[derive(Debug, Clone)]
struct Pattern {
    glob: String,
    scope: Scope,
    negate: bool,
    must_dir: bool,
}

/// A parsed set of ignore rules (`ignore.Rules`).
#[derive(Debug, Clone, Default)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

impl Rules {
    /// `ignore.Empty()`.
    pub fn empty() -> Self {
        Rules::default()
    }

    /// `ignore.Parse`: one rule per line; the UTF-8 BOM of the first line is dropped.
    pub fn parse(text: &[u8]) -> Result<Self, Error> {
        let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        let mut r = Rules::empty();
        // bufio.Scanner's ScanLines: split on \n, drop one trailing \r.
        for line in text.split(|b| *b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            r.parse_rule(&String::from_utf8_lossy(line))?;
        }
        Ok(r)
    }

    /// `Rules.AddDefaults`: ignore dotfiles in templates/.
    pub fn add_defaults(&mut self) {
        let _ = self.parse_rule("templates/.?*");
    }

    /// `parseRule`: adds one rule (blank lines and `#` comments are skipped).
    pub fn parse_rule(&mut self, rule: &str) -> Result<(), Error> {
        let rule = go_trim_space(rule);
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err(Error::msg("double-star (**) syntax is not supported"));
        }
        if go_match(rule, "abc").is_err() {
            return Err(Error::msg("syntax error in pattern"));
        }
        let mut rule = rule;
        let negate = rule.starts_with('!');
        if negate {
            rule = &rule[1..];
        }
        let must_dir = rule.ends_with('/');
        if must_dir {
            rule = &rule[..rule.len() - 1];
        }
        let (glob, scope) = if let Some(after) = rule.strip_prefix('/') {
            (after, Scope::Rooted)
        } else if rule.contains('/') {
            (rule, Scope::Path)
        } else {
            (rule, Scope::Base)
        };
        self.patterns.push(Pattern { glob: glob.to_string(), scope, negate, must_dir });
        Ok(())
    }

    /// `Rules.Ignore`: whether the chart-relative `path` (with `/`) should be skipped.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for p in &self.patterns {
            let matched = || {
                let name = match p.scope {
                    Scope::Base => super::go_base(path),
                    _ => path,
                };
                go_match(&p.glob, name).unwrap_or(false)
            };
            if p.negate {
                if p.must_dir && !is_dir {
                    return true;
                }
                if !matched() {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if matched() {
                return true;
            }
        }
        false
    }
}

/// Go's `strings.TrimSpace` (Unicode white space).
fn go_trim_space(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{85}' || c == '\u{a0}')
}

/// Go's `filepath.ErrBadPattern`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPattern;

/// Go's `path/filepath.Match` on Unix: `*` (not across `/`), `?`, `[a-z]`, `[^a]`, `\` escapes.
pub fn go_match(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let mut pattern = pattern.as_bytes();
    let mut name = name.as_bytes();
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(!name.contains(&b'/'));
        }
        let (t, ok) = match_chunk(chunk, name)?;
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                let (t, ok) = match_chunk(chunk, &name[i + 1..])?;
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = t;
                    continue 'pattern;
                }
                i += 1;
            }
        }
        // Go checks the rest of the pattern before answering no, so a malformed tail is an error.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, &[])?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk(mut pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while let Some(b'*') = pattern.first() {
        pattern = &pattern[1..];
        star = true;
    }
    let mut inrange = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' => {
                if i + 1 < pattern.len() {
                    i += 1;
                }
            }
            b'[' => inrange = true,
            b']' => inrange = false,
            b'*' if !inrange => return (star, &pattern[..i], &pattern[i..]),
            _ => {}
        }
        i += 1;
    }
    (star, pattern, &[])
}

/// Go's `utf8.DecodeRune`: (rune, width); invalid bytes give (U+FFFD, 1).
fn decode_rune(s: &[u8]) -> (u32, usize) {
    if s.is_empty() {
        return (0xFFFD, 0);
    }
    let n = match s[0] {
        0x00..=0x7F => return (s[0] as u32, 1),
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return (0xFFFD, 1),
    };
    if s.len() >= n {
        if let Ok(st) = std::str::from_utf8(&s[..n]) {
            if let Some(c) = st.chars().next() {
                return (c as u32, n);
            }
        }
    }
    (0xFFFD, 1)
}

fn match_chunk<'a>(mut chunk: &[u8], mut s: &'a [u8]) -> Result<(&'a [u8], bool), BadPattern> {
    let mut failed = false;
    while !chunk.is_empty() {
        failed = failed || s.is_empty();
        match chunk[0] {
            b'[' => {
                let mut r = 0u32;
                if !failed {
                    let (c, n) = decode_rune(s);
                    r = c;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let mut negated = false;
                if chunk.first() == Some(&b'^') {
                    negated = true;
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if chunk.first() == Some(&b']') && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_esc(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk[0] == b'-' {
                        let (h, rest) = get_esc(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    matched = matched || (lo <= r && r <= hi);
                    nrange += 1;
                }
                failed = failed || matched == negated;
            }
            b'?' => {
                if !failed {
                    failed = s[0] == b'/';
                    let (_, n) = decode_rune(s);
                    s = &s[n..];
                }
                chunk = &chunk[1..];
            }
            c => {
                let lit = if c == b'\\' {
                    chunk = &chunk[1..];
                    if chunk.is_empty() {
                        return Err(BadPattern);
                    }
                    chunk[0]
                } else {
                    c
                };
                if !failed {
                    failed = lit != s[0];
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        Ok((&[], false))
    } else {
        Ok((s, true))
    }
}

/// `getEsc`: one possibly escaped character of a class; the rest must not be empty.
fn get_esc(mut chunk: &[u8]) -> Result<(u32, &[u8]), BadPattern> {
    if chunk.is_empty() || chunk[0] == b'-' || chunk[0] == b']' {
        return Err(BadPattern);
    }
    if chunk[0] == b'\\' {
        chunk = &chunk[1..];
        if chunk.is_empty() {
            return Err(BadPattern);
        }
    }
    let (r, n) = decode_rune(chunk);
    let bad = r == 0xFFFD && n == 1;
    let rest = &chunk[n..];
    if bad || rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((r, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_match_table() {
        // Rows from Go's path/filepath match_test.go semantics.
        let rows: &[(&str, &str, Result<bool, BadPattern>)] = &[
            ("abc", "abc", Ok(true)),
            ("*", "abc", Ok(true)),
            ("*c", "abc", Ok(true)),
            ("a*", "a", Ok(true)),
            ("a*", "abc", Ok(true)),
            ("a*", "ab/c", Ok(false)),
            ("a*/b", "abc/b", Ok(true)),
            ("a*/b", "a/c/b", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Ok(false)),
            ("a*b?c*x", "abxbbxdbxebxczzx", Ok(true)),
            ("a*b?c*x", "abxbbxdbxebxczzy", Ok(false)),
            ("ab[c]", "abc", Ok(true)),
            ("ab[b-d]", "abc", Ok(true)),
            ("ab[e-g]", "abc", Ok(false)),
            ("ab[^c]", "abc", Ok(false)),
            ("ab[^b-d]", "abc", Ok(false)),
            ("ab[^e-g]", "abc", Ok(true)),
            ("a\\*b", "a*b", Ok(true)),
            ("a\\*b", "ab", Ok(false)),
            ("a?b", "a☺b", Ok(true)),
            ("a[^a]b", "a☺b", Ok(true)),
            ("a???b", "a☺b", Ok(false)),
            ("a[^a][^a][^a]b", "a☺b", Ok(false)),
            ("[a-ζ]*", "α", Ok(true)),
            ("*[a-ζ]", "A", Ok(false)),
            ("a?b", "a/b", Ok(false)),
            ("a*b", "a/b", Ok(false)),
            ("[\\]a]", "]", Ok(true)),
            ("[\\-]", "-", Ok(true)),
            ("[x\\-]", "x", Ok(true)),
            ("[x\\-]", "-", Ok(true)),
            ("[x\\-]", "z", Ok(false)),
            ("[\\-x]", "x", Ok(true)),
            ("[\\-x]", "-", Ok(true)),
            ("[\\-x]", "a", Ok(false)),
            ("[]a]", "]", Err(BadPattern)),
            ("[-]", "-", Err(BadPattern)),
            ("[x-]", "x", Err(BadPattern)),
            ("[x-]", "-", Err(BadPattern)),
            ("[x-]", "z", Err(BadPattern)),
            ("[-x]", "x", Err(BadPattern)),
            ("[-x]", "-", Err(BadPattern)),
            ("[-x]", "a", Err(BadPattern)),
            ("\\", "a", Err(BadPattern)),
            ("[a-b-c]", "a", Err(BadPattern)),
            ("[", "a", Err(BadPattern)),
            ("[^", "a", Err(BadPattern)),
            ("[^bc", "a", Err(BadPattern)),
            ("a[", "a", Err(BadPattern)),
            ("a[", "ab", Err(BadPattern)),
            ("a[", "x", Err(BadPattern)),
            ("a/b[", "x", Err(BadPattern)),
            ("*x", "xxx", Ok(true)),
            ("{a,b}.txt", "a.txt", Ok(false)),
            ("[!a]", "b", Ok(false)),
            ("[!a]", "!", Ok(true)),
            ("a*b[", "ac", Err(BadPattern)),
            ("x*[", "abc", Err(BadPattern)),
        ];
        for (p, n, want) in rows {
            assert_eq!(go_match(p, n), *want, "Match({p:?}, {n:?})");
        }
    }

    fn rules(text: &str) -> Rules {
        let mut r = Rules::parse(text.as_bytes()).unwrap();
        r.add_defaults();
        r
    }

    #[test]
    fn helm_rules_table() {
        // (rules, path, is_dir, ignored) — mirrors pkg/ignore/rules_test.go.
        let rows: &[(&str, &str, bool, bool)] = &[
            ("", "helm.txt", false, false),
            ("helm.txt", "helm.txt", false, true),
            ("helm.*", "helm.txt", false, true),
            ("helm.*", "rudder.txt", false, false),
            ("*.txt", "tiller.txt", false, true),
            ("*.txt", "cargo/a.txt", false, true),
            ("cargo/*.txt", "cargo/a.txt", false, true),
            ("cargo/*.*", "cargo/a.txt", false, true),
            ("cargo/*.txt", "mast/a.txt", false, false),
            ("ru[c-e]?er.txt", "rudder.txt", false, true),
            ("templates/.?*", "templates/.dotfile", false, true),
            ("/helm.txt", "helm.txt", false, true),
            ("/helm.txt", "cargo/helm.txt", false, false),
            ("/*.txt", "cargo/a.txt", false, false),
            ("/cargo/*.txt", "cargo/a.txt", false, true),
            ("cargo/", "cargo", true, true),
            ("cargo/", "cargo/a.txt", false, false),
            ("mast/", "cargo", true, false),
            ("helm.txt/", "helm.txt", false, false),
            ("!helm.txt", "helm.txt", false, false),
            ("!helm.txt", "tiller.txt", false, true),
            ("!*.txt", "cargo", true, true),
            ("!cargo/", "mast/", true, true),
            ("!cargo/", "cargo", true, false),
            ("!cargo/", "a.txt", false, true),
            ("*.txt\n!helm.txt", "helm.txt", false, true),
            ("!helm.txt\n*.txt", "helm.txt", false, true),
            ("!helm.txt\n*.txt", "tiller.txt", false, true),
            ("", ".", true, false),
            ("*", ".", true, false),
            ("", "templates/.hidden", false, true),
            ("", "templates/sub/.hidden", false, false),
            ("", ".hidden", false, false),
        ];
        for (text, path, is_dir, want) in rows {
            assert_eq!(rules(text).ignore(path, *is_dir), *want, "rules {text:?} path {path:?}");
        }
    }

    #[test]
    fn hostile_patterns_match_in_polynomial_time() {
        let name = "a".repeat(20_000);
        let start = std::time::Instant::now();
        assert_eq!(go_match(&format!("{}b", "*a".repeat(50)), &name), Ok(false));
        assert_eq!(go_match(&"*a".repeat(50), &name), Ok(true));
        assert_eq!(go_match(&format!("{}*b", "*?".repeat(50)), &name), Ok(false));
        assert!(start.elapsed() < std::time::Duration::from_secs(2), "took {:?}", start.elapsed());
    }

    #[test]
    fn parse_errors() {
        assert_eq!(Rules::parse(b"**/foo").unwrap_err().to_string(), "double-star (**) syntax is not supported");
        assert_eq!(Rules::parse(b"a[").unwrap_err().to_string(), "syntax error in pattern");
        let r = Rules::parse(b"\xEF\xBB\xBFfoo\r\n# comment\n  \n").unwrap();
        assert!(r.ignore("foo", false));
    }
}
