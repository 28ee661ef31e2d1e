//! Glob patterns with gobwas/glob semantics (separator `/`), as `.Files.Glob` matches chart files:
//! `*` and `?` stop at `/`, `**` crosses it, `[abc]`, `[!a-z]`, `{a,b}` alternatives, `\` escapes.

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(char),
    /// `?`: one character other than the separator.
    Any,
    /// `*`: any run without the separator.
    Star,
    /// `**`: any run.
    SuperStar,
    Class { negated: bool, ranges: Vec<(char, char)> },
    Alternatives(Vec<Vec<Token>>),
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Glob {
    tokens: Vec<Token>,
}

impl Glob {
    /// Compile a pattern; `None` when gobwas would reject it (unclosed `[` or `{`).
    pub fn new(pattern: &str) -> Option<Glob> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pos = 0;
        let tokens = parse_seq(&chars, &mut pos, false)?;
        if pos != chars.len() {
            return None;
        }
        Some(Glob { tokens })
    }

    pub fn matches(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        match_tokens(&self.tokens, &chars)
    }
}

fn parse_seq(p: &[char], pos: &mut usize, in_alt: bool) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    while *pos < p.len() {
        let c = p[*pos];
        match c {
            '\\' => {
                *pos += 1;
                let lit = *p.get(*pos)?;
                out.push(Token::Literal(lit));
                *pos += 1;
            }
            '*' => {
                if p.get(*pos + 1) == Some(&'*') {
                    out.push(Token::SuperStar);
                    *pos += 2;
                } else {
                    out.push(Token::Star);
                    *pos += 1;
                }
            }
            '?' => {
                out.push(Token::Any);
                *pos += 1;
            }
            '[' => {
                *pos += 1;
                let negated = p.get(*pos) == Some(&'!');
                if negated {
                    *pos += 1;
                }
                let mut ranges = Vec::new();
                loop {
                    let c = *p.get(*pos)?;
                    if c == ']' {
                        *pos += 1;
                        break;
                    }
                    let lo = if c == '\\' {
                        *pos += 1;
                        *p.get(*pos)?
                    } else {
                        c
                    };
                    *pos += 1;
                    if p.get(*pos) == Some(&'-') && p.get(*pos + 1).is_some_and(|c| *c != ']') {
                        let hi = p[*pos + 1];
                        *pos += 2;
                        ranges.push((lo, hi));
                    } else {
                        ranges.push((lo, lo));
                    }
                }
                out.push(Token::Class { negated, ranges });
            }
            '{' => {
                *pos += 1;
                let mut alts = Vec::new();
                loop {
                    let alt = parse_seq(p, pos, true)?;
                    alts.push(alt);
                    match p.get(*pos)? {
                        ',' => *pos += 1,
                        '}' => {
                            *pos += 1;
                            break;
                        }
                        _ => return None,
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
    if in_alt {
        return None;
    }
    Some(out)
}

fn match_tokens(tokens: &[Token], text: &[char]) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return text.is_empty();
    };
    match first {
        Token::Literal(c) => text.first() == Some(c) && match_tokens(rest, &text[1..]),
        Token::Any => text.first().is_some_and(|c| *c != '/') && match_tokens(rest, &text[1..]),
        Token::Class { negated, ranges } => match text.first() {
            Some(c) if *c != '/' || *negated => {
                let inside = ranges.iter().any(|(lo, hi)| lo <= c && c <= hi);
                inside != *negated && match_tokens(rest, &text[1..])
            }
            _ => false,
        },
        Token::Star => {
            for i in 0..=text.len() {
                if match_tokens(rest, &text[i..]) {
                    return true;
                }
                if i < text.len() && text[i] == '/' {
                    return false;
                }
            }
            false
        }
        Token::SuperStar => (0..=text.len()).any(|i| match_tokens(rest, &text[i..])),
        Token::Alternatives(alts) => alts.iter().any(|alt| {
            let mut joined = alt.clone();
            joined.extend_from_slice(rest);
            match_tokens(&joined, text)
        }),
    }
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
    }

    #[test]
    fn super_star_crosses_separator() {
        assert!(m("**.yaml", "a/b/c.yaml"));
        assert!(m("files/**", "files/sub/a.txt"));
        assert!(m("**/*.conf", "x/y.conf"));
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
    }

    #[test]
    fn bad_patterns_do_not_compile() {
        assert!(Glob::new("[abc").is_none());
        assert!(Glob::new("{a,b").is_none());
    }
}
