//! The parser: builds trees from lexer items as Go's `text/template/parse/parse.go` does, with the same
//! three-item lookahead, the same checks (functions must exist, variables must be declared) and the same
//! error texts and line numbers.

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use crate::error::Error;
use crate::lex::{Item, ItemType, Lexer};
use crate::node::*;
use crate::quote::{go_quote, unquote, unquote_char_constant};

/// Go's `maxStackDepth`: nesting of parenthesized pipelines.
const MAX_STACK_DEPTH: usize = 10000;

/// What `textOrAction` can produce: a node, or the `{{end}}`/`{{else}}` that closes a list.
enum Parsed {
    Node(Node),
    End,
    Else { pos: usize },
}

impl Parsed {
    fn describe(&self, src: &str) -> String {
        match self {
            Parsed::Node(n) => n.to_template_string(src),
            Parsed::End => "{{end}}".into(),
            Parsed::Else { .. } => "{{else}}".into(),
        }
    }
}

/// State of the tree being built (a `define` or `block` starts a fresh one).
struct TreeState {
    name: String,
    vars: Vec<String>,
    action_line: usize,
    range_depth: usize,
    stack_depth: usize,
}

struct Parser<'a, 'f> {
    lex: Lexer<'a>,
    token: [Item<'a>; 3],
    peek_count: usize,
    text: Arc<str>,
    parse_name: Rc<str>,
    has_func: &'f dyn Fn(&str) -> bool,
    tree_set: HashMap<String, Tree>,
    st: TreeState,
}

type PResult<T> = Result<T, Box<Error>>;

fn eof_item<'a>() -> Item<'a> {
    Item { typ: ItemType::Eof, pos: 0, val: Cow::Borrowed(""), line: 0 }
}

/// Parse `text` as the template `name`; returns every tree it defines (the top level under `name`).
/// The trees share `text`: their text nodes are ranges of it.
pub(crate) fn parse(name: &str, text: Arc<str>, has_func: &dyn Fn(&str) -> bool) -> Result<HashMap<String, Tree>, Error> {
    let src = text.clone();
    let mut lex = Lexer::new(&src);
    lex.break_ok = !has_func("break");
    lex.continue_ok = !has_func("continue");
    let mut p = Parser {
        lex,
        token: [eof_item(), eof_item(), eof_item()],
        peek_count: 0,
        text,
        parse_name: Rc::from(name),
        has_func,
        tree_set: HashMap::new(),
        st: TreeState { name: name.to_string(), vars: vec!["$".into()], action_line: 0, range_depth: 0, stack_depth: 0 },
    };
    let root = p.parse_top().map_err(|e| *e)?;
    p.add(root).map_err(|e| *e)?;
    Ok(p.tree_set)
}

impl<'a> Parser<'a, '_> {
    fn next(&mut self) -> Item<'a> {
        if self.peek_count > 0 {
            self.peek_count -= 1;
        } else {
            self.token[0] = self.lex.next_item();
        }
        self.token[self.peek_count].clone()
    }

    fn backup(&mut self) {
        self.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item<'a>) {
        self.token[1] = t1;
        self.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item<'a>, t1: Item<'a>) {
        self.token[1] = t1;
        self.token[2] = t2;
        self.peek_count = 3;
    }

    fn peek(&mut self) -> Item<'a> {
        if self.peek_count > 0 {
            return self.token[self.peek_count - 1].clone();
        }
        self.peek_count = 1;
        self.token[0] = self.lex.next_item();
        self.token[0].clone()
    }

    fn peek_type(&mut self) -> ItemType {
        if self.peek_count > 0 {
            return self.token[self.peek_count - 1].typ;
        }
        self.peek().typ
    }

    fn next_non_space(&mut self) -> Item<'a> {
        loop {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item<'a> {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn errorf(&self, msg: impl Into<String>) -> Box<Error> {
        Box::new(Error::parse(&self.parse_name, self.token[0].line, msg.into()))
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> PResult<Item<'a>> {
        let token = self.next_non_space();
        if token.typ != expected {
            return Err(self.unexpected(&token, context));
        }
        Ok(token)
    }

    fn expect_one_of(&mut self, e1: ItemType, e2: ItemType, context: &str) -> PResult<Item<'a>> {
        let token = self.next_non_space();
        if token.typ != e1 && token.typ != e2 {
            return Err(self.unexpected(&token, context));
        }
        Ok(token)
    }

    fn unexpected(&self, token: &Item<'a>, context: &str) -> Box<Error> {
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            if self.st.action_line != 0 && self.st.action_line != token.line {
                extra = format!(" in action started at {}:{}", self.parse_name, self.st.action_line);
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{}{}", token.describe(), extra));
        }
        self.errorf(format!("unexpected {} in {}", token.describe(), context))
    }

    /// Enters a new tree (`define`/`block`), returning the state to restore.
    fn enter_tree(&mut self, name: String) -> TreeState {
        std::mem::replace(
            &mut self.st,
            TreeState { name, vars: vec!["$".into()], action_line: 0, range_depth: 0, stack_depth: 0 },
        )
    }

    /// Go's `Tree.add`: put the finished tree in the set, checking for a second non-empty definition.
    fn add(&mut self, root: ListNode) -> PResult<()> {
        let name = self.st.name.clone();
        if let Some(existing) = self.tree_set.get(&name) {
            if !existing.is_empty() {
                if !is_empty_list(&root, &self.text) {
                    return Err(self.errorf(format!("template: multiple definition of template {}", go_quote(&name))));
                }
                return Ok(());
            }
        }
        let tree = Tree { name: name.clone(), parse_name: self.parse_name.clone(), root, text: self.text.clone() };
        self.tree_set.insert(name, tree);
        Ok(())
    }

    fn parse_top(&mut self) -> PResult<ListNode> {
        let mut root = ListNode { pos: self.peek().pos, nodes: Vec::new() };
        while self.peek_type() != ItemType::Eof {
            if self.peek_type() == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    let saved = self.enter_tree("definition".into());
                    let r = self.parse_definition();
                    self.st = saved;
                    r?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::Node(n) => root.nodes.push(n),
                other => return Err(self.errorf(format!("unexpected {}", other.describe(&self.text)))),
            }
        }
        // Trees live as long as the template set: drop the growth slack of every list.
        root.nodes.shrink_to_fit();
        Ok(root)
    }

    fn parse_definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        let name = self.expect_one_of(ItemType::String, ItemType::RawString, CONTEXT)?;
        self.st.name = unquote(&name.val).map_err(|e| self.errorf(e))?;
        self.expect(ItemType::RightDelim, CONTEXT)?;
        let (root, end) = self.item_list()?;
        if !matches!(end, Parsed::End) {
            return Err(self.errorf(format!("unexpected {} in {}", end.describe(&self.text), CONTEXT)));
        }
        self.add(root)
    }

    fn item_list(&mut self) -> PResult<(ListNode, Parsed)> {
        stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, || {
            let mut list = ListNode { pos: self.peek_non_space().pos, nodes: Vec::new() };
            while self.peek_non_space().typ != ItemType::Eof {
                match self.text_or_action()? {
                    Parsed::Node(n) => list.nodes.push(n),
                    end => {
                        list.nodes.shrink_to_fit();
                        return Ok((list, end));
                    }
                }
            }
            Err(self.errorf("unexpected EOF"))
        })
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            // The item is a slice of the text at its position: keep the range, not a copy.
            ItemType::Text => Ok(Parsed::Node(Node::Text { pos: token.pos, end: token.pos + token.val.len() })),
            ItemType::LeftDelim => {
                self.st.action_line = token.line;
                let r = self.action();
                self.st.action_line = 0;
                r
            }
            _ => Err(self.unexpected(&token, "input")),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => return self.block_control().map(Parsed::Node),
            ItemType::Break => return self.break_control(token.pos, token.line, true).map(Parsed::Node),
            ItemType::Continue => return self.break_control(token.pos, token.line, false).map(Parsed::Node),
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.branch_control("if").map(Parsed::Node),
            ItemType::Range => return self.branch_control("range").map(Parsed::Node),
            ItemType::Template => return self.template_control().map(Parsed::Node),
            ItemType::With => return self.branch_control("with").map(Parsed::Node),
            _ => {}
        }
        self.backup();
        let token = self.peek();
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action { pos: token.pos, line: token.line, pipe: Box::new(pipe) }))
    }

    fn break_control(&mut self, pos: usize, line: usize, is_break: bool) -> PResult<Node> {
        let what = if is_break { "{{break}}" } else { "{{continue}}" };
        let token = self.next_non_space();
        if token.typ != ItemType::RightDelim {
            return Err(self.unexpected(&token, what));
        }
        if self.st.range_depth == 0 {
            return Err(self.errorf(format!("{what} outside {{{{range}}}}")));
        }
        Ok(if is_break { Node::Break { pos, line } } else { Node::Continue { pos, line } })
    }

    fn new_variable(pos: usize, ident: &str) -> VariableNode {
        VariableNode { pos, ident: ident.split('.').map(Box::from).collect() }
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<PipeNode> {
        let token = self.peek_non_space();
        let mut pipe = PipeNode { pos: token.pos, line: token.line, is_assign: false, decl: Vec::new(), cmds: Vec::new() };
        'decls: loop {
            let v = self.peek_non_space();
            if v.typ == ItemType::Variable {
                self.next();
                let token_after_variable = self.peek();
                let next = self.peek_non_space();
                if next.typ == ItemType::Assign || next.typ == ItemType::Declare {
                    pipe.is_assign = next.typ == ItemType::Assign;
                    self.next_non_space();
                    pipe.decl.push(Self::new_variable(v.pos, &v.val));
                    self.st.vars.push(v.val.to_string());
                } else if next.typ == ItemType::Char && next.val == "," {
                    self.next_non_space();
                    pipe.decl.push(Self::new_variable(v.pos, &v.val));
                    self.st.vars.push(v.val.to_string());
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().typ {
                            ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => continue 'decls,
                            _ => return Err(self.errorf("range can only initialize variables")),
                        }
                    }
                    return Err(self.errorf(format!("too many declarations in {context}")));
                } else if token_after_variable.typ == ItemType::Space {
                    self.backup3(v, token_after_variable);
                } else {
                    self.backup2(v);
                }
            }
            break;
        }
        loop {
            let token = self.next_non_space();
            if token.typ == end {
                self.check_pipeline(&pipe, context)?;
                pipe.decl.shrink_to_fit();
                pipe.cmds.shrink_to_fit();
                return Ok(pipe);
            }
            match token.typ {
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return Err(self.unexpected(&token, context)),
            }
        }
    }

    fn check_pipeline(&self, pipe: &PipeNode, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return Err(self.errorf(format!("missing value for {context}")));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if let Some(Arg::Bool { .. } | Arg::Dot { .. } | Arg::Nil { .. } | Arg::Number(_) | Arg::String { .. }) =
                c.args.first()
            {
                return Err(self.errorf(format!("non executable command in pipeline stage {}", i + 1)));
            }
        }
        Ok(())
    }

    fn branch_control(&mut self, context: &'static str) -> PResult<Node> {
        let mark = self.st.vars.len();
        let r = self.parse_control(context);
        self.st.vars.truncate(mark);
        let (pipe, list, else_list) = r?;
        let b = Box::new(BranchNode { pos: pipe.pos, line: pipe.line, pipe, list, else_list });
        Ok(match context {
            "if" => Node::If(b),
            "range" => Node::Range(b),
            _ => Node::With(b),
        })
    }

    fn parse_control(&mut self, context: &'static str) -> PResult<(PipeNode, ListNode, Option<ListNode>)> {
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.st.range_depth += 1;
        }
        let r = self.item_list();
        if context == "range" {
            self.st.range_depth -= 1;
        }
        let (list, next) = r?;
        let mut else_list = None;
        if let Parsed::Else { pos } = next {
            let pt = self.peek_type();
            if context == "if" && pt == ItemType::If {
                self.next();
                let n = self.branch_control("if")?;
                else_list = Some(ListNode { pos, nodes: vec![n] });
            } else if context == "with" && pt == ItemType::With {
                self.next();
                let n = self.branch_control("with")?;
                else_list = Some(ListNode { pos, nodes: vec![n] });
            } else {
                let (l, next) = self.item_list()?;
                if !matches!(next, Parsed::End) {
                    return Err(self.errorf(format!("expected end; found {}", next.describe(&self.text))));
                }
                else_list = Some(l);
            }
        }
        Ok((pipe, list, else_list))
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        if peek.typ == ItemType::If || peek.typ == ItemType::With {
            return Ok(Parsed::Else { pos: peek.pos });
        }
        let token = self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else { pos: token.pos })
    }

    fn block_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, ItemType::RightDelim)?;
        let saved = self.enter_tree(name.clone());
        let r = (|| {
            let (root, end) = self.item_list()?;
            if !matches!(end, Parsed::End) {
                return Err(self.errorf(format!("unexpected {} in {}", end.describe(&self.text), CONTEXT)));
            }
            self.add(root)
        })();
        self.st = saved;
        r?;
        Ok(Node::Template(Box::new(TemplateNode { pos: token.pos, line: token.line, name, pipe: Some(pipe) })))
    }

    fn template_control(&mut self) -> PResult<Node> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, CONTEXT)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(CONTEXT, ItemType::RightDelim)?);
        }
        Ok(Node::Template(Box::new(TemplateNode { pos: token.pos, line: token.line, name, pipe })))
    }

    fn parse_template_name(&self, token: &Item<'a>, context: &str) -> PResult<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => unquote(&token.val).map_err(|e| self.errorf(e)),
            _ => Err(self.unexpected(token, context)),
        }
    }

    fn command(&mut self) -> PResult<CommandNode> {
        let mut cmd = CommandNode { pos: self.peek_non_space().pos, args: Vec::new() };
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                cmd.args.push(op);
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return Err(self.unexpected(&token, "operand")),
            }
            break;
        }
        if cmd.args.is_empty() {
            return Err(self.errorf("empty command"));
        }
        cmd.args.shrink_to_fit();
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek_type() != ItemType::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek().pos;
        let mut fields: Vec<Box<str>> = Vec::new();
        while self.peek_type() == ItemType::Field {
            let f = self.next();
            fields.push(Box::from(&f.val[1..]));
        }
        Ok(Some(match node {
            Arg::Field { mut ident, .. } => {
                ident.extend(fields);
                Arg::Field { pos: chain_pos, ident }
            }
            Arg::Variable(VariableNode { mut ident, .. }) => {
                ident.extend(fields);
                Arg::Variable(VariableNode { pos: chain_pos, ident })
            }
            Arg::Bool { .. } | Arg::String { .. } | Arg::Number(_) | Arg::Nil { .. } | Arg::Dot { .. } => {
                return Err(self.errorf(format!("unexpected . after term {}", go_quote(&node.to_template_string()))));
            }
            other => Arg::Chain { pos: chain_pos, node: Box::new(other), field: fields },
        }))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        let pos = token.pos;
        Ok(Some(match token.typ {
            ItemType::Identifier => {
                if !(self.has_func)(&token.val) {
                    return Err(self.errorf(format!("function {} not defined", go_quote(&token.val))));
                }
                Arg::Identifier { pos, ident: token.val.as_ref().into() }
            }
            ItemType::Dot => Arg::Dot { pos },
            ItemType::Nil => Arg::Nil { pos },
            ItemType::Variable => {
                let v = Self::new_variable(pos, &token.val);
                if !self.st.vars.iter().any(|n| *n == *v.ident[0]) {
                    return Err(self.errorf(format!("undefined variable {}", go_quote(&v.ident[0]))));
                }
                Arg::Variable(v)
            }
            ItemType::Field => Arg::Field { pos, ident: token.val[1..].split('.').map(Box::from).collect() },
            ItemType::Bool => Arg::Bool { pos, val: token.val == "true" },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                Arg::Number(Box::new(new_number(pos, &token.val, token.typ).map_err(|e| self.errorf(e))?))
            }
            ItemType::LeftParen => {
                if self.st.stack_depth >= MAX_STACK_DEPTH {
                    return Err(self.errorf("max expression depth exceeded"));
                }
                self.st.stack_depth += 1;
                let r = stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, || {
                    self.pipeline("parenthesized pipeline", ItemType::RightParen)
                });
                self.st.stack_depth -= 1;
                Arg::Pipe(Box::new(r?))
            }
            ItemType::String | ItemType::RawString => {
                let text = unquote(&token.val).map_err(|e| self.errorf(e))?;
                Arg::String { pos, quoted: token.val.as_ref().into(), text: Rc::from(text) }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

/// Go's `newNumber`: classify a number literal as int, uint, float (and complex) the way Go does.
fn new_number(pos: usize, text: &str, typ: ItemType) -> Result<NumberNode, String> {
    let mut n = NumberNode {
        pos,
        is_int: false,
        is_uint: false,
        is_float: false,
        is_complex: false,
        int64: 0,
        uint64: 0,
        float64: 0.0,
        complex128: (0.0, 0.0),
        text: text.into(),
    };
    match typ {
        ItemType::CharConstant => {
            let r = unquote_char_constant(text)?;
            n.int64 = r as i64;
            n.is_int = true;
            n.uint64 = r as u64;
            n.is_uint = true;
            n.float64 = r as u32 as f64;
            n.is_float = true;
            return Ok(n);
        }
        ItemType::Complex => {
            // `RE±IMi` (what fmt.Sscan reads into a complex128): split at the sign that starts the
            // imaginary part (not one of an exponent).
            let body = text.strip_suffix('i').unwrap_or(text);
            let b = body.as_bytes();
            let split = (1..b.len())
                .rev()
                .find(|&i| matches!(b[i], b'+' | b'-') && !matches!(b[i - 1], b'e' | b'E' | b'p' | b'P'));
            let parts = split.and_then(|i| Some((go_parse_float(&body[..i])?, go_parse_float(&body[i..])?)));
            let Some((re, im)) = parts else {
                return Err(format!("expected integer; found {text}"));
            };
            n.is_complex = true;
            n.complex128 = (re, im);
            simplify_complex(&mut n);
            return Ok(n);
        }
        _ => {}
    }
    if let Some(body) = text.strip_suffix('i') {
        if let Some(f) = go_parse_float(body) {
            n.is_complex = true;
            n.complex128 = (0.0, f);
            simplify_complex(&mut n);
            return Ok(n);
        }
    }
    let u = go_parse_uint(text);
    if let Some(u) = u {
        n.is_uint = true;
        n.uint64 = u;
    }
    if let Some(i) = go_parse_int(text) {
        n.is_int = true;
        n.int64 = i;
        if i == 0 {
            n.is_uint = true;
            n.uint64 = u.unwrap_or(0);
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float64 = n.int64 as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float64 = n.uint64 as f64;
    } else if let Some(f) = go_parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", go_quote(text)));
        }
        n.is_float = true;
        n.float64 = f;
        if (i64::MIN as f64..i64::MAX as f64).contains(&f) && (f as i64) as f64 == f {
            n.is_int = true;
            n.int64 = f as i64;
        }
        if (0.0..u64::MAX as f64).contains(&f) && (f as u64) as f64 == f {
            n.is_uint = true;
            n.uint64 = f as u64;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!("illegal number syntax: {}", go_quote(text)));
    }
    Ok(n)
}

/// Go's `simplifyComplex`: a complex constant with no imaginary part is also a float (and an integer
/// when whole).
fn simplify_complex(n: &mut NumberNode) {
    let (re, im) = n.complex128;
    if im != 0.0 {
        return;
    }
    n.is_float = true;
    n.float64 = re;
    if n.float64 == (n.float64 as i64) as f64 {
        n.is_int = true;
        n.int64 = re as i64;
    }
    if n.float64 >= 0.0 && n.float64 == (n.float64 as u64) as f64 {
        n.is_uint = true;
        n.uint64 = re as u64;
    }
}

/// Go's `underscoreOK`: underscores only between digits (a base prefix counts as a digit).
fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let b = if !b.is_empty() && (b[0] == b'-' || b[0] == b'+') { &b[1..] } else { b };
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// `strconv.ParseUint(s, 0, 64)`.
fn go_parse_uint(s0: &str) -> Option<u64> {
    if s0.is_empty() {
        return None;
    }
    let mut s = s0.as_bytes();
    let mut base: u32 = 10;
    let base0 = true;
    if s[0] == b'0' {
        if s.len() >= 3 && s[1].eq_ignore_ascii_case(&b'b') {
            base = 2;
            s = &s[2..];
        } else if s.len() >= 3 && s[1].eq_ignore_ascii_case(&b'o') {
            base = 8;
            s = &s[2..];
        } else if s.len() >= 3 && s[1].eq_ignore_ascii_case(&b'x') {
            base = 16;
            s = &s[2..];
        } else {
            base = 8;
            s = &s[1..];
        }
    }
    let mut n: u64 = 0;
    let mut underscores = false;
    for &c in s {
        if c == b'_' && base0 {
            underscores = true;
            continue;
        }
        let d = match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'a'..=b'z' => (c - b'a') as u32 + 10,
            b'A'..=b'Z' => (c - b'A') as u32 + 10,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        n = n.checked_mul(base as u64)?.checked_add(d as u64)?;
    }
    if underscores && !underscore_ok(s0) {
        return None;
    }
    Some(n)
}

/// `strconv.ParseInt(s, 0, 64)`.
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let u = go_parse_uint(rest)?;
    if !neg {
        i64::try_from(u).ok()
    } else if u <= 1u64 << 63 {
        Some((u as i64).wrapping_neg())
    } else {
        None
    }
}

/// `strconv.ParseFloat(s, 64)` for the literals the lexer can produce (decimal and hex floats).
fn go_parse_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let clean: Cow<str> = if s.contains('_') { Cow::Owned(s.replace('_', "")) } else { Cow::Borrowed(s) };
    let (neg, body) = match clean.as_bytes().first() {
        Some(b'+') => (false, &clean[1..]),
        Some(b'-') => (true, &clean[1..]),
        _ => (false, &clean[..]),
    };
    let f = if body.len() > 2 && (body.starts_with("0x") || body.starts_with("0X")) {
        parse_hex_float(&body[2..])?
    } else {
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) {
            return None;
        }
        body.parse::<f64>().ok()?
    };
    if f.is_infinite() {
        return None;
    }
    Some(if neg { -f } else { f })
}

/// A hex float mantissa with a mandatory `p` exponent, as Go requires.
fn parse_hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = s.split_once(['p', 'P'])?;
    let exp: i32 = exp.parse().ok()?;
    let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
    if ip.is_empty() && fp.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in ip.chars() {
        v = v * 16.0 + c.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in fp.chars() {
        v += c.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    Some(v * 2f64.powi(exp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_rows() {
        let n = new_number(0, "1_000", ItemType::Number).unwrap();
        assert!(n.is_int && n.int64 == 1000);
        let n = new_number(0, "0x1F", ItemType::Number).unwrap();
        assert_eq!(n.int64, 31);
        let n = new_number(0, "017", ItemType::Number).unwrap();
        assert_eq!(n.int64, 15);
        let n = new_number(0, "0b101", ItemType::Number).unwrap();
        assert_eq!(n.int64, 5);
        let n = new_number(0, "0o17", ItemType::Number).unwrap();
        assert_eq!(n.int64, 15);
        let n = new_number(0, "1e3", ItemType::Number).unwrap();
        assert!(n.is_float && n.is_int && n.int64 == 1000);
        let n = new_number(0, "1.5", ItemType::Number).unwrap();
        assert!(n.is_float && !n.is_int);
        let n = new_number(0, "0x1p4", ItemType::Number).unwrap();
        assert_eq!(n.float64, 16.0);
        let n = new_number(0, "-0", ItemType::Number).unwrap();
        assert!(n.is_int && n.is_uint);
        let n = new_number(0, "9223372036854775808", ItemType::Number).unwrap();
        assert!(!n.is_int && n.is_uint);
        assert_eq!(
            new_number(0, "99999999999999999999", ItemType::Number).unwrap_err(),
            "integer overflow: \"99999999999999999999\""
        );
        assert_eq!(new_number(0, "1__0", ItemType::Number).unwrap_err(), "illegal number syntax: \"1__0\"");
        assert_eq!(new_number(0, "'a'", ItemType::CharConstant).unwrap().int64, 97);
    }
}
