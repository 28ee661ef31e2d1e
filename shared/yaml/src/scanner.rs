//! Tokenizer: a port-in-spirit of libyaml's scanner as go-yaml v2.4 has it (scannerc.go, readerc.go),
//! including its simple-key bookkeeping, its error texts and the reader's 512-byte decode chunks.

use std::collections::VecDeque;

/// A position in the input: character index, 0-based line and column (in characters).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Mark {
    pub index: usize,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ErrorKind {
    Reader,
    Scanner,
    Parser,
}

/// libyaml's error state: problem, its mark, and an optional context.
#[derive(Debug, Clone)]
pub struct YamlError {
    pub kind: ErrorKind,
    pub problem: String,
    pub problem_mark: Mark,
    #[allow(dead_code)]
    pub context: String,
    pub context_mark: Mark,
}

impl YamlError {
    /// yaml.v2's `parser.fail()` formatting (without the `yaml: ` prefix): `line N: problem`, where N is
    /// problem_mark.line (+1 for scanner errors), else context_mark.line, and no line at all when both are 0.
    pub fn v2_text(&self) -> (String, Option<usize>) {
        let mut line = 0;
        if self.problem_mark.line != 0 {
            line = self.problem_mark.line;
            if self.kind == ErrorKind::Scanner {
                line += 1;
            }
        } else if self.context_mark.line != 0 {
            line = self.context_mark.line;
        }
        let msg = if self.problem.is_empty() { "unknown problem parsing YAML content".to_string() } else { self.problem.clone() };
        if line != 0 {
            (format!("line {}: {}", line, msg), Some(line))
        } else {
            (msg, None)
        }
    }
}

pub type Res<T> = Result<T, YamlError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    StreamStart,
    StreamEnd,
    VersionDirective(i32, i32),
    TagDirective(Vec<u8>, Vec<u8>),
    DocumentStart,
    DocumentEnd,
    BlockSequenceStart,
    BlockMappingStart,
    BlockEnd,
    FlowSequenceStart,
    FlowSequenceEnd,
    FlowMappingStart,
    FlowMappingEnd,
    BlockEntry,
    FlowEntry,
    Key,
    Value,
    Alias(Vec<u8>),
    Anchor(Vec<u8>),
    /// handle, suffix
    Tag(Vec<u8>, Vec<u8>),
    Scalar(Vec<u8>, ScalarStyle),
}

/// A token's kind without its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tk {
    StreamStart,
    StreamEnd,
    VersionDirective,
    TagDirective,
    DocumentStart,
    DocumentEnd,
    BlockSequenceStart,
    BlockMappingStart,
    BlockEnd,
    FlowSequenceStart,
    FlowSequenceEnd,
    FlowMappingStart,
    FlowMappingEnd,
    BlockEntry,
    FlowEntry,
    Key,
    Value,
    Alias,
    Anchor,
    Tag,
    Scalar,
}

impl TokenKind {
    pub fn tk(&self) -> Tk {
        match self {
            TokenKind::StreamStart => Tk::StreamStart,
            TokenKind::StreamEnd => Tk::StreamEnd,
            TokenKind::VersionDirective(..) => Tk::VersionDirective,
            TokenKind::TagDirective(..) => Tk::TagDirective,
            TokenKind::DocumentStart => Tk::DocumentStart,
            TokenKind::DocumentEnd => Tk::DocumentEnd,
            TokenKind::BlockSequenceStart => Tk::BlockSequenceStart,
            TokenKind::BlockMappingStart => Tk::BlockMappingStart,
            TokenKind::BlockEnd => Tk::BlockEnd,
            TokenKind::FlowSequenceStart => Tk::FlowSequenceStart,
            TokenKind::FlowSequenceEnd => Tk::FlowSequenceEnd,
            TokenKind::FlowMappingStart => Tk::FlowMappingStart,
            TokenKind::FlowMappingEnd => Tk::FlowMappingEnd,
            TokenKind::BlockEntry => Tk::BlockEntry,
            TokenKind::FlowEntry => Tk::FlowEntry,
            TokenKind::Key => Tk::Key,
            TokenKind::Value => Tk::Value,
            TokenKind::Alias(..) => Tk::Alias,
            TokenKind::Anchor(..) => Tk::Anchor,
            TokenKind::Tag(..) => Tk::Tag,
            TokenKind::Scalar(..) => Tk::Scalar,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Token {
    pub kind: TokenKind,
    pub start: Mark,
    pub end: Mark,
}

#[derive(Debug, Clone, Copy, Default)]
struct SimpleKey {
    possible: bool,
    required: bool,
    token_number: usize,
    mark: Mark,
}

const MAX_FLOW_LEVEL: usize = 10000;
const MAX_INDENTS: usize = 10000;

pub struct Scanner<'a> {
    /// The input after any byte-order mark (valid UTF-8, decoded on the fly).
    input: &'a [u8],
    /// Bytes the emulated reader has decoded before the chunk holding a disallowed character.
    reader_limit: usize,
    reader_error: Option<&'static str>,
    pos: usize,
    mark: Mark,
    stream_start_produced: bool,
    stream_end_produced: bool,
    flow_level: usize,
    tokens: VecDeque<Token>,
    tokens_parsed: usize,
    token_available: bool,
    indent: isize,
    indents: Vec<isize>,
    simple_key_allowed: bool,
    simple_keys: Vec<SimpleKey>,
    /// go-yaml's simple_keys_by_tok map (token number → simple_keys index), kept as a short list:
    /// entries below tokens_parsed can never be looked up again and are dropped.
    simple_keys_by_tok: Vec<(usize, usize)>,
    pub error: Option<YamlError>,
}

fn allowed_char(c: char) -> bool {
    let v = c as u32;
    v == 0x09 || v == 0x0A || v == 0x0D || (0x20..=0x7E).contains(&v) || v == 0x85 || (0xA0..=0xD7FF).contains(&v)
        || (0xE000..=0xFFFD).contains(&v) || (0x10000..=0x10FFFF).contains(&v)
}

#[inline]
fn is_alpha(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}
#[inline]
fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}
#[inline]
fn is_breakz(c: char) -> bool {
    is_break(c) || c == '\0'
}
#[inline]
fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}
#[inline]
fn is_blankz(c: char) -> bool {
    is_blank(c) || is_breakz(c)
}

fn push_char(s: &mut Vec<u8>, c: char) {
    let mut b = [0u8; 4];
    s.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
}

impl<'a> Scanner<'a> {
    pub fn new(input: &'a str) -> Scanner<'a> {
        let bytes = input.as_bytes();
        let mut byte_base = 0;
        if bytes.starts_with(b"\xEF\xBB\xBF") {
            byte_base = 3;
        }
        let body = &bytes[byte_base..];
        let mut reader_limit = usize::MAX;
        let mut reader_error = None;
        if let Some(bad) = first_disallowed(body) {
            let bad_off = bad + byte_base;
            // Replay the reader's chunks: each decode pass covers up to 512 raw bytes starting at the first
            // undecoded byte, stopping before a character cut by the chunk end.
            let mut start = 0usize;
            loop {
                let mut end = (start + 512).min(bytes.len());
                if end < bytes.len() {
                    while end > start && !input.is_char_boundary(end) {
                        end -= 1;
                    }
                }
                if bad_off < end || end >= bytes.len() {
                    break;
                }
                start = end;
            }
            reader_limit = start.max(byte_base) - byte_base;
            reader_error = Some("control characters are not allowed");
        }
        Scanner {
            input: body,
            reader_limit,
            reader_error,
            pos: 0,
            mark: Mark::default(),
            stream_start_produced: false,
            stream_end_produced: false,
            flow_level: 0,
            tokens: VecDeque::new(),
            tokens_parsed: 0,
            token_available: false,
            indent: -1,
            indents: Vec::new(),
            simple_key_allowed: false,
            simple_keys: Vec::new(),
            simple_keys_by_tok: Vec::new(),
            error: None,
        }
    }

    // ---- reader emulation -------------------------------------------------------------------

    #[inline]
    fn cache(&mut self, n: usize) -> Res<()> {
        if self.reader_limit != usize::MAX {
            return self.cache_limited(n);
        }
        Ok(())
    }

    /// cache() when the reader stops early: the n characters ahead must all lie before the limit.
    #[cold]
    fn cache_limited(&mut self, n: usize) -> Res<()> {
        let mut last = self.pos;
        for _ in 1..n {
            last += self.input.get(last).map_or(1, |&b| utf8_width(b).max(1));
        }
        if last >= self.reader_limit {
            if let Some(p) = self.reader_error {
                return Err(YamlError {
                    kind: ErrorKind::Reader,
                    problem: p.to_string(),
                    problem_mark: Mark::default(),
                    context: String::new(),
                    context_mark: Mark::default(),
                });
            }
        }
        Ok(())
    }

    /// The character k characters ahead ('\0' past the end).
    #[inline(always)]
    fn ch(&self, k: usize) -> char {
        let mut i = self.pos;
        for _ in 0..k {
            match self.input.get(i) {
                Some(&b) => i += utf8_width(b).max(1),
                None => return '\0',
            }
        }
        self.char_at(i)
    }

    #[inline(always)]
    fn char_at(&self, i: usize) -> char {
        match self.input.get(i) {
            None => '\0',
            Some(&b) if b < 0x80 => b as char,
            Some(_) => decode_char(&self.input[i..]),
        }
    }

    /// Byte length of the current character (1 past the end).
    #[inline]
    fn width0(&self) -> usize {
        self.input.get(self.pos).map_or(1, |&b| utf8_width(b).max(1))
    }

    /// Length of the run of ASCII bytes from the current position that `class` accepts (none while
    /// the reader's limit is in force, so that cache() keeps its say).
    #[inline]
    fn run_len(&self, class: u8) -> usize {
        if self.reader_limit != usize::MAX {
            return 0;
        }
        let rest = &self.input[self.pos.min(self.input.len())..];
        rest.iter().position(|&b| RUN_CLASS[b as usize] & class == 0).unwrap_or(rest.len())
    }

    /// skip() over a run of single-byte characters of `class` (no line breaks among them).
    #[inline]
    fn skip_run(&mut self, class: u8) {
        let n = self.run_len(class);
        self.pos += n;
        self.mark.index += n;
        self.mark.column += n;
    }

    /// read() over a run of single-byte characters of `class` (no line breaks among them).
    #[inline]
    fn read_run(&mut self, class: u8, s: &mut Vec<u8>) {
        let n = self.run_len(class);
        if n > 0 {
            s.extend_from_slice(&self.input[self.pos..self.pos + n]);
            self.pos += n;
            self.mark.index += n;
            self.mark.column += n;
        }
    }

    /// read_run() continued over single spaces followed by another run (not a comment): what the
    /// scalar loops do one character at a time for a space between two words on one line.
    #[inline]
    fn read_words(&mut self, class: u8, s: &mut Vec<u8>) {
        loop {
            self.read_run(class, s);
            if self.reader_limit != usize::MAX || self.input.get(self.pos) != Some(&b' ') {
                return;
            }
            match self.input.get(self.pos + 1) {
                Some(&b) if RUN_CLASS[b as usize] & class != 0 && b != b'#' => {
                    s.push(b' ');
                    self.pos += 1;
                    self.mark.index += 1;
                    self.mark.column += 1;
                }
                _ => return,
            }
        }
    }

    #[inline]
    fn skip(&mut self) {
        self.mark.index += 1;
        self.mark.column += 1;
        self.pos += self.width0();
    }

    fn skip_line(&mut self) {
        if self.ch(0) == '\r' && self.ch(1) == '\n' {
            self.mark.index += 2;
            self.mark.column = 0;
            self.mark.line += 1;
            self.pos += 2;
        } else if is_break(self.ch(0)) {
            self.mark.index += 1;
            self.mark.column = 0;
            self.mark.line += 1;
            self.pos += self.width0();
        }
    }

    #[inline]
    fn read(&mut self, s: &mut Vec<u8>) {
        let w = self.width0();
        match self.input.get(self.pos..self.pos + w) {
            Some(b) => s.extend_from_slice(b),
            None => s.push(0),
        }
        self.mark.index += 1;
        self.mark.column += 1;
        self.pos += w;
    }

    fn read_line(&mut self, s: &mut Vec<u8>) {
        let c = self.ch(0);
        if c == '\r' && self.ch(1) == '\n' {
            s.push(b'\n');
            self.pos += 2;
            self.mark.index += 1;
        } else if c == '\r' || c == '\n' || c == '\u{85}' {
            s.push(b'\n');
            self.pos += c.len_utf8();
        } else if c == '\u{2028}' || c == '\u{2029}' {
            push_char(s, c);
            self.pos += c.len_utf8();
        } else {
            return;
        }
        self.mark.index += 1;
        self.mark.column = 0;
        self.mark.line += 1;
    }

    fn scanner_error(&self, context: &str, context_mark: Mark, problem: &str) -> YamlError {
        YamlError {
            kind: ErrorKind::Scanner,
            problem: problem.to_string(),
            problem_mark: self.mark,
            context: context.to_string(),
            context_mark,
        }
    }

    // ---- token queue --------------------------------------------------------------------------

    fn insert_token(&mut self, pos: Option<usize>, t: Token) {
        match pos {
            None => self.tokens.push_back(t),
            Some(p) => {
                let p = p.min(self.tokens.len());
                self.tokens.insert(p, t)
            }
        }
    }

    /// Peek at the next token (fetching as needed).
    pub fn peek(&mut self) -> Res<&Token> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if !self.token_available {
            if let Err(e) = self.fetch_more_tokens() {
                self.error = Some(e.clone());
                return Err(e);
            }
        }
        match self.tokens.front() {
            Some(t) => Ok(t),
            None => Err(self.scanner_error("", Mark::default(), "internal scanner error: no token")),
        }
    }

    pub fn skip_token(&mut self) {
        self.take_token();
    }

    /// skip_token() that hands over the token (its payload moved, not copied).
    pub fn take_token(&mut self) -> Option<Token> {
        self.token_available = false;
        self.tokens_parsed += 1;
        let t = self.tokens.pop_front();
        if let Some(t) = &t {
            self.stream_end_produced = t.kind == TokenKind::StreamEnd;
        }
        t
    }

    fn fetch_more_tokens(&mut self) -> Res<()> {
        loop {
            if !self.tokens.is_empty() {
                let parsed = self.tokens_parsed;
                self.simple_keys_by_tok.retain(|&(t, _)| t >= parsed);
                match self.simple_keys_by_tok.iter().find(|&&(t, _)| t == parsed).map(|&(_, i)| i) {
                    None => break,
                    Some(idx) => {
                        if !self.simple_key_is_valid(idx)? {
                            break;
                        }
                    }
                }
            }
            if self.stream_end_produced && self.tokens.is_empty() {
                // Nothing more can come; keep returning the end.
            }
            self.fetch_next_token()?;
        }
        self.token_available = true;
        Ok(())
    }

    fn simple_key_is_valid(&mut self, idx: usize) -> Res<bool> {
        let key = self.simple_keys[idx];
        if !key.possible {
            return Ok(false);
        }
        if key.mark.line < self.mark.line || key.mark.index + 1024 < self.mark.index {
            if key.required {
                return Err(self.scanner_error("while scanning a simple key", key.mark, "could not find expected ':'"));
            }
            self.simple_keys[idx].possible = false;
            return Ok(false);
        }
        Ok(true)
    }

    fn fetch_next_token(&mut self) -> Res<()> {
        self.cache(1)?;
        if !self.stream_start_produced {
            self.fetch_stream_start();
            return Ok(());
        }
        self.scan_to_next_token()?;
        self.unroll_indent(self.mark.column as isize);
        self.cache(4)?;
        let c = self.ch(0);
        if c == '\0' && self.at_end() {
            return self.fetch_stream_end();
        }
        if c == '\0' {
            // A NUL inside the text: libyaml sees the end of the stream here (the reader rejects it
            // first, so this is unreachable in practice).
            return self.fetch_stream_end();
        }
        if self.mark.column == 0 && c == '%' {
            return self.fetch_directive();
        }
        let (c1, c2, c3) = (self.ch(1), self.ch(2), self.ch(3));
        if self.mark.column == 0 && c == '-' && c1 == '-' && c2 == '-' && is_blankz(c3) {
            return self.fetch_document_indicator(TokenKind::DocumentStart);
        }
        if self.mark.column == 0 && c == '.' && c1 == '.' && c2 == '.' && is_blankz(c3) {
            return self.fetch_document_indicator(TokenKind::DocumentEnd);
        }
        match c {
            '[' => return self.fetch_flow_collection_start(TokenKind::FlowSequenceStart),
            '{' => return self.fetch_flow_collection_start(TokenKind::FlowMappingStart),
            ']' => return self.fetch_flow_collection_end(TokenKind::FlowSequenceEnd),
            '}' => return self.fetch_flow_collection_end(TokenKind::FlowMappingEnd),
            ',' => return self.fetch_flow_entry(),
            _ => {}
        }
        if c == '-' && is_blankz(c1) {
            return self.fetch_block_entry();
        }
        if c == '?' && (self.flow_level > 0 || is_blankz(c1)) {
            return self.fetch_key();
        }
        if c == ':' && (self.flow_level > 0 || is_blankz(c1)) {
            return self.fetch_value();
        }
        match c {
            '*' => return self.fetch_anchor(true),
            '&' => return self.fetch_anchor(false),
            '!' => return self.fetch_tag(),
            '|' if self.flow_level == 0 => return self.fetch_block_scalar(true),
            '>' if self.flow_level == 0 => return self.fetch_block_scalar(false),
            '\'' => return self.fetch_flow_scalar(true),
            '"' => return self.fetch_flow_scalar(false),
            _ => {}
        }
        let indicator = is_blankz(c)
            || matches!(
                c,
                '-' | '?' | ':' | ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`'
            );
        if !indicator
            || (c == '-' && !is_blank(c1))
            || (self.flow_level == 0 && (c == '?' || c == ':') && !is_blankz(c1))
        {
            return self.fetch_plain_scalar();
        }
        Err(self.scanner_error("while scanning for the next token", self.mark, "found character that cannot start any token"))
    }

    fn save_simple_key(&mut self) -> Res<()> {
        let required = self.flow_level == 0 && self.indent == self.mark.column as isize;
        if self.simple_key_allowed {
            let key = SimpleKey {
                possible: true,
                required,
                token_number: self.tokens_parsed + self.tokens.len(),
                mark: self.mark,
            };
            self.remove_simple_key()?;
            let last = self.simple_keys.len() - 1;
            self.simple_keys[last] = key;
            self.by_tok_insert(key.token_number, last);
        }
        Ok(())
    }

    fn by_tok_insert(&mut self, tok: usize, idx: usize) {
        match self.simple_keys_by_tok.iter_mut().find(|e| e.0 == tok) {
            Some(e) => e.1 = idx,
            None => self.simple_keys_by_tok.push((tok, idx)),
        }
    }

    fn by_tok_remove(&mut self, tok: usize) {
        self.simple_keys_by_tok.retain(|e| e.0 != tok);
    }

    fn remove_simple_key(&mut self) -> Res<()> {
        let i = self.simple_keys.len() - 1;
        if self.simple_keys[i].possible {
            if self.simple_keys[i].required {
                return Err(self.scanner_error(
                    "while scanning a simple key",
                    self.simple_keys[i].mark,
                    "could not find expected ':'",
                ));
            }
            self.simple_keys[i].possible = false;
            let tn = self.simple_keys[i].token_number;
            self.by_tok_remove(tn);
        }
        Ok(())
    }

    fn increase_flow_level(&mut self) -> Res<()> {
        self.simple_keys.push(SimpleKey {
            possible: false,
            required: false,
            token_number: self.tokens_parsed + self.tokens.len(),
            mark: self.mark,
        });
        self.flow_level += 1;
        if self.flow_level > MAX_FLOW_LEVEL {
            let m = self.simple_keys[self.simple_keys.len() - 1].mark;
            return Err(self.scanner_error(
                "while increasing flow level",
                m,
                &format!("exceeded max depth of {}", MAX_FLOW_LEVEL),
            ));
        }
        Ok(())
    }

    fn decrease_flow_level(&mut self) {
        if self.flow_level > 0 {
            self.flow_level -= 1;
            if let Some(k) = self.simple_keys.pop() {
                self.by_tok_remove(k.token_number);
            }
        }
    }

    /// `number` is an absolute token number (None = append).
    fn roll_indent(&mut self, column: isize, number: Option<usize>, kind: TokenKind, mark: Mark) -> Res<()> {
        if self.flow_level > 0 {
            return Ok(());
        }
        if self.indent < column {
            self.indents.push(self.indent);
            self.indent = column;
            if self.indents.len() > MAX_INDENTS {
                let m = self.simple_keys[self.simple_keys.len() - 1].mark;
                return Err(self.scanner_error(
                    "while increasing indent level",
                    m,
                    &format!("exceeded max depth of {}", MAX_INDENTS),
                ));
            }
            let t = Token { kind, start: mark, end: mark };
            let pos = number.map(|n| n.saturating_sub(self.tokens_parsed));
            self.insert_token(pos, t);
        }
        Ok(())
    }

    fn unroll_indent(&mut self, column: isize) {
        if self.flow_level > 0 {
            return;
        }
        while self.indent > column {
            let t = Token { kind: TokenKind::BlockEnd, start: self.mark, end: self.mark };
            self.insert_token(None, t);
            self.indent = self.indents.pop().unwrap_or(-1);
        }
    }

    fn fetch_stream_start(&mut self) {
        self.indent = -1;
        self.simple_keys.push(SimpleKey::default());
        self.simple_key_allowed = true;
        self.stream_start_produced = true;
        let t = Token { kind: TokenKind::StreamStart, start: self.mark, end: self.mark };
        self.insert_token(None, t);
    }

    fn fetch_stream_end(&mut self) -> Res<()> {
        if self.mark.column != 0 {
            self.mark.column = 0;
            self.mark.line += 1;
        }
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        let t = Token { kind: TokenKind::StreamEnd, start: self.mark, end: self.mark };
        self.insert_token(None, t);
        Ok(())
    }

    fn fetch_directive(&mut self) -> Res<()> {
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        let t = self.scan_directive()?;
        self.insert_token(None, t);
        Ok(())
    }

    fn fetch_document_indicator(&mut self, kind: TokenKind) -> Res<()> {
        self.unroll_indent(-1);
        self.remove_simple_key()?;
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        self.skip();
        self.skip();
        let t = Token { kind, start, end: self.mark };
        self.insert_token(None, t);
        Ok(())
    }

    fn fetch_flow_collection_start(&mut self, kind: TokenKind) -> Res<()> {
        self.save_simple_key()?;
        self.increase_flow_level()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        let t = Token { kind, start, end: self.mark };
        self.insert_token(None, t);
        Ok(())
    }

    fn fetch_flow_collection_end(&mut self, kind: TokenKind) -> Res<()> {
        self.remove_simple_key()?;
        self.decrease_flow_level();
        self.simple_key_allowed = false;
        let start = self.mark;
        self.skip();
        let t = Token { kind, start, end: self.mark };
        self.insert_token(None, t);
        Ok(())
    }

    fn fetch_flow_entry(&mut self) -> Res<()> {
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        let t = Token { kind: TokenKind::FlowEntry, start, end: self.mark };
        self.insert_token(None, t);
        Ok(())
    }

    fn fetch_block_entry(&mut self) -> Res<()> {
        if self.flow_level == 0 {
            if !self.simple_key_allowed {
                return Err(self.scanner_error("", self.mark, "block sequence entries are not allowed in this context"));
            }
            let m = self.mark;
            self.roll_indent(m.column as isize, None, TokenKind::BlockSequenceStart, m)?;
        }
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let start = self.mark;
        self.skip();
        let t = Token { kind: TokenKind::BlockEntry, start, end: self.mark };
        self.insert_token(None, t);
        Ok(())
    }

    fn fetch_key(&mut self) -> Res<()> {
        if self.flow_level == 0 {
            if !self.simple_key_allowed {
                return Err(self.scanner_error("", self.mark, "mapping keys are not allowed in this context"));
            }
            let m = self.mark;
            self.roll_indent(m.column as isize, None, TokenKind::BlockMappingStart, m)?;
        }
        self.remove_simple_key()?;
        self.simple_key_allowed = self.flow_level == 0;
        let start = self.mark;
        self.skip();
        let t = Token { kind: TokenKind::Key, start, end: self.mark };
        self.insert_token(None, t);
        Ok(())
    }

    fn fetch_value(&mut self) -> Res<()> {
        let idx = self.simple_keys.len() - 1;
        if self.simple_key_is_valid(idx)? {
            let key = self.simple_keys[idx];
            let t = Token { kind: TokenKind::Key, start: key.mark, end: key.mark };
            self.insert_token(Some(key.token_number.saturating_sub(self.tokens_parsed)), t);
            self.roll_indent(key.mark.column as isize, Some(key.token_number), TokenKind::BlockMappingStart, key.mark)?;
            self.simple_keys[idx].possible = false;
            self.by_tok_remove(key.token_number);
            self.simple_key_allowed = false;
        } else {
            if self.flow_level == 0 {
                if !self.simple_key_allowed {
                    return Err(self.scanner_error("", self.mark, "mapping values are not allowed in this context"));
                }
                let m = self.mark;
                self.roll_indent(m.column as isize, None, TokenKind::BlockMappingStart, m)?;
            }
            self.simple_key_allowed = self.flow_level == 0;
        }
        let start = self.mark;
        self.skip();
        let t = Token { kind: TokenKind::Value, start, end: self.mark };
        self.insert_token(None, t);
        Ok(())
    }

    fn fetch_anchor(&mut self, alias: bool) -> Res<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let t = self.scan_anchor(alias)?;
        self.insert_token(None, t);
        Ok(())
    }

    fn fetch_tag(&mut self) -> Res<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let t = self.scan_tag()?;
        self.insert_token(None, t);
        Ok(())
    }

    fn fetch_block_scalar(&mut self, literal: bool) -> Res<()> {
        self.remove_simple_key()?;
        self.simple_key_allowed = true;
        let t = self.scan_block_scalar(literal)?;
        self.insert_token(None, t);
        Ok(())
    }

    fn fetch_flow_scalar(&mut self, single: bool) -> Res<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let t = self.scan_flow_scalar(single)?;
        self.insert_token(None, t);
        Ok(())
    }

    fn fetch_plain_scalar(&mut self) -> Res<()> {
        self.save_simple_key()?;
        self.simple_key_allowed = false;
        let t = self.scan_plain_scalar()?;
        self.insert_token(None, t);
        Ok(())
    }

    fn scan_to_next_token(&mut self) -> Res<()> {
        loop {
            self.cache(1)?;
            if self.mark.column == 0 && self.ch(0) == '\u{FEFF}' {
                self.skip();
            }
            self.cache(1)?;
            while self.ch(0) == ' ' || ((self.flow_level > 0 || !self.simple_key_allowed) && self.ch(0) == '\t') {
                self.skip();
                self.cache(1)?;
                self.skip_run(RUN_SPACE);
            }
            if self.ch(0) == '#' {
                while !is_breakz(self.ch(0)) {
                    self.skip();
                    self.cache(1)?;
                    self.skip_run(RUN_LINE);
                }
            }
            if is_break(self.ch(0)) {
                self.cache(2)?;
                self.skip_line();
                if self.flow_level == 0 {
                    self.simple_key_allowed = true;
                }
            } else {
                break;
            }
        }
        Ok(())
    }

    fn skip_blanks_and_comment(&mut self) -> Res<()> {
        self.cache(1)?;
        while is_blank(self.ch(0)) {
            self.skip();
            self.cache(1)?;
        }
        if self.ch(0) == '#' {
            while !is_breakz(self.ch(0)) {
                self.skip();
                self.cache(1)?;
                self.skip_run(RUN_LINE);
            }
        }
        Ok(())
    }

    fn scan_directive(&mut self) -> Res<Token> {
        let start = self.mark;
        self.skip();
        let name = self.scan_directive_name(start)?;
        let kind = if name == b"YAML" {
            let (major, minor) = self.scan_version_directive_value(start)?;
            TokenKind::VersionDirective(major, minor)
        } else if name == b"TAG" {
            let (handle, prefix) = self.scan_tag_directive_value(start)?;
            TokenKind::TagDirective(handle, prefix)
        } else {
            return Err(self.scanner_error("while scanning a directive", start, "found unknown directive name"));
        };
        let end = self.mark;
        self.skip_blanks_and_comment()?;
        if !is_breakz(self.ch(0)) {
            return Err(self.scanner_error("while scanning a directive", start, "did not find expected comment or line break"));
        }
        if is_break(self.ch(0)) {
            self.cache(2)?;
            self.skip_line();
        }
        Ok(Token { kind, start, end })
    }

    fn scan_directive_name(&mut self, start: Mark) -> Res<Vec<u8>> {
        self.cache(1)?;
        let mut s = Vec::new();
        while is_alpha(self.ch(0)) {
            self.read(&mut s);
            self.cache(1)?;
        }
        if s.is_empty() {
            return Err(self.scanner_error("while scanning a directive", start, "could not find expected directive name"));
        }
        if !is_blankz(self.ch(0)) {
            return Err(self.scanner_error("while scanning a directive", start, "found unexpected non-alphabetical character"));
        }
        Ok(s)
    }

    fn scan_version_directive_value(&mut self, start: Mark) -> Res<(i32, i32)> {
        self.cache(1)?;
        while is_blank(self.ch(0)) {
            self.skip();
            self.cache(1)?;
        }
        let major = self.scan_version_directive_number(start)?;
        if self.ch(0) != '.' {
            return Err(self.scanner_error("while scanning a %YAML directive", start, "did not find expected digit or '.' character"));
        }
        self.skip();
        let minor = self.scan_version_directive_number(start)?;
        Ok((major, minor))
    }

    fn scan_version_directive_number(&mut self, start: Mark) -> Res<i32> {
        self.cache(1)?;
        let mut value = 0i32;
        let mut length = 0;
        while self.ch(0).is_ascii_digit() {
            length += 1;
            if length > 2 {
                return Err(self.scanner_error("while scanning a %YAML directive", start, "found extremely long version number"));
            }
            value = value * 10 + (self.ch(0) as i32 - '0' as i32);
            self.skip();
            self.cache(1)?;
        }
        if length == 0 {
            return Err(self.scanner_error("while scanning a %YAML directive", start, "did not find expected version number"));
        }
        Ok(value)
    }

    fn scan_tag_directive_value(&mut self, start: Mark) -> Res<(Vec<u8>, Vec<u8>)> {
        self.cache(1)?;
        while is_blank(self.ch(0)) {
            self.skip();
            self.cache(1)?;
        }
        let handle = self.scan_tag_handle(true, start)?;
        self.cache(1)?;
        if !is_blank(self.ch(0)) {
            return Err(self.scanner_error("while scanning a %TAG directive", start, "did not find expected whitespace"));
        }
        while is_blank(self.ch(0)) {
            self.skip();
            self.cache(1)?;
        }
        let prefix = self.scan_tag_uri(true, &[], start)?;
        self.cache(1)?;
        if !is_blankz(self.ch(0)) {
            return Err(self.scanner_error("while scanning a %TAG directive", start, "did not find expected whitespace or line break"));
        }
        Ok((handle, prefix))
    }

    fn scan_anchor(&mut self, alias: bool) -> Res<Token> {
        let mut s = Vec::new();
        let start = self.mark;
        self.skip();
        self.cache(1)?;
        while is_alpha(self.ch(0)) {
            self.read(&mut s);
            self.cache(1)?;
        }
        let end = self.mark;
        let c = self.ch(0);
        if s.is_empty() || !(is_blankz(c) || matches!(c, '?' | ':' | ',' | ']' | '}' | '%' | '@' | '`')) {
            let ctx = if alias { "while scanning an alias" } else { "while scanning an anchor" };
            return Err(self.scanner_error(ctx, start, "did not find expected alphabetic or numeric character"));
        }
        let kind = if alias { TokenKind::Alias(s) } else { TokenKind::Anchor(s) };
        Ok(Token { kind, start, end })
    }

    fn tag_error(&self, directive: bool, start: Mark, problem: &str) -> YamlError {
        let ctx = if directive { "while parsing a %TAG directive" } else { "while parsing a tag" };
        self.scanner_error(ctx, start, problem)
    }

    fn scan_tag(&mut self) -> Res<Token> {
        let start = self.mark;
        self.cache(2)?;
        let handle;
        let suffix;
        if self.ch(1) == '<' {
            handle = Vec::new();
            self.skip();
            self.skip();
            suffix = self.scan_tag_uri(false, &[], start)?;
            if self.ch(0) != '>' {
                return Err(self.scanner_error("while scanning a tag", start, "did not find the expected '>'"));
            }
            self.skip();
        } else {
            let h = self.scan_tag_handle(false, start)?;
            if h[0] == b'!' && h.len() > 1 && h[h.len() - 1] == b'!' {
                suffix = self.scan_tag_uri(false, &[], start)?;
                handle = h;
            } else {
                let s = self.scan_tag_uri(false, &h, start)?;
                if s.is_empty() {
                    handle = Vec::new();
                    suffix = b"!".to_vec();
                } else {
                    handle = b"!".to_vec();
                    suffix = s;
                }
            }
        }
        self.cache(1)?;
        if !is_blankz(self.ch(0)) {
            return Err(self.scanner_error("while scanning a tag", start, "did not find expected whitespace or line break"));
        }
        Ok(Token { kind: TokenKind::Tag(handle, suffix), start, end: self.mark })
    }

    fn scan_tag_handle(&mut self, directive: bool, start: Mark) -> Res<Vec<u8>> {
        self.cache(1)?;
        if self.ch(0) != '!' {
            return Err(self.tag_error(directive, start, "did not find expected '!'"));
        }
        let mut s = Vec::new();
        self.read(&mut s);
        self.cache(1)?;
        while is_alpha(self.ch(0)) {
            self.read(&mut s);
            self.cache(1)?;
        }
        if self.ch(0) == '!' {
            self.read(&mut s);
        } else if directive && s != b"!" {
            return Err(self.tag_error(directive, start, "did not find expected '!'"));
        }
        Ok(s)
    }

    fn scan_tag_uri(&mut self, directive: bool, head: &[u8], start: Mark) -> Res<Vec<u8>> {
        let mut s = Vec::new();
        let mut has_tag = !head.is_empty();
        if head.len() > 1 {
            s.extend_from_slice(&head[1..]);
        }
        self.cache(1)?;
        loop {
            let c = self.ch(0);
            if !(is_alpha(c)
                || matches!(
                    c,
                    ';' | '/' | '?' | ':' | '@' | '&' | '=' | '+' | '$' | ',' | '.' | '!' | '~' | '*' | '\'' | '(' | ')' | '[' | ']' | '%'
                ))
            {
                break;
            }
            if c == '%' {
                self.scan_uri_escapes(directive, start, &mut s)?;
            } else {
                self.read(&mut s);
            }
            self.cache(1)?;
            has_tag = true;
        }
        if !has_tag {
            return Err(self.tag_error(directive, start, "did not find expected tag URI"));
        }
        Ok(s)
    }

    fn scan_uri_escapes(&mut self, directive: bool, start: Mark, s: &mut Vec<u8>) -> Res<()> {
        let mut w: i32 = 1024;
        while w > 0 {
            self.cache(3)?;
            let (c0, c1, c2) = (self.ch(0), self.ch(1), self.ch(2));
            if !(c0 == '%' && c1.is_ascii_hexdigit() && c2.is_ascii_hexdigit()) {
                return Err(self.tag_error(directive, start, "did not find URI escaped octet"));
            }
            let octet = ((c1.to_digit(16).unwrap_or(0) << 4) + c2.to_digit(16).unwrap_or(0)) as u8;
            if w == 1024 {
                w = utf8_width(octet) as i32;
                if w == 0 {
                    return Err(self.tag_error(directive, start, "found an incorrect leading UTF-8 octet"));
                }
            } else if octet & 0xC0 != 0x80 {
                return Err(self.tag_error(directive, start, "found an incorrect trailing UTF-8 octet"));
            }
            s.push(octet);
            self.skip();
            self.skip();
            self.skip();
            w -= 1;
        }
        Ok(())
    }

    fn scan_block_scalar(&mut self, literal: bool) -> Res<Token> {
        let start = self.mark;
        self.skip();
        self.cache(1)?;
        let mut chomping = 0i32;
        let mut increment = 0isize;
        let c = self.ch(0);
        if c == '+' || c == '-' {
            chomping = if c == '+' { 1 } else { -1 };
            self.skip();
            self.cache(1)?;
            if self.ch(0).is_ascii_digit() {
                if self.ch(0) == '0' {
                    return Err(self.scanner_error("while scanning a block scalar", start, "found an indentation indicator equal to 0"));
                }
                increment = self.ch(0) as isize - '0' as isize;
                self.skip();
            }
        } else if c.is_ascii_digit() {
            if c == '0' {
                return Err(self.scanner_error("while scanning a block scalar", start, "found an indentation indicator equal to 0"));
            }
            increment = c as isize - '0' as isize;
            self.skip();
            self.cache(1)?;
            let c = self.ch(0);
            if c == '+' || c == '-' {
                chomping = if c == '+' { 1 } else { -1 };
                self.skip();
            }
        }
        self.skip_blanks_and_comment()?;
        if !is_breakz(self.ch(0)) {
            return Err(self.scanner_error("while scanning a block scalar", start, "did not find expected comment or line break"));
        }
        if is_break(self.ch(0)) {
            self.cache(2)?;
            self.skip_line();
        }
        let mut end = self.mark;
        let mut indent: isize = 0;
        if increment > 0 {
            indent = if self.indent >= 0 { self.indent + increment } else { increment };
        }
        let mut s = Vec::new();
        let mut leading_break = Vec::new();
        let mut trailing_breaks = Vec::new();
        self.scan_block_scalar_breaks(&mut indent, &mut trailing_breaks, start, &mut end)?;
        self.cache(1)?;
        let mut leading_blank = false;
        while self.mark.column as isize == indent && !(self.ch(0) == '\0' && self.at_end()) {
            let trailing_blank = is_blank(self.ch(0));
            if !literal && !leading_blank && !trailing_blank && leading_break.first() == Some(&b'\n') {
                if trailing_breaks.is_empty() {
                    s.push(b' ');
                }
            } else {
                s.extend_from_slice(&leading_break);
            }
            leading_break.clear();
            s.extend_from_slice(&trailing_breaks);
            trailing_breaks.clear();
            leading_blank = is_blank(self.ch(0));
            while !is_breakz(self.ch(0)) {
                self.read(&mut s);
                self.cache(1)?;
                self.read_run(RUN_LINE, &mut s);
            }
            self.cache(2)?;
            self.read_line(&mut leading_break);
            self.scan_block_scalar_breaks(&mut indent, &mut trailing_breaks, start, &mut end)?;
        }
        if chomping != -1 {
            s.extend_from_slice(&leading_break);
        }
        if chomping == 1 {
            s.extend_from_slice(&trailing_breaks);
        }
        let style = if literal { ScalarStyle::Literal } else { ScalarStyle::Folded };
        Ok(Token { kind: TokenKind::Scalar(s, style), start, end })
    }

    #[inline]
    fn at_end(&self) -> bool {
        self.pos >= self.input.len()
    }

    fn scan_block_scalar_breaks(&mut self, indent: &mut isize, breaks: &mut Vec<u8>, start: Mark, end: &mut Mark) -> Res<()> {
        *end = self.mark;
        let mut max_indent: isize = 0;
        loop {
            self.cache(1)?;
            while (*indent == 0 || (self.mark.column as isize) < *indent) && self.ch(0) == ' ' {
                self.skip();
                self.cache(1)?;
                // The rest of the run of spaces, up to the indentation when it is known.
                let mut n = self.run_len(RUN_SPACE);
                if *indent > 0 {
                    n = n.min((*indent - self.mark.column as isize).max(0) as usize);
                }
                self.pos += n;
                self.mark.index += n;
                self.mark.column += n;
            }
            if self.mark.column as isize > max_indent {
                max_indent = self.mark.column as isize;
            }
            if (*indent == 0 || (self.mark.column as isize) < *indent) && self.ch(0) == '\t' {
                return Err(self.scanner_error(
                    "while scanning a block scalar",
                    start,
                    "found a tab character where an indentation space is expected",
                ));
            }
            if !is_break(self.ch(0)) {
                break;
            }
            self.cache(2)?;
            self.read_line(breaks);
            *end = self.mark;
        }
        if *indent == 0 {
            *indent = max_indent;
            if *indent < self.indent + 1 {
                *indent = self.indent + 1;
            }
            if *indent < 1 {
                *indent = 1;
            }
        }
        Ok(())
    }

    fn scan_flow_scalar(&mut self, single: bool) -> Res<Token> {
        let start = self.mark;
        self.skip();
        let mut s = Vec::new();
        let mut leading_break = Vec::new();
        let mut trailing_breaks = Vec::new();
        let mut whitespaces = Vec::new();
        loop {
            self.cache(4)?;
            let (c0, c1, c2, c3) = (self.ch(0), self.ch(1), self.ch(2), self.ch(3));
            if self.mark.column == 0
                && ((c0 == '-' && c1 == '-' && c2 == '-') || (c0 == '.' && c1 == '.' && c2 == '.'))
                && is_blankz(c3)
            {
                return Err(self.scanner_error("while scanning a quoted scalar", start, "found unexpected document indicator"));
            }
            if c0 == '\0' {
                return Err(self.scanner_error("while scanning a quoted scalar", start, "found unexpected end of stream"));
            }
            let mut leading_blanks = false;
            while !is_blankz(self.ch(0)) {
                let c = self.ch(0);
                if single && c == '\'' && self.ch(1) == '\'' {
                    s.push(b'\'');
                    self.skip();
                    self.skip();
                } else if single && c == '\'' {
                    break;
                } else if !single && c == '"' {
                    break;
                } else if !single && c == '\\' && is_break(self.ch(1)) {
                    self.cache(3)?;
                    self.skip();
                    self.skip_line();
                    leading_blanks = true;
                    break;
                } else if !single && c == '\\' {
                    let mut code_length = 0usize;
                    match self.ch(1) {
                        '0' => s.push(0),
                        'a' => s.push(0x07),
                        'b' => s.push(0x08),
                        't' | '\t' => s.push(0x09),
                        'n' => s.push(0x0A),
                        'v' => s.push(0x0B),
                        'f' => s.push(0x0C),
                        'r' => s.push(0x0D),
                        'e' => s.push(0x1B),
                        ' ' => s.push(0x20),
                        '"' => s.push(b'"'),
                        '\'' => s.push(b'\''),
                        '\\' => s.push(b'\\'),
                        'N' => s.extend_from_slice("\u{85}".as_bytes()),
                        '_' => s.extend_from_slice("\u{A0}".as_bytes()),
                        'L' => s.extend_from_slice("\u{2028}".as_bytes()),
                        'P' => s.extend_from_slice("\u{2029}".as_bytes()),
                        'x' => code_length = 2,
                        'u' => code_length = 4,
                        'U' => code_length = 8,
                        _ => {
                            return Err(self.scanner_error("while parsing a quoted scalar", start, "found unknown escape character"));
                        }
                    }
                    self.skip();
                    self.skip();
                    if code_length > 0 {
                        self.cache(code_length)?;
                        let mut value: u32 = 0;
                        for k in 0..code_length {
                            let d = self.ch(k);
                            match d.to_digit(16) {
                                Some(v) if d.is_ascii_hexdigit() => value = (value << 4) + v,
                                _ => {
                                    return Err(self.scanner_error(
                                        "while parsing a quoted scalar",
                                        start,
                                        "did not find expected hexdecimal number",
                                    ));
                                }
                            }
                        }
                        if (0xD800..=0xDFFF).contains(&value) || value > 0x10FFFF {
                            return Err(self.scanner_error(
                                "while parsing a quoted scalar",
                                start,
                                "found invalid Unicode character escape code",
                            ));
                        }
                        // Encoded like Go does (a \xNN above 0x7F gives its two-byte UTF-8 form).
                        match char::from_u32(value) {
                            Some(ch) => push_char(&mut s, ch),
                            None => {}
                        }
                        for _ in 0..code_length {
                            self.skip();
                        }
                    }
                } else {
                    self.read(&mut s);
                    self.read_words(RUN_QUOTED, &mut s);
                }
                self.cache(2)?;
            }
            self.cache(1)?;
            let c = self.ch(0);
            if (single && c == '\'') || (!single && c == '"') {
                break;
            }
            while is_blank(self.ch(0)) || is_break(self.ch(0)) {
                if is_blank(self.ch(0)) {
                    if !leading_blanks {
                        self.read(&mut whitespaces);
                        self.read_run(RUN_SPACE, &mut whitespaces);
                    } else {
                        self.skip();
                        self.skip_run(RUN_SPACE);
                    }
                } else {
                    self.cache(2)?;
                    if !leading_blanks {
                        whitespaces.clear();
                        self.read_line(&mut leading_break);
                        leading_blanks = true;
                    } else {
                        self.read_line(&mut trailing_breaks);
                    }
                }
                self.cache(1)?;
            }
            if leading_blanks {
                if leading_break.first() == Some(&b'\n') {
                    if trailing_breaks.is_empty() {
                        s.push(b' ');
                    } else {
                        s.extend_from_slice(&trailing_breaks);
                    }
                } else {
                    s.extend_from_slice(&leading_break);
                    s.extend_from_slice(&trailing_breaks);
                }
                trailing_breaks.clear();
                leading_break.clear();
            } else {
                s.extend_from_slice(&whitespaces);
                whitespaces.clear();
            }
        }
        self.skip();
        let style = if single { ScalarStyle::SingleQuoted } else { ScalarStyle::DoubleQuoted };
        Ok(Token { kind: TokenKind::Scalar(s, style), start, end: self.mark })
    }

    fn scan_plain_scalar(&mut self) -> Res<Token> {
        let mut s = Vec::new();
        let mut leading_break = Vec::new();
        let mut trailing_breaks = Vec::new();
        let mut whitespaces = Vec::new();
        let mut leading_blanks = false;
        let indent = self.indent + 1;
        let start = self.mark;
        let mut end = self.mark;
        loop {
            self.cache(4)?;
            let (c0, c1, c2, c3) = (self.ch(0), self.ch(1), self.ch(2), self.ch(3));
            if self.mark.column == 0
                && ((c0 == '-' && c1 == '-' && c2 == '-') || (c0 == '.' && c1 == '.' && c2 == '.'))
                && is_blankz(c3)
            {
                break;
            }
            if c0 == '#' {
                break;
            }
            while !is_blankz(self.ch(0)) {
                let c = self.ch(0);
                if (c == ':' && is_blankz(self.ch(1)))
                    || (self.flow_level > 0 && matches!(c, ',' | '?' | '[' | ']' | '{' | '}'))
                {
                    break;
                }
                if leading_blanks || !whitespaces.is_empty() {
                    if leading_blanks {
                        if leading_break.first() == Some(&b'\n') {
                            if trailing_breaks.is_empty() {
                                s.push(b' ');
                            } else {
                                s.extend_from_slice(&trailing_breaks);
                            }
                        } else {
                            s.extend_from_slice(&leading_break);
                            s.extend_from_slice(&trailing_breaks);
                        }
                        trailing_breaks.clear();
                        leading_break.clear();
                        leading_blanks = false;
                    } else {
                        s.extend_from_slice(&whitespaces);
                        whitespaces.clear();
                    }
                }
                self.read(&mut s);
                self.read_words(if self.flow_level > 0 { RUN_PLAIN_FLOW } else { RUN_PLAIN }, &mut s);
                end = self.mark;
                self.cache(2)?;
            }
            if !(is_blank(self.ch(0)) || is_break(self.ch(0))) {
                break;
            }
            self.cache(1)?;
            while is_blank(self.ch(0)) || is_break(self.ch(0)) {
                if is_blank(self.ch(0)) {
                    if leading_blanks && (self.mark.column as isize) < indent && self.ch(0) == '\t' {
                        return Err(self.scanner_error(
                            "while scanning a plain scalar",
                            start,
                            "found a tab character that violates indentation",
                        ));
                    }
                    if !leading_blanks {
                        self.read(&mut whitespaces);
                        self.read_run(RUN_SPACE, &mut whitespaces);
                    } else {
                        self.skip();
                        self.skip_run(RUN_SPACE);
                    }
                } else {
                    self.cache(2)?;
                    if !leading_blanks {
                        whitespaces.clear();
                        self.read_line(&mut leading_break);
                        leading_blanks = true;
                    } else {
                        self.read_line(&mut trailing_breaks);
                    }
                }
                self.cache(1)?;
            }
            if self.flow_level == 0 && (self.mark.column as isize) < indent {
                break;
            }
        }
        if leading_blanks {
            self.simple_key_allowed = true;
        }
        Ok(Token { kind: TokenKind::Scalar(s, ScalarStyle::Plain), start, end })
    }
}

/// Byte classes for the batched loops: ASCII characters each loop would take one by one.
/// RUN_LINE: anything but a line break or NUL (comments, block scalar lines).
const RUN_LINE: u8 = 1;
/// RUN_PLAIN: inside a plain scalar outside flow context: not blank, not a break, not ':'.
const RUN_PLAIN: u8 = 2;
/// RUN_PLAIN_FLOW: RUN_PLAIN less the flow indicators `,?[]{}`.
const RUN_PLAIN_FLOW: u8 = 4;
/// RUN_QUOTED: inside a quoted scalar: not blank, not a break, no quote or backslash.
const RUN_QUOTED: u8 = 8;
/// RUN_SPACE: the space character alone.
const RUN_SPACE: u8 = 16;

static RUN_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        let mut c = 0;
        if b != b'\n' && b != b'\r' && b != 0 {
            c |= RUN_LINE;
        }
        if b == b' ' {
            c |= RUN_SPACE;
        }
        if b > b' ' && b < 0x7F && b != b':' {
            c |= RUN_PLAIN;
            if !matches!(b, b',' | b'?' | b'[' | b']' | b'{' | b'}') {
                c |= RUN_PLAIN_FLOW;
            }
            if !matches!(b, b'\'' | b'"' | b'\\') {
                c |= RUN_QUOTED;
            }
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// The character starting `b` (valid UTF-8, not empty).
#[inline]
fn decode_char(b: &[u8]) -> char {
    let w = utf8_width(b[0]).max(1).min(b.len());
    match std::str::from_utf8(&b[..w]) {
        Ok(s) => s.chars().next().unwrap_or('\u{FFFD}'),
        Err(_) => '\u{FFFD}',
    }
}

/// Byte offset of the first character the reader rejects (yaml_reader's allowed set), if any.
fn first_disallowed(b: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let ascii_ok = |c: u8| (0x20..0x7F).contains(&c) || c == 0x09 || c == 0x0A || c == 0x0D;
    let mut i = 0;
    while i < b.len() {
        if i + 8 <= b.len() {
            let x = u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
            // Every byte below 0x7F (a carry can only come from a byte that is flagged itself)?
            if (x | x.wrapping_add(LO)) & HI == 0 {
                // Per byte (no carries: every byte is below 0x7F): high bit set when the byte is at
                // least 0x20, or is a tab, line feed or carriage return.
                const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
                let printable = (x + 0x60 * LO) & HI;
                if printable != HI {
                    let is = |c: u64| {
                        let y = x ^ (c * LO);
                        !(((y & LOW7) + LOW7) | y | LOW7)
                    };
                    let ok = printable | is(0x09) | is(0x0A) | is(0x0D);
                    if ok != HI {
                        return Some(i + ((!ok & HI).trailing_zeros() / 8) as usize);
                    }
                }
                i += 8;
                continue;
            }
        }
        let c = b[i];
        if c < 0x80 {
            if !ascii_ok(c) {
                return Some(i);
            }
            i += 1;
        } else {
            let ch = decode_char(&b[i..]);
            if !allowed_char(ch) {
                return Some(i);
            }
            i += ch.len_utf8();
        }
    }
    None
}

/// Width of a UTF-8 sequence from its leading byte (0 when invalid).
pub fn utf8_width(b: u8) -> usize {
    if b & 0x80 == 0 {
        1
    } else if b & 0xE0 == 0xC0 {
        2
    } else if b & 0xF0 == 0xE0 {
        3
    } else if b & 0xF8 == 0xF0 {
        4
    } else {
        0
    }
}

#[cfg(test)]
mod reader_tests {
    use super::*;

    fn naive(s: &str) -> Option<usize> {
        s.char_indices().find(|&(_, c)| !allowed_char(c)).map(|(i, _)| i)
    }

    #[test]
    fn first_disallowed_matches_char_by_char() {
        let fillers = ["abcdefghijklmnopqrstuvwxyz012345", "a\tb\nc\rd e~f}g", "é中😀a b\u{85}\u{2028}"];
        for f in fillers {
            for pos in 0..=f.len() {
                if !f.is_char_boundary(pos) {
                    continue;
                }
                for bad in (0u32..0x20).chain([0x7F, 0x80, 0x9F, 0xFFFE, 0xD7FF, 0xE000]) {
                    let Some(c) = char::from_u32(bad) else { continue };
                    let mut s = f.to_string();
                    s.insert(pos, c);
                    assert_eq!(first_disallowed(s.as_bytes()), naive(&s), "{:?}", s);
                }
                assert_eq!(first_disallowed(f.as_bytes()), naive(f), "{:?}", f);
            }
        }
    }
}
