//! Event parser: libyaml's LL(1) state machine as go-yaml v2 has it (parserc.go), over `scanner`.

use crate::scanner::{ErrorKind, Mark, Res, ScalarStyle, Scanner, Tk, TokenKind, YamlError};

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    StreamStart,
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    Alias,
    Scalar,
    SequenceStart,
    SequenceEnd,
    MappingStart,
    MappingEnd,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub kind: EventKind,
    pub start: Mark,
    #[allow(dead_code)]
    pub end: Mark,
    pub anchor: Option<Vec<u8>>,
    pub tag: Vec<u8>,
    pub value: Vec<u8>,
    /// plain_implicit for scalars, implicit for collections.
    pub implicit: bool,
    pub quoted_implicit: bool,
    pub style: ScalarStyle,
}

impl Event {
    fn new(kind: EventKind, start: Mark, end: Mark) -> Event {
        Event {
            kind,
            start,
            end,
            anchor: None,
            tag: Vec::new(),
            value: Vec::new(),
            implicit: false,
            quoted_implicit: false,
            style: ScalarStyle::Plain,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    StreamStart,
    ImplicitDocumentStart,
    DocumentStart,
    DocumentContent,
    DocumentEnd,
    BlockNode,
    BlockSequenceFirstEntry,
    BlockSequenceEntry,
    IndentlessSequenceEntry,
    BlockMappingFirstKey,
    BlockMappingKey,
    BlockMappingValue,
    FlowSequenceFirstEntry,
    FlowSequenceEntry,
    FlowSequenceEntryMappingKey,
    FlowSequenceEntryMappingValue,
    FlowSequenceEntryMappingEnd,
    FlowMappingFirstKey,
    FlowMappingKey,
    FlowMappingValue,
    FlowMappingEmptyValue,
    End,
}

pub struct Parser<'a> {
    pub scanner: Scanner<'a>,
    state: State,
    states: Vec<State>,
    marks: Vec<Mark>,
    tag_directives: Vec<(Vec<u8>, Vec<u8>)>,
    error: Option<YamlError>,
    done: bool,
}

fn perr(problem: &str, problem_mark: Mark) -> YamlError {
    YamlError {
        kind: ErrorKind::Parser,
        problem: problem.to_string(),
        problem_mark,
        context: String::new(),
        context_mark: Mark::default(),
    }
}

fn perr_ctx(context: &str, context_mark: Mark, problem: &str, problem_mark: Mark) -> YamlError {
    YamlError {
        kind: ErrorKind::Parser,
        problem: problem.to_string(),
        problem_mark,
        context: context.to_string(),
        context_mark,
    }
}

impl<'a> Parser<'a> {
    pub fn new(input: &'a str) -> Parser<'a> {
        Parser {
            scanner: Scanner::new(input),
            state: State::StreamStart,
            states: Vec::new(),
            marks: Vec::new(),
            tag_directives: Vec::new(),
            error: None,
            done: false,
        }
    }

    /// The next event; after STREAM-END it keeps returning STREAM-END.
    pub fn next_event(&mut self) -> Res<Event> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.done || self.state == State::End {
            return Ok(Event::new(EventKind::StreamEnd, Mark::default(), Mark::default()));
        }
        match self.state_machine() {
            Ok(ev) => {
                if ev.kind == EventKind::StreamEnd {
                    self.done = true;
                }
                Ok(ev)
            }
            Err(e) => {
                self.error = Some(e.clone());
                Err(e)
            }
        }
    }

    fn pop_state(&mut self) {
        self.state = self.states.pop().unwrap_or(State::End);
    }

    fn peek_kind(&mut self) -> Res<(Tk, Mark, Mark)> {
        let t = self.scanner.peek()?;
        Ok((t.kind.tk(), t.start, t.end))
    }

    /// Takes the peeked token with its payload.
    fn take(&mut self) -> TokenKind {
        self.scanner.take_token().map(|t| t.kind).unwrap_or(TokenKind::StreamEnd)
    }

    fn state_machine(&mut self) -> Res<Event> {
        match self.state {
            State::StreamStart => self.parse_stream_start(),
            State::ImplicitDocumentStart => self.parse_document_start(true),
            State::DocumentStart => self.parse_document_start(false),
            State::DocumentContent => self.parse_document_content(),
            State::DocumentEnd => self.parse_document_end(),
            State::BlockNode => self.parse_node(true, false),
            State::BlockSequenceFirstEntry => self.parse_block_sequence_entry(true),
            State::BlockSequenceEntry => self.parse_block_sequence_entry(false),
            State::IndentlessSequenceEntry => self.parse_indentless_sequence_entry(),
            State::BlockMappingFirstKey => self.parse_block_mapping_key(true),
            State::BlockMappingKey => self.parse_block_mapping_key(false),
            State::BlockMappingValue => self.parse_block_mapping_value(),
            State::FlowSequenceFirstEntry => self.parse_flow_sequence_entry(true),
            State::FlowSequenceEntry => self.parse_flow_sequence_entry(false),
            State::FlowSequenceEntryMappingKey => self.parse_flow_sequence_entry_mapping_key(),
            State::FlowSequenceEntryMappingValue => self.parse_flow_sequence_entry_mapping_value(),
            State::FlowSequenceEntryMappingEnd => self.parse_flow_sequence_entry_mapping_end(),
            State::FlowMappingFirstKey => self.parse_flow_mapping_key(true),
            State::FlowMappingKey => self.parse_flow_mapping_key(false),
            State::FlowMappingValue => self.parse_flow_mapping_value(false),
            State::FlowMappingEmptyValue => self.parse_flow_mapping_value(true),
            State::End => Ok(Event::new(EventKind::StreamEnd, Mark::default(), Mark::default())),
        }
    }

    fn parse_stream_start(&mut self) -> Res<Event> {
        let (k, s, e) = self.peek_kind()?;
        if k != Tk::StreamStart {
            return Err(perr("did not find expected <stream-start>", s));
        }
        self.state = State::ImplicitDocumentStart;
        self.scanner.skip_token();
        Ok(Event::new(EventKind::StreamStart, s, e))
    }

    fn parse_document_start(&mut self, implicit: bool) -> Res<Event> {
        let (mut k, mut s, mut e) = self.peek_kind()?;
        if !implicit {
            while k == Tk::DocumentEnd {
                self.scanner.skip_token();
                let t = self.peek_kind()?;
                k = t.0;
                s = t.1;
                e = t.2;
            }
        }
        let is_directive = matches!(k, Tk::VersionDirective | Tk::TagDirective);
        if implicit && !is_directive && k != Tk::DocumentStart && k != Tk::StreamEnd {
            self.process_directives()?;
            self.states.push(State::DocumentEnd);
            self.state = State::BlockNode;
            return Ok(Event::new(EventKind::DocumentStart, s, e));
        }
        if k != Tk::StreamEnd {
            let start = s;
            self.process_directives()?;
            let (k, s2, e2) = self.peek_kind()?;
            if k != Tk::DocumentStart {
                return Err(perr("did not find expected <document start>", s2));
            }
            self.states.push(State::DocumentEnd);
            self.state = State::DocumentContent;
            self.scanner.skip_token();
            let _ = s2;
            return Ok(Event::new(EventKind::DocumentStart, start, e2));
        }
        self.state = State::End;
        self.scanner.skip_token();
        Ok(Event::new(EventKind::StreamEnd, s, e))
    }

    fn parse_document_content(&mut self) -> Res<Event> {
        let (k, s, _) = self.peek_kind()?;
        if matches!(
            k,
            Tk::VersionDirective
                | Tk::TagDirective
                | Tk::DocumentStart
                | Tk::DocumentEnd
                | Tk::StreamEnd
        ) {
            self.pop_state();
            return Ok(empty_scalar(s));
        }
        self.parse_node(true, false)
    }

    fn parse_document_end(&mut self) -> Res<Event> {
        let (k, s, e) = self.peek_kind()?;
        let mut end = s;
        let mut implicit = true;
        if k == Tk::DocumentEnd {
            end = e;
            self.scanner.skip_token();
            implicit = false;
        }
        self.tag_directives.clear();
        self.state = State::DocumentStart;
        let mut ev = Event::new(EventKind::DocumentEnd, s, end);
        ev.implicit = implicit;
        Ok(ev)
    }

    fn parse_node(&mut self, block: bool, indentless_sequence: bool) -> Res<Event> {
        let (k, s, e) = self.peek_kind()?;
        if k == Tk::Alias {
            self.pop_state();
            let a = match self.take() {
                TokenKind::Alias(a) => a,
                _ => Vec::new(),
            };
            let mut ev = Event::new(EventKind::Alias, s, e);
            ev.anchor = Some(a);
            return Ok(ev);
        }
        let mut start = s;
        let mut end = s;
        let mut tag_token = false;
        let mut tag_handle = Vec::new();
        let mut tag_suffix = Vec::new();
        let mut anchor: Option<Vec<u8>> = None;
        let mut tag_mark = Mark::default();
        let mut cur = (k, s, e);
        if cur.0 == Tk::Anchor {
            start = cur.1;
            end = cur.2;
            if let TokenKind::Anchor(a) = self.take() {
                anchor = Some(a);
            }
            cur = self.peek_kind()?;
            if cur.0 == Tk::Tag {
                tag_token = true;
                tag_mark = cur.1;
                end = cur.2;
                if let TokenKind::Tag(h, sfx) = self.take() {
                    tag_handle = h;
                    tag_suffix = sfx;
                }
                cur = self.peek_kind()?;
            }
        } else if cur.0 == Tk::Tag {
            tag_token = true;
            start = cur.1;
            tag_mark = cur.1;
            end = cur.2;
            if let TokenKind::Tag(h, sfx) = self.take() {
                tag_handle = h;
                tag_suffix = sfx;
            }
            cur = self.peek_kind()?;
            if cur.0 == Tk::Anchor {
                end = cur.2;
                if let TokenKind::Anchor(a) = self.take() {
                    anchor = Some(a);
                }
                cur = self.peek_kind()?;
            }
        }
        let mut tag: Vec<u8> = Vec::new();
        if tag_token {
            if tag_handle.is_empty() {
                tag = tag_suffix;
            } else {
                let mut found = false;
                for (h, p) in &self.tag_directives {
                    if *h == tag_handle {
                        tag = p.clone();
                        tag.extend_from_slice(&tag_suffix);
                        found = true;
                        break;
                    }
                }
                if !found || tag.is_empty() {
                    return Err(perr_ctx("while parsing a node", start, "found undefined tag handle", tag_mark));
                }
            }
        }
        let implicit = tag.is_empty();
        let (k, ts, te) = cur;
        let mk = |kind: EventKind, end: Mark, tag: Vec<u8>, anchor: Option<Vec<u8>>| {
            let mut ev = Event::new(kind, start, end);
            ev.anchor = anchor;
            ev.tag = tag;
            ev.implicit = implicit;
            ev
        };
        if indentless_sequence && k == Tk::BlockEntry {
            self.state = State::IndentlessSequenceEntry;
            return Ok(mk(EventKind::SequenceStart, te, tag, anchor));
        }
        if k == Tk::Scalar {
            let (value, style) = match self.take() {
                TokenKind::Scalar(v, st) => (v, st),
                _ => (Vec::new(), ScalarStyle::Plain),
            };
            let mut plain_implicit = false;
            let mut quoted_implicit = false;
            if (tag.is_empty() && style == ScalarStyle::Plain) || tag == b"!" {
                plain_implicit = true;
            } else if tag.is_empty() {
                quoted_implicit = true;
            }
            self.pop_state();
            let mut ev = Event::new(EventKind::Scalar, start, te);
            ev.anchor = anchor;
            ev.tag = tag;
            ev.value = value;
            ev.implicit = plain_implicit;
            ev.quoted_implicit = quoted_implicit;
            ev.style = style;
            return Ok(ev);
        }
        match k {
            Tk::FlowSequenceStart => {
                self.state = State::FlowSequenceFirstEntry;
                return Ok(mk(EventKind::SequenceStart, te, tag, anchor));
            }
            Tk::FlowMappingStart => {
                self.state = State::FlowMappingFirstKey;
                return Ok(mk(EventKind::MappingStart, te, tag, anchor));
            }
            Tk::BlockSequenceStart if block => {
                self.state = State::BlockSequenceFirstEntry;
                return Ok(mk(EventKind::SequenceStart, te, tag, anchor));
            }
            Tk::BlockMappingStart if block => {
                self.state = State::BlockMappingFirstKey;
                return Ok(mk(EventKind::MappingStart, te, tag, anchor));
            }
            _ => {}
        }
        if anchor.as_ref().map(|a| !a.is_empty()).unwrap_or(false) || !tag.is_empty() {
            self.pop_state();
            let mut ev = Event::new(EventKind::Scalar, start, end);
            ev.anchor = anchor;
            ev.tag = tag;
            ev.implicit = implicit;
            return Ok(ev);
        }
        let ctx = if block { "while parsing a block node" } else { "while parsing a flow node" };
        Err(perr_ctx(ctx, start, "did not find expected node content", ts))
    }

    fn parse_block_sequence_entry(&mut self, first: bool) -> Res<Event> {
        if first {
            let (_, s, _) = self.peek_kind()?;
            self.marks.push(s);
            self.scanner.skip_token();
        }
        let (k, s, e) = self.peek_kind()?;
        if k == Tk::BlockEntry {
            let mark = e;
            self.scanner.skip_token();
            let (k2, _, _) = self.peek_kind()?;
            if k2 != Tk::BlockEntry && k2 != Tk::BlockEnd {
                self.states.push(State::BlockSequenceEntry);
                return self.parse_node(true, false);
            }
            self.state = State::BlockSequenceEntry;
            return Ok(empty_scalar(mark));
        }
        if k == Tk::BlockEnd {
            self.pop_state();
            self.marks.pop();
            self.scanner.skip_token();
            return Ok(Event::new(EventKind::SequenceEnd, s, e));
        }
        let cm = self.marks.pop().unwrap_or_default();
        Err(perr_ctx("while parsing a block collection", cm, "did not find expected '-' indicator", s))
    }

    fn parse_indentless_sequence_entry(&mut self) -> Res<Event> {
        let (k, s, e) = self.peek_kind()?;
        if k == Tk::BlockEntry {
            let mark = e;
            self.scanner.skip_token();
            let (k2, _, _) = self.peek_kind()?;
            if !matches!(k2, Tk::BlockEntry | Tk::Key | Tk::Value | Tk::BlockEnd) {
                self.states.push(State::IndentlessSequenceEntry);
                return self.parse_node(true, false);
            }
            self.state = State::IndentlessSequenceEntry;
            return Ok(empty_scalar(mark));
        }
        self.pop_state();
        Ok(Event::new(EventKind::SequenceEnd, s, s))
    }

    fn parse_block_mapping_key(&mut self, first: bool) -> Res<Event> {
        if first {
            let (_, s, _) = self.peek_kind()?;
            self.marks.push(s);
            self.scanner.skip_token();
        }
        let (k, s, e) = self.peek_kind()?;
        if k == Tk::Key {
            let mark = e;
            self.scanner.skip_token();
            let (k2, _, _) = self.peek_kind()?;
            if !matches!(k2, Tk::Key | Tk::Value | Tk::BlockEnd) {
                self.states.push(State::BlockMappingValue);
                return self.parse_node(true, true);
            }
            self.state = State::BlockMappingValue;
            return Ok(empty_scalar(mark));
        } else if k == Tk::BlockEnd {
            self.pop_state();
            self.marks.pop();
            self.scanner.skip_token();
            return Ok(Event::new(EventKind::MappingEnd, s, e));
        }
        let cm = self.marks.pop().unwrap_or_default();
        Err(perr_ctx("while parsing a block mapping", cm, "did not find expected key", s))
    }

    fn parse_block_mapping_value(&mut self) -> Res<Event> {
        let (k, s, e) = self.peek_kind()?;
        if k == Tk::Value {
            let mark = e;
            self.scanner.skip_token();
            let (k2, _, _) = self.peek_kind()?;
            if !matches!(k2, Tk::Key | Tk::Value | Tk::BlockEnd) {
                self.states.push(State::BlockMappingKey);
                return self.parse_node(true, true);
            }
            self.state = State::BlockMappingKey;
            return Ok(empty_scalar(mark));
        }
        self.state = State::BlockMappingKey;
        Ok(empty_scalar(s))
    }

    fn parse_flow_sequence_entry(&mut self, first: bool) -> Res<Event> {
        if first {
            let (_, s, _) = self.peek_kind()?;
            self.marks.push(s);
            self.scanner.skip_token();
        }
        let (mut k, mut s, mut e) = self.peek_kind()?;
        if k != Tk::FlowSequenceEnd {
            if !first {
                if k == Tk::FlowEntry {
                    self.scanner.skip_token();
                    let t = self.peek_kind()?;
                    k = t.0;
                    s = t.1;
                    e = t.2;
                } else {
                    let cm = self.marks.pop().unwrap_or_default();
                    return Err(perr_ctx("while parsing a flow sequence", cm, "did not find expected ',' or ']'", s));
                }
            }
            if k == Tk::Key {
                self.state = State::FlowSequenceEntryMappingKey;
                self.scanner.skip_token();
                let mut ev = Event::new(EventKind::MappingStart, s, e);
                ev.implicit = true;
                return Ok(ev);
            } else if k != Tk::FlowSequenceEnd {
                self.states.push(State::FlowSequenceEntry);
                return self.parse_node(false, false);
            }
        }
        self.pop_state();
        self.marks.pop();
        self.scanner.skip_token();
        Ok(Event::new(EventKind::SequenceEnd, s, e))
    }

    fn parse_flow_sequence_entry_mapping_key(&mut self) -> Res<Event> {
        let (k, _, e) = self.peek_kind()?;
        if !matches!(k, Tk::Value | Tk::FlowEntry | Tk::FlowSequenceEnd) {
            self.states.push(State::FlowSequenceEntryMappingValue);
            return self.parse_node(false, false);
        }
        let mark = e;
        self.scanner.skip_token();
        self.state = State::FlowSequenceEntryMappingValue;
        Ok(empty_scalar(mark))
    }

    fn parse_flow_sequence_entry_mapping_value(&mut self) -> Res<Event> {
        let (k, s, _) = self.peek_kind()?;
        if k == Tk::Value {
            self.scanner.skip_token();
            let (k2, _, _) = self.peek_kind()?;
            if k2 != Tk::FlowEntry && k2 != Tk::FlowSequenceEnd {
                self.states.push(State::FlowSequenceEntryMappingEnd);
                return self.parse_node(false, false);
            }
        }
        self.state = State::FlowSequenceEntryMappingEnd;
        // yaml.v2 uses the mark of the token peeked first (the VALUE token, when there was one).
        Ok(empty_scalar(s))
    }

    fn parse_flow_sequence_entry_mapping_end(&mut self) -> Res<Event> {
        let (_, s, _) = self.peek_kind()?;
        self.state = State::FlowSequenceEntry;
        Ok(Event::new(EventKind::MappingEnd, s, s))
    }

    fn parse_flow_mapping_key(&mut self, first: bool) -> Res<Event> {
        if first {
            let (_, s, _) = self.peek_kind()?;
            self.marks.push(s);
            self.scanner.skip_token();
        }
        let (mut k, mut s, mut e) = self.peek_kind()?;
        if k != Tk::FlowMappingEnd {
            if !first {
                if k == Tk::FlowEntry {
                    self.scanner.skip_token();
                    let t = self.peek_kind()?;
                    k = t.0;
                    s = t.1;
                    e = t.2;
                } else {
                    let cm = self.marks.pop().unwrap_or_default();
                    return Err(perr_ctx("while parsing a flow mapping", cm, "did not find expected ',' or '}'", s));
                }
            }
            if k == Tk::Key {
                self.scanner.skip_token();
                let (k2, s2, _) = self.peek_kind()?;
                if !matches!(k2, Tk::Value | Tk::FlowEntry | Tk::FlowMappingEnd) {
                    self.states.push(State::FlowMappingValue);
                    return self.parse_node(false, false);
                }
                self.state = State::FlowMappingValue;
                return Ok(empty_scalar(s2));
            } else if k != Tk::FlowMappingEnd {
                self.states.push(State::FlowMappingEmptyValue);
                return self.parse_node(false, false);
            }
        }
        self.pop_state();
        self.marks.pop();
        self.scanner.skip_token();
        Ok(Event::new(EventKind::MappingEnd, s, e))
    }

    fn parse_flow_mapping_value(&mut self, empty: bool) -> Res<Event> {
        let (k, s, _) = self.peek_kind()?;
        if empty {
            self.state = State::FlowMappingKey;
            return Ok(empty_scalar(s));
        }
        if k == Tk::Value {
            self.scanner.skip_token();
            let (k2, s2, _) = self.peek_kind()?;
            if k2 != Tk::FlowEntry && k2 != Tk::FlowMappingEnd {
                self.states.push(State::FlowMappingKey);
                return self.parse_node(false, false);
            }
            self.state = State::FlowMappingKey;
            return Ok(empty_scalar(s2));
        }
        self.state = State::FlowMappingKey;
        Ok(empty_scalar(s))
    }

    fn process_directives(&mut self) -> Res<()> {
        let mut have_version = false;
        let mut local: Vec<Vec<u8>> = Vec::new();
        loop {
            let (k, s, _) = self.peek_kind()?;
            if k != Tk::VersionDirective && k != Tk::TagDirective {
                break;
            }
            match self.take() {
                TokenKind::VersionDirective(major, minor) => {
                    if have_version {
                        return Err(perr("found duplicate %YAML directive", s));
                    }
                    if major != 1 || minor != 1 {
                        return Err(perr("found incompatible YAML document", s));
                    }
                    have_version = true;
                }
                TokenKind::TagDirective(handle, prefix) => {
                    if self.tag_directives.iter().any(|(h, _)| *h == handle) {
                        return Err(perr("found duplicate %TAG directive", s));
                    }
                    local.push(handle.clone());
                    self.tag_directives.push((handle, prefix));
                }
                _ => {}
            }
        }
        for (h, p) in [(b"!".to_vec(), b"!".to_vec()), (b"!!".to_vec(), b"tag:yaml.org,2002:".to_vec())] {
            if !self.tag_directives.iter().any(|(hh, _)| *hh == h) {
                self.tag_directives.push((h, p));
            }
        }
        Ok(())
    }
}

fn empty_scalar(mark: Mark) -> Event {
    let mut ev = Event::new(EventKind::Scalar, mark, mark);
    ev.implicit = true;
    ev
}
