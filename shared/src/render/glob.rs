//! Glob patterns with gobwas/glob semantics (separator `/`), as `.Files.Glob` matches chart files:
//! `*` and `?` stop at `/`, `**` crosses it, `[abc]`, `[!a-z]`, `{a,b}` alternatives, `\` escapes.
//! Patterns compile to a small automaton run over the name once with a set of live states, so a
//! match costs at most (pattern length × name length) steps: no backtracking, whatever the pattern.

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(char),
    /// `?`: one character other than the separator.
    Any,
    /// `*`: any run without the separator.
    Star,
    /// `**`: any run.
    SuperStar,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    Alternatives(Vec<Vec<Token>>),
}

/// One state of the compiled automaton.
#[derive(Debug, Clone)]
enum State {
    /// Consumes this character, then goes to the next state.
    Literal(char),
    /// Consumes one character other than the separator.
    Any,
    /// Consumes one character in (or, negated, not in) the class: the separator too, as gobwas.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    /// Stays here on any character but the separator (`*`), or any character at all (`**`); also
    /// steps to the next state without consuming.
    Loop {
        cross: bool,
    },
    /// Steps, without consuming, to each listed state (the starts of `{…}` alternatives).
    Split(Vec<usize>),
    /// Steps, without consuming, to the state given (the end of one alternative).
    Jump(usize),
    Match,
}

/// Deeper `{…}` nesting than this does not compile (gobwas' own parser would recurse as deep).
const MAX_NESTING: usize = 256;

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Glob {
    states: Vec<State>,
}

impl Glob {
    /// Compile a pattern; `None` when gobwas would reject it (a malformed `[…]`).
    pub fn new(pattern: &str) -> Option<Glob> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pos = 0;
        let tokens = parse_seq(&chars, &mut pos, 0)?;
        if pos != chars.len() {
            return None;
        }
        let mut states = Vec::new();
        compile(&tokens, &mut states);
        states.push(State::Match);
        Some(Glob { states })
    }

    /// Whether the whole of `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        let n = self.states.len();
        let mut current = StateSet::new(n);
        let mut next = StateSet::new(n);
        let mut stack = Vec::new();
        self.close(0, &mut current, &mut stack);
        for c in text.chars() {
            if current.list.is_empty() {
                return false;
            }
            next.clear();
            for i in 0..current.list.len() {
                let s = current.list[i];
                let to = match &self.states[s] {
                    State::Literal(l) => (*l == c).then_some(s + 1),
                    State::Any => (c != '/').then_some(s + 1),
                    State::Class { negated, ranges } => {
                        let inside = ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi);
                        (inside != *negated).then_some(s + 1)
                    }
                    State::Loop { cross } => (*cross || c != '/').then_some(s),
                    State::Split(_) | State::Jump(_) | State::Match => None,
                };
                if let Some(to) = to {
                    self.close(to, &mut next, &mut stack);
                }
            }
            std::mem::swap(&mut current, &mut next);
        }
        current.list.iter().any(|s| matches!(self.states[*s], State::Match))
    }

    /// Adds `start` and every state reachable from it without consuming a character.
    fn close(&self, start: usize, set: &mut StateSet, stack: &mut Vec<usize>) {
        stack.push(start);
        while let Some(s) = stack.pop() {
            if !set.insert(s) {
                continue;
            }
            match &self.states[s] {
                State::Loop { .. } => stack.push(s + 1),
                State::Split(targets) => stack.extend(targets.iter().rev()),
                State::Jump(to) => stack.push(*to),
                _ => {}
            }
        }
    }
}

/// A set of automaton states: membership by generation stamp, members in insertion order.
struct StateSet {
    list: Vec<usize>,
    stamp: Vec<u32>,
    generation: u32,
}

impl StateSet {
    fn new(n: usize) -> Self {
        StateSet { list: Vec::new(), stamp: vec![0; n], generation: 1 }
    }

    fn clear(&mut self) {
        self.list.clear();
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
    }

    fn insert(&mut self, s: usize) -> bool {
        if self.stamp[s] == self.generation {
            return false;
        }
        self.stamp[s] = self.generation;
        self.list.push(s);
        true
    }
}

fn compile(tokens: &[Token], out: &mut Vec<State>) {
    for t in tokens {
        match t {
            Token::Literal(c) => out.push(State::Literal(*c)),
            Token::Any => out.push(State::Any),
            Token::Star => out.push(State::Loop { cross: false }),
            Token::SuperStar => out.push(State::Loop { cross: true }),
            Token::Class { negated, ranges } => out.push(State::Class { negated: *negated, ranges: ranges.clone() }),
            Token::Alternatives(alts) => {
                let split = out.len();
                out.push(State::Split(Vec::new()));
                let mut starts = Vec::new();
                let mut jumps = Vec::new();
                for alt in alts {
                    starts.push(out.len());
                    compile(alt, out);
                    jumps.push(out.len());
                    out.push(State::Jump(0));
                }
                let end = out.len();
                for j in jumps {
                    out[j] = State::Jump(end);
                }
                out[split] = State::Split(starts);
            }
        }
    }
}

/// gobwas' lexer and parser: outside `{…}` only `?`, `*`, `[` and `{` are special (`,` and `}` are text);
/// `\\` escapes the next character (a trailing one is dropped); `[` takes one range `[a-z]` or a list
/// `[abc]`, either after `!`; an unclosed `{` closes at the end of the pattern.
fn parse_seq(p: &[char], pos: &mut usize, depth: usize) -> Option<Vec<Token>> {
    let in_alt = depth > 0;
    let mut out = Vec::new();
    while *pos < p.len() {
        let c = p[*pos];
        match c {
            '\\' => {
                *pos += 1;
                if let Some(lit) = p.get(*pos) {
                    out.push(Token::Literal(*lit));
                    *pos += 1;
                }
            }
            '*' => {
                let token = if p.get(*pos + 1) == Some(&'*') {
                    *pos += 2;
                    Token::SuperStar
                } else {
                    *pos += 1;
                    Token::Star
                };
                // Adjacent stars match what the widest of them matches: one state does.
                match (out.last(), &token) {
                    (Some(Token::SuperStar), _) => {}
                    (Some(Token::Star), Token::SuperStar) => *out.last_mut()? = Token::SuperStar,
                    (Some(Token::Star), Token::Star) => {}
                    _ => out.push(token),
                }
            }
            '?' => {
                out.push(Token::Any);
                *pos += 1;
            }
            '[' => {
                *pos += 1;
                out.push(parse_class(p, pos)?);
            }
            '{' => {
                if depth >= MAX_NESTING {
                    return None;
                }
                *pos += 1;
                let mut alts = Vec::new();
                loop {
                    alts.push(parse_seq(p, pos, depth + 1)?);
                    match p.get(*pos) {
                        Some(',') => *pos += 1,
                        Some('}') => {
                            *pos += 1;
                            break;
                        }
                        _ => break,
                    }
                }
                out.push(Token::Alternatives(alts));
            }
            ',' | '}' if in_alt => return Some(out),
            _ => {
                out.push(Token::Literal(c));
                *pos += 1;
            }
        }
    }
    Some(out)
}

/// The class after `[`: `!` first negates; `X-Y]` is a range (Y not below X); otherwise characters
/// (with `\\` escapes) up to `]`, at least one. Anything else does not compile.
fn parse_class(p: &[char], pos: &mut usize) -> Option<Token> {
    let negated = p.get(*pos) == Some(&'!');
    if negated {
        *pos += 1;
    }
    let first = *p.get(*pos)?;
    if p.get(*pos + 1) == Some(&'-') {
        let hi = *p.get(*pos + 2)?;
        if p.get(*pos + 3) != Some(&']') || first == '\0' || hi == '\0' || hi < first {
            return None;
        }
        *pos += 4;
        return Some(Token::Class { negated, ranges: vec![(first, hi)] });
    }
    let mut ranges = Vec::new();
    let mut escaped = false;
    while let Some(c) = p.get(*pos).copied() {
        if !escaped {
            if c == '\\' {
                escaped = true;
                *pos += 1;
                continue;
            }
            if c == ']' {
                break;
            }
        }
        escaped = false;
        ranges.push((c, c));
        *pos += 1;
    }
    if p.get(*pos) != Some(&']') || ranges.is_empty() {
        return None;
    }
    *pos += 1;
    Some(Token::Class { negated, ranges })
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(p: &str, t: &str) -> bool {
        Glob::new(p).unwrap().matches(t)
    }

    #[test]
    fn star_stops_at_separator() {
        assert!(m("*.yaml", "a.yaml"));
        assert!(!m("*.yaml", "dir/a.yaml"));
        assert!(m("files/*", "files/a.txt"));
        assert!(!m("files/*", "files/sub/a.txt"));
        assert!(m("*", ""));
        assert!(!m("?", ""));
    }

    #[test]
    fn super_star_crosses_separator() {
        assert!(m("**.yaml", "a/b/c.yaml"));
        assert!(m("files/**", "files/sub/a.txt"));
        assert!(m("**/*.conf", "x/y.conf"));
        assert!(!m("**/*.conf", "y.conf"));
        assert!(m("***", "a/b"));
        assert!(m("a/**/b", "a/x/y/b"));
    }

    #[test]
    fn classes_alternatives_escapes() {
        assert!(m("file[0-9].txt", "file3.txt"));
        assert!(!m("file[!0-9].txt", "file3.txt"));
        assert!(m("{a,b}.txt", "b.txt"));
        assert!(!m("{a,b}.txt", "c.txt"));
        assert!(m("x\\*", "x*"));
        assert!(!m("x\\*", "xy"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "a/c"));
        assert!(m("{a,ab}c", "abc"));
        assert!(m("{a*,b}/{c,{d,e}x}", "aaa/ex"));
        assert!(!m("{a*,b}/{c,{d,e}x}", "aaa/e"));
        assert!(m("{,x}y", "y"));
    }

    #[test]
    fn bad_patterns_do_not_compile() {
        // Rows checked against gobwas/glob v0.2.3 (Helm's).
        for p in ["[abc", "[]", "[]]*", "[!]]*", "[a-", "[a-z0-9]", "[z-a]", "[a-]"] {
            assert!(Glob::new(p).is_none(), "{p}");
        }
        assert!(Glob::new(&"{".repeat(100_000)).is_none());
    }

    #[test]
    fn gobwas_corners() {
        assert!(m("{a,b", "a") && m("{a,b", "b") && !m("{a,b", "{a,b"));
        assert!(m("dir[/]c", "dir/c") && m("[!a]", "/"));
        assert!(m("a,b}", "a,b}"));
        assert!(m("a\\", "a"));
        assert!(m("[\\]]", "]") && m("[]-a]", "^"));
        assert!(m("[!!]", "a") && !m("[!!]", "!"));
    }

    #[test]
    fn hostile_patterns_match_in_linear_time() {
        let name = "a".repeat(20_000);
        let start = std::time::Instant::now();
        for pattern in ["*a*a*a*a*a*a*a*a*a*a*b", "**a**a**a**a**a**a**a**a**b", "{*a,a*}{*a,a*}{*a,a*}{*a,a*}b"] {
            assert!(!m(pattern, &name), "{pattern}");
            assert!(m(&pattern.replace('b', "a"), &name), "{pattern}");
        }
        let deep = format!("{}x{}", "{".repeat(200), "}".repeat(200));
        assert!(m(&deep, "x"));
        assert!(start.elapsed() < std::time::Duration::from_secs(2), "took {:?}", start.elapsed());
    }
}
