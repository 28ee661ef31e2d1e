//! The lexer: turns template text into items exactly as Go's `text/template/parse/lex.go` does, including
//! trim markers, comments, and the error items whose text ends up in parse errors.

use std::borrow::Cow;

use crate::quote::{go_quote, go_quote_truncated, go_unicode};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ItemType {
    Error,
    Bool,
    Char,
    CharConstant,
    Comment,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // Keywords follow; `Keyword` only separates them.
    Keyword,
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

#[derive(Clone, Debug)]
pub(crate) struct Item<'a> {
    pub typ: ItemType,
    pub pos: usize,
    pub val: Cow<'a, str>,
    pub line: usize,
}

impl Item<'_> {
    /// Go's `item.String()`, as parse errors print the offending item.
    pub fn describe(&self) -> String {
        match self.typ {
            ItemType::Eof => "EOF".to_string(),
            ItemType::Error => self.val.to_string(),
            t if t > ItemType::Keyword => format!("<{}>", self.val),
            _ if self.val.chars().count() > 10 => format!("{}...", go_quote_truncated(&self.val, 10)),
            _ => go_quote(&self.val),
        }
    }
}

fn keyword(word: &str) -> Option<ItemType> {
    Some(match word {
        "." => ItemType::Dot,
        "block" => ItemType::Block,
        "break" => ItemType::Break,
        "continue" => ItemType::Continue,
        "define" => ItemType::Define,
        "else" => ItemType::Else,
        "end" => ItemType::End,
        "if" => ItemType::If,
        "range" => ItemType::Range,
        "nil" => ItemType::Nil,
        "template" => ItemType::Template,
        "with" => ItemType::With,
        _ => return None,
    })
}

const LEFT_DELIM: &str = "{{";
const RIGHT_DELIM: &str = "}}";
const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";
const TRIM_MARKER_LEN: usize = 2;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    InsideAction,
    Space,
    Identifier,
    Field,
    Variable,
    Char,
    Number,
    Quote,
    RawQuote,
}

pub(crate) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    at_eof: bool,
    paren_depth: i64,
    line: usize,
    start_line: usize,
    item: Option<Item<'a>>,
    inside_action: bool,
    pub break_ok: bool,
    pub continue_ok: bool,
}

fn is_space(r: Option<char>) -> bool {
    matches!(r, Some(' ' | '\t' | '\r' | '\n'))
}

pub(crate) fn is_alphanumeric(r: char) -> bool {
    r == '_' || r.is_alphabetic() || r.is_numeric()
}

fn has_left_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && matches!(b[1], b' ' | b'\t' | b'\r' | b'\n')
}

fn has_right_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && matches!(b[0], b' ' | b'\t' | b'\r' | b'\n') && b[1] == b'-'
}

fn trim_right_len(s: &str) -> usize {
    s.len() - s.trim_end_matches([' ', '\t', '\r', '\n']).len()
}

fn trim_left_len(s: &str) -> usize {
    s.len() - s.trim_start_matches([' ', '\t', '\r', '\n']).len()
}

/// `s.find(LEFT_DELIM)` through the byte search of its first character: a chart's text between
/// actions (whole CRDs in some charts) is scanned at memchr speed.
fn find_left_delim(s: &str) -> Option<usize> {
    let (first, rest) = LEFT_DELIM.split_at(1);
    let first = first.chars().next()?;
    let mut from = 0;
    while let Some(i) = s[from..].find(first) {
        let at = from + i;
        if s[at + 1..].starts_with(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

fn count_newlines(s: &str) -> usize {
    s.bytes().filter(|&b| b == b'\n').count()
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a str) -> Self {
        Lexer {
            input,
            pos: 0,
            start: 0,
            at_eof: false,
            paren_depth: 0,
            line: 1,
            start_line: 1,
            item: None,
            inside_action: false,
            break_ok: true,
            continue_ok: true,
        }
    }

    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn next(&mut self) -> Option<char> {
        match self.input[self.pos..].chars().next() {
            None => {
                self.at_eof = true;
                None
            }
            Some(r) => {
                self.pos += r.len_utf8();
                if r == '\n' {
                    self.line += 1;
                }
                Some(r)
            }
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.input[self.pos..].chars().next()
    }

    fn backup(&mut self) {
        if !self.at_eof && self.pos > 0 {
            if let Some(r) = self.input[..self.pos].chars().next_back() {
                self.pos -= r.len_utf8();
                if r == '\n' {
                    self.line -= 1;
                }
            }
        }
    }

    fn this_item(&mut self, typ: ItemType) -> Item<'a> {
        let i = Item { typ, pos: self.start, val: Cow::Borrowed(&self.input[self.start..self.pos]), line: self.start_line };
        self.start = self.pos;
        self.start_line = self.line;
        i
    }

    fn emit(&mut self, typ: ItemType) -> Option<State> {
        let i = self.this_item(typ);
        self.emit_item(i)
    }

    fn emit_item(&mut self, i: Item<'a>) -> Option<State> {
        self.item = Some(i);
        None
    }

    fn ignore(&mut self) {
        self.line += count_newlines(&self.input[self.start..self.pos]);
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.next() {
            Some(r) if valid.contains(r) => true,
            _ => {
                self.backup();
                false
            }
        }
    }

    fn accept_run(&mut self, valid: &str) {
        loop {
            match self.next() {
                Some(r) if valid.contains(r) => {}
                _ => break,
            }
        }
        self.backup();
    }

    fn errorf(&mut self, msg: String) -> Option<State> {
        self.item = Some(Item { typ: ItemType::Error, pos: self.start, val: Cow::Owned(msg), line: self.start_line });
        self.start = 0;
        self.pos = 0;
        self.input = &self.input[..0];
        None
    }

    /// The next item of the input.
    pub fn next_item(&mut self) -> Item<'a> {
        self.item = Some(Item { typ: ItemType::Eof, pos: self.pos, val: Cow::Borrowed("EOF"), line: self.start_line });
        let mut state = if self.inside_action { State::InsideAction } else { State::Text };
        loop {
            match self.step(state) {
                Some(s) => state = s,
                None => {
                    return self.item.take().unwrap_or(Item {
                        typ: ItemType::Eof,
                        pos: self.pos,
                        val: Cow::Borrowed("EOF"),
                        line: self.start_line,
                    })
                }
            }
        }
    }

    fn step(&mut self, s: State) -> Option<State> {
        match s {
            State::Text => self.lex_text(),
            State::LeftDelim => self.lex_left_delim(),
            State::Comment => self.lex_comment(),
            State::RightDelim => self.lex_right_delim(),
            State::InsideAction => self.lex_inside_action(),
            State::Space => self.lex_space(),
            State::Identifier => self.lex_identifier(),
            State::Field => self.lex_field_or_variable(ItemType::Field),
            State::Variable => {
                if self.at_terminator() {
                    return self.emit(ItemType::Variable);
                }
                self.lex_field_or_variable(ItemType::Variable)
            }
            State::Char => self.lex_char(),
            State::Number => self.lex_number(),
            State::Quote => self.lex_quote(),
            State::RawQuote => self.lex_raw_quote(),
        }
    }

    fn lex_text(&mut self) -> Option<State> {
        if let Some(x) = find_left_delim(self.rest()) {
            if x > 0 {
                self.pos += x;
                let mut trim_length = 0;
                let delim_end = self.pos + LEFT_DELIM.len();
                if has_left_trim_marker(&self.input[delim_end..]) {
                    trim_length = trim_right_len(&self.input[self.start..self.pos]);
                }
                self.pos -= trim_length;
                self.line += count_newlines(&self.input[self.start..self.pos]);
                let i = self.this_item(ItemType::Text);
                self.pos += trim_length;
                self.ignore();
                if !i.val.is_empty() {
                    return self.emit_item(i);
                }
            }
            return Some(State::LeftDelim);
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            self.line += count_newlines(&self.input[self.start..self.pos]);
            return self.emit(ItemType::Text);
        }
        self.emit(ItemType::Eof)
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        if has_right_trim_marker(rest) && rest[TRIM_MARKER_LEN..].starts_with(RIGHT_DELIM) {
            return (true, true);
        }
        if rest.starts_with(RIGHT_DELIM) {
            return (true, false);
        }
        (false, false)
    }

    fn lex_left_delim(&mut self) -> Option<State> {
        self.pos += LEFT_DELIM.len();
        let trim_space = has_left_trim_marker(self.rest());
        let after_marker = if trim_space { TRIM_MARKER_LEN } else { 0 };
        if self.input[self.pos + after_marker..].starts_with(LEFT_COMMENT) {
            self.pos += after_marker;
            self.ignore();
            return Some(State::Comment);
        }
        let i = self.this_item(ItemType::LeftDelim);
        self.inside_action = true;
        self.pos += after_marker;
        self.ignore();
        self.paren_depth = 0;
        self.emit_item(i)
    }

    fn lex_comment(&mut self) -> Option<State> {
        self.pos += LEFT_COMMENT.len();
        let Some(x) = self.rest().find(RIGHT_COMMENT) else {
            return self.errorf("unclosed comment".into());
        };
        self.pos += x + RIGHT_COMMENT.len();
        let (delim, trim_space) = self.at_right_delim();
        if !delim {
            return self.errorf("comment ends before closing delimiter".into());
        }
        self.line += count_newlines(&self.input[self.start..self.pos]);
        let _comment = self.this_item(ItemType::Comment);
        if trim_space {
            self.pos += TRIM_MARKER_LEN;
        }
        self.pos += RIGHT_DELIM.len();
        if trim_space {
            self.pos += trim_left_len(self.rest());
        }
        self.ignore();
        Some(State::Text)
    }

    fn lex_right_delim(&mut self) -> Option<State> {
        let (_, trim_space) = self.at_right_delim();
        if trim_space {
            self.pos += TRIM_MARKER_LEN;
            self.ignore();
        }
        self.pos += RIGHT_DELIM.len();
        let i = self.this_item(ItemType::RightDelim);
        if trim_space {
            self.pos += trim_left_len(self.rest());
            self.ignore();
        }
        self.inside_action = false;
        self.emit_item(i)
    }

    fn lex_inside_action(&mut self) -> Option<State> {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return Some(State::RightDelim);
            }
            return self.errorf("unclosed left paren".into());
        }
        let r = self.next();
        match r {
            None => self.errorf("unclosed action".into()),
            Some(' ' | '\t' | '\r' | '\n') => {
                self.backup();
                Some(State::Space)
            }
            Some('=') => self.emit(ItemType::Assign),
            Some(':') => {
                if self.next() != Some('=') {
                    return self.errorf("expected :=".into());
                }
                self.emit(ItemType::Declare)
            }
            Some('|') => self.emit(ItemType::Pipe),
            Some('"') => Some(State::Quote),
            Some('`') => Some(State::RawQuote),
            Some('$') => Some(State::Variable),
            Some('\'') => Some(State::Char),
            Some('.') => {
                if let Some(&b) = self.input.as_bytes().get(self.pos) {
                    if !b.is_ascii_digit() {
                        return Some(State::Field);
                    }
                }
                self.backup();
                Some(State::Number)
            }
            Some(c) if c == '+' || c == '-' || c.is_ascii_digit() => {
                self.backup();
                Some(State::Number)
            }
            Some(c) if is_alphanumeric(c) => {
                self.backup();
                Some(State::Identifier)
            }
            Some('(') => {
                self.paren_depth += 1;
                self.emit(ItemType::LeftParen)
            }
            Some(')') => {
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.errorf("unexpected right paren".into());
                }
                self.emit(ItemType::RightParen)
            }
            Some(c) if (' '..='~').contains(&c) => self.emit(ItemType::Char),
            Some(c) => self.errorf(format!("unrecognized character in action: {}", go_unicode(c))),
        }
    }

    fn lex_space(&mut self) -> Option<State> {
        let mut num_spaces = 0;
        while is_space(self.peek()) {
            self.next();
            num_spaces += 1;
        }
        let before = &self.input[self.pos - 1..];
        if has_right_trim_marker(before) && before[TRIM_MARKER_LEN..].starts_with(RIGHT_DELIM) {
            self.backup();
            if num_spaces == 1 {
                return Some(State::RightDelim);
            }
        }
        self.emit(ItemType::Space)
    }

    fn lex_identifier(&mut self) -> Option<State> {
        loop {
            let r = self.next();
            match r {
                Some(c) if is_alphanumeric(c) => {}
                _ => {
                    self.backup();
                    let word = &self.input[self.start..self.pos];
                    if !self.at_terminator() {
                        return self.errorf(format!("bad character {}", go_unicode_opt(r)));
                    }
                    if let Some(k) = keyword(word) {
                        if (k == ItemType::Break && !self.break_ok) || (k == ItemType::Continue && !self.continue_ok) {
                            return self.emit(ItemType::Identifier);
                        }
                        return self.emit(k);
                    }
                    if word.starts_with('.') {
                        return self.emit(ItemType::Field);
                    }
                    if word == "true" || word == "false" {
                        return self.emit(ItemType::Bool);
                    }
                    return self.emit(ItemType::Identifier);
                }
            }
        }
    }

    fn lex_field_or_variable(&mut self, typ: ItemType) -> Option<State> {
        if self.at_terminator() {
            if typ == ItemType::Variable {
                return self.emit(ItemType::Variable);
            }
            return self.emit(ItemType::Dot);
        }
        let r;
        loop {
            let c = self.next();
            match c {
                Some(ch) if is_alphanumeric(ch) => {}
                _ => {
                    self.backup();
                    r = c;
                    break;
                }
            }
        }
        if !self.at_terminator() {
            return self.errorf(format!("bad character {}", go_unicode_opt(r)));
        }
        self.emit(typ)
    }

    fn at_terminator(&mut self) -> bool {
        let r = self.peek();
        if is_space(r) {
            return true;
        }
        match r {
            None | Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            _ => self.rest().starts_with(RIGHT_DELIM),
        }
    }

    fn lex_char(&mut self) -> Option<State> {
        loop {
            match self.next() {
                Some('\\') => {
                    let r = self.next();
                    if r.is_some() && r != Some('\n') {
                        continue;
                    }
                    return self.errorf("unterminated character constant".into());
                }
                None | Some('\n') => return self.errorf("unterminated character constant".into()),
                Some('\'') => break,
                _ => {}
            }
        }
        self.emit(ItemType::CharConstant)
    }

    fn lex_number(&mut self) -> Option<State> {
        if !self.scan_number() {
            let text = go_quote(&self.input[self.start..self.pos]);
            return self.errorf(format!("bad number syntax: {text}"));
        }
        if let Some('+' | '-') = self.peek() {
            if !self.scan_number() || !self.input[..self.pos].ends_with('i') {
                let text = go_quote(&self.input[self.start..self.pos]);
                return self.errorf(format!("bad number syntax: {text}"));
            }
            return self.emit(ItemType::Complex);
        }
        self.emit(ItemType::Number)
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 10 + 1 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 16 + 6 + 1 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if let Some(c) = self.peek() {
            if is_alphanumeric(c) {
                self.next();
                return false;
            }
        }
        true
    }

    fn lex_quote(&mut self) -> Option<State> {
        loop {
            match self.next() {
                Some('\\') => {
                    let r = self.next();
                    if r.is_some() && r != Some('\n') {
                        continue;
                    }
                    return self.errorf("unterminated quoted string".into());
                }
                None | Some('\n') => return self.errorf("unterminated quoted string".into()),
                Some('"') => break,
                _ => {}
            }
        }
        self.emit(ItemType::String)
    }

    fn lex_raw_quote(&mut self) -> Option<State> {
        loop {
            match self.next() {
                None => return self.errorf("unterminated raw quoted string".into()),
                Some('`') => break,
                _ => {}
            }
        }
        self.emit(ItemType::RawString)
    }
}

fn go_unicode_opt(r: Option<char>) -> String {
    match r {
        Some(c) => go_unicode(c),
        None => "U+FFFFFFFFFFFFFFFF".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(s: &str) -> Vec<(ItemType, String)> {
        let mut l = Lexer::new(s);
        let mut out = Vec::new();
        loop {
            let i = l.next_item();
            let done = matches!(i.typ, ItemType::Eof | ItemType::Error);
            out.push((i.typ, i.val.to_string()));
            if done || out.len() > 100 {
                return out;
            }
        }
    }

    #[test]
    fn lex_rows() {
        use ItemType::*;
        let rows: Vec<(&str, Vec<(ItemType, &str)>)> = vec![
            ("", vec![(Eof, "")]),
            ("now is the time", vec![(Text, "now is the time"), (Eof, "")]),
            ("hello-{{/* this is a comment */}}-world", vec![(Text, "hello-"), (Text, "-world"), (Eof, "")]),
            ("{{,@% }}", vec![(LeftDelim, "{{"), (Char, ","), (Char, "@"), (Char, "%"), (Space, " "), (RightDelim, "}}"), (Eof, "")]),
            ("{{((3))}}", vec![(LeftDelim, "{{"), (LeftParen, "("), (LeftParen, "("), (Number, "3"), (RightParen, ")"), (RightParen, ")"), (RightDelim, "}}"), (Eof, "")]),
            ("{{}}", vec![(LeftDelim, "{{"), (RightDelim, "}}"), (Eof, "")]),
            ("{{for}}", vec![(LeftDelim, "{{"), (Identifier, "for"), (RightDelim, "}}"), (Eof, "")]),
            ("{{block \"foo\" .}}", vec![(LeftDelim, "{{"), (Block, "block"), (Space, " "), (String, "\"foo\""), (Space, " "), (Dot, "."), (RightDelim, "}}"), (Eof, "")]),
            ("{{\"abc \\n\\t\\\" \"}}", vec![(LeftDelim, "{{"), (String, "\"abc \\n\\t\\\" \""), (RightDelim, "}}"), (Eof, "")]),
            ("{{`abc\ndef`}}", vec![(LeftDelim, "{{"), (RawString, "`abc\ndef`"), (RightDelim, "}}"), (Eof, "")]),
            ("{{1 02 0x14 0X14 -7.2i 1e3 1E3 +1.2e-4 4.2i 1+2i 1_2 0x1.e_fp4 0X1.E_FP4}}", vec![(LeftDelim, "{{"), (Number, "1"), (Space, " "), (Number, "02"), (Space, " "), (Number, "0x14"), (Space, " "), (Number, "0X14"), (Space, " "), (Number, "-7.2i"), (Space, " "), (Number, "1e3"), (Space, " "), (Number, "1E3"), (Space, " "), (Number, "+1.2e-4"), (Space, " "), (Number, "4.2i"), (Space, " "), (Complex, "1+2i"), (Space, " "), (Number, "1_2"), (Space, " "), (Number, "0x1.e_fp4"), (Space, " "), (Number, "0X1.E_FP4"), (RightDelim, "}}"), (Eof, "")]),
            ("{{'a' '\\n' '\\'' '\\\\' '\\u00FF' '\\xFF' '本'}}", vec![(LeftDelim, "{{"), (CharConstant, "'a'"), (Space, " "), (CharConstant, "'\\n'"), (Space, " "), (CharConstant, "'\\''"), (Space, " "), (CharConstant, "'\\\\'"), (Space, " "), (CharConstant, "'\\u00FF'"), (Space, " "), (CharConstant, "'\\xFF'"), (Space, " "), (CharConstant, "'本'"), (RightDelim, "}}"), (Eof, "")]),
            ("{{true false}}", vec![(LeftDelim, "{{"), (Bool, "true"), (Space, " "), (Bool, "false"), (RightDelim, "}}"), (Eof, "")]),
            ("{{.}}", vec![(LeftDelim, "{{"), (Dot, "."), (RightDelim, "}}"), (Eof, "")]),
            ("{{nil}}", vec![(LeftDelim, "{{"), (Nil, "nil"), (RightDelim, "}}"), (Eof, "")]),
            ("{{.x . .2 .x.y.z}}", vec![(LeftDelim, "{{"), (Field, ".x"), (Space, " "), (Dot, "."), (Space, " "), (Number, ".2"), (Space, " "), (Field, ".x"), (Field, ".y"), (Field, ".z"), (RightDelim, "}}"), (Eof, "")]),
            ("{{range if else end with}}", vec![(LeftDelim, "{{"), (Range, "range"), (Space, " "), (If, "if"), (Space, " "), (Else, "else"), (Space, " "), (End, "end"), (Space, " "), (With, "with"), (RightDelim, "}}"), (Eof, "")]),
            ("{{$c := printf $ $hello $23 $ $var.Field .Method}}", vec![(LeftDelim, "{{"), (Variable, "$c"), (Space, " "), (Declare, ":="), (Space, " "), (Identifier, "printf"), (Space, " "), (Variable, "$"), (Space, " "), (Variable, "$hello"), (Space, " "), (Variable, "$23"), (Space, " "), (Variable, "$"), (Space, " "), (Variable, "$var"), (Field, ".Field"), (Space, " "), (Field, ".Method"), (RightDelim, "}}"), (Eof, "")]),
            ("{{$x = 3}}", vec![(LeftDelim, "{{"), (Variable, "$x"), (Space, " "), (Assign, "="), (Space, " "), (Number, "3"), (RightDelim, "}}"), (Eof, "")]),
            ("{{$x, $y := 3}}", vec![(LeftDelim, "{{"), (Variable, "$x"), (Char, ","), (Space, " "), (Variable, "$y"), (Space, " "), (Declare, ":="), (Space, " "), (Number, "3"), (RightDelim, "}}"), (Eof, "")]),
            ("intro {{echo hi 1.2 |noargs|args 1 \"hi\"}} outro", vec![(Text, "intro "), (LeftDelim, "{{"), (Identifier, "echo"), (Space, " "), (Identifier, "hi"), (Space, " "), (Number, "1.2"), (Space, " "), (Pipe, "|"), (Identifier, "noargs"), (Pipe, "|"), (Identifier, "args"), (Space, " "), (Number, "1"), (Space, " "), (String, "\"hi\""), (RightDelim, "}}"), (Text, " outro"), (Eof, "")]),
            ("{{- 3 -}}", vec![(LeftDelim, "{{"), (Number, "3"), (RightDelim, "}}"), (Eof, "")]),
            ("hello- {{- 3 -}} -world", vec![(Text, "hello-"), (LeftDelim, "{{"), (Number, "3"), (RightDelim, "}}"), (Text, "-world"), (Eof, "")]),
            ("hello- {{- /* hello */ -}} -world", vec![(Text, "hello-"), (Text, "-world"), (Eof, "")]),
            ("{{3 }}", vec![(LeftDelim, "{{"), (Number, "3"), (Space, " "), (RightDelim, "}}"), (Eof, "")]),
            ("{{-3}}", vec![(LeftDelim, "{{"), (Number, "-3"), (RightDelim, "}}"), (Eof, "")]),
            ("{{3-}}", vec![(LeftDelim, "{{"), (Error, "bad number syntax: \"3-\"")]),
            ("#{{\u{1}}}", vec![(Text, "#"), (LeftDelim, "{{"), (Error, "unrecognized character in action: U+0001")]),
            ("{{", vec![(LeftDelim, "{{"), (Error, "unclosed action")]),
            ("{{range", vec![(LeftDelim, "{{"), (Range, "range"), (Error, "unclosed action")]),
            ("{{\"\n\"}}", vec![(LeftDelim, "{{"), (Error, "unterminated quoted string")]),
            ("{{`xx}}", vec![(LeftDelim, "{{"), (Error, "unterminated raw quoted string")]),
            ("{{'\n}}", vec![(LeftDelim, "{{"), (Error, "unterminated character constant")]),
            ("{{3k}}", vec![(LeftDelim, "{{"), (Error, "bad number syntax: \"3k\"")]),
            ("{{(3}}", vec![(LeftDelim, "{{"), (LeftParen, "("), (Number, "3"), (Error, "unclosed left paren")]),
            ("{{3)}}", vec![(LeftDelim, "{{"), (Number, "3"), (Error, "unexpected right paren")]),
            ("hello-{{/*/}}-world", vec![(Text, "hello-"), (Error, "unclosed comment")]),
            ("hello-{{/* */ }}-world", vec![(Text, "hello-"), (Error, "comment ends before closing delimiter")]),
            ("{{.a#}}", vec![(LeftDelim, "{{"), (Error, "bad character U+0023 '#'")]),
            ("{{x:}}", vec![(LeftDelim, "{{"), (Identifier, "x"), (Error, "expected :=")]),
        ];
        for (input, want) in rows {
            let got = items(input);
            let want: Vec<(ItemType, std::string::String)> = want.into_iter().map(|(t, v)| (t, v.to_string())).collect();
            let got_cmp: Vec<(ItemType, std::string::String)> =
                got.into_iter().map(|(t, v)| if t == Eof { (t, std::string::String::new()) } else { (t, v) }).collect();
            assert_eq!(got_cmp, want, "input {input:?}");
        }
    }

    #[test]
    fn lex_lines() {
        let mut l = Lexer::new("a\n{{- \n 1 \n}}\nb{{/* c\n */}}d\n{{2}}");
        let mut lines = Vec::new();
        loop {
            let i = l.next_item();
            lines.push((i.typ, i.line));
            if i.typ == ItemType::Eof {
                break;
            }
        }
        assert_eq!(
            lines,
            vec![
                (ItemType::Text, 1),
                (ItemType::LeftDelim, 2),
                (ItemType::Space, 2),
                (ItemType::Number, 3),
                (ItemType::Space, 3),
                (ItemType::RightDelim, 4),
                (ItemType::Text, 4),
                (ItemType::Text, 6),
                (ItemType::LeftDelim, 7),
                (ItemType::Number, 7),
                (ItemType::RightDelim, 7),
                (ItemType::Eof, 7),
            ]
        );
    }
}
