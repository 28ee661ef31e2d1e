//! The parse tree, as Go's `text/template/parse/node.go`: every node keeps its byte position and prints
//! itself back as template text (`String()`), which is what exec errors quote as `at <…>`.

use std::rc::Rc;
use std::sync::Arc;

use crate::quote::go_quote;

/// One parsed template: a `define`d body or the top level of a parsed text.
#[derive(Debug)]
pub struct Tree {
    /// The template's name (the `define` name, or the name given to `add`).
    pub name: String,
    /// The name of the text the tree was parsed from: locations in errors use it.
    pub parse_name: Rc<str>,
    pub root: ListNode,
    /// The full text the tree was parsed from (positions index into it, text nodes are slices of it).
    /// Shared, not copied: every tree of one text and the caller that handed the text over hold it once.
    pub text: Arc<str>,
}

impl Tree {
    /// Line (1-based) and column (0-based byte offset in the line) of `pos`, as Go's `ErrorContext`.
    pub fn line_col(&self, pos: usize) -> (usize, usize) {
        let pos = pos.min(self.text.len());
        let before = &self.text.as_bytes()[..pos];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let col = match before.iter().rposition(|&b| b == b'\n') {
            None => pos,
            Some(nl) => pos - (nl + 1),
        };
        (line, col)
    }

    /// Whether the tree counts as empty for Go's redefinition rules (only spaces and comments).
    pub(crate) fn is_empty(&self) -> bool {
        is_empty_list(&self.root, &self.text)
    }
}

#[derive(Debug, Default)]
pub struct ListNode {
    pub pos: usize,
    pub nodes: Vec<Node>,
}

/// A node that can appear in a list. The large variants are boxed: text nodes, the most frequent, then
/// take 32 bytes instead of the size of a branch.
#[derive(Debug)]
pub enum Node {
    /// Plain text: the bytes `pos..end` of the tree's text.
    Text { pos: usize, end: usize },
    Action { pos: usize, line: usize, pipe: Box<PipeNode> },
    If(Box<BranchNode>),
    Range(Box<BranchNode>),
    With(Box<BranchNode>),
    Template(Box<TemplateNode>),
    Break { pos: usize, line: usize },
    Continue { pos: usize, line: usize },
}

#[derive(Debug)]
pub struct BranchNode {
    pub pos: usize,
    pub line: usize,
    pub pipe: PipeNode,
    pub list: ListNode,
    pub else_list: Option<ListNode>,
}

#[derive(Debug)]
pub struct TemplateNode {
    pub pos: usize,
    pub line: usize,
    pub name: String,
    pub pipe: Option<PipeNode>,
}

#[derive(Debug)]
pub struct PipeNode {
    pub pos: usize,
    pub line: usize,
    pub is_assign: bool,
    pub decl: Vec<VariableNode>,
    pub cmds: Vec<CommandNode>,
}

#[derive(Debug)]
pub struct CommandNode {
    pub pos: usize,
    pub args: Vec<Arg>,
}

#[derive(Debug)]
pub struct VariableNode {
    pub pos: usize,
    /// Variable name (with `$`) and then fields.
    pub ident: Vec<Box<str>>,
}

#[derive(Debug)]
pub struct NumberNode {
    pub pos: usize,
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub is_complex: bool,
    pub int64: i64,
    pub uint64: u64,
    pub float64: f64,
    /// The value of a complex constant (`1+2i`, `4i`): real and imaginary parts.
    pub complex128: (f64, f64),
    pub text: Box<str>,
}

/// An operand: an element of a command (numbers, the largest and rarest, are boxed).
#[derive(Debug)]
pub enum Arg {
    Field { pos: usize, ident: Vec<Box<str>> },
    Chain { pos: usize, node: Box<Arg>, field: Vec<Box<str>> },
    Identifier { pos: usize, ident: Box<str> },
    Variable(VariableNode),
    Dot { pos: usize },
    Nil { pos: usize },
    Bool { pos: usize, val: bool },
    Number(Box<NumberNode>),
    String { pos: usize, quoted: Box<str>, text: Rc<str> },
    Pipe(Box<PipeNode>),
}

impl Arg {
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Identifier { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::String { pos, .. } => *pos,
            Arg::Variable(v) => v.pos,
            Arg::Number(n) => n.pos,
            Arg::Pipe(p) => p.pos,
        }
    }

    pub(crate) fn write_to(&self, sb: &mut String) {
        match self {
            Arg::Field { ident, .. } => {
                for id in ident {
                    sb.push('.');
                    sb.push_str(id);
                }
            }
            Arg::Chain { node, field, .. } => {
                if let Arg::Pipe(p) = node.as_ref() {
                    sb.push('(');
                    p.write_to(sb);
                    sb.push(')');
                } else {
                    node.write_to(sb);
                }
                for f in field {
                    sb.push('.');
                    sb.push_str(f);
                }
            }
            Arg::Identifier { ident, .. } => sb.push_str(ident),
            Arg::Variable(v) => v.write_to(sb),
            Arg::Dot { .. } => sb.push('.'),
            Arg::Nil { .. } => sb.push_str("nil"),
            Arg::Bool { val, .. } => sb.push_str(if *val { "true" } else { "false" }),
            Arg::Number(n) => sb.push_str(&n.text),
            Arg::String { quoted, .. } => sb.push_str(quoted),
            Arg::Pipe(p) => p.write_to(sb),
        }
    }

    pub fn to_template_string(&self) -> String {
        let mut s = String::new();
        self.write_to(&mut s);
        s
    }
}

impl VariableNode {
    pub(crate) fn write_to(&self, sb: &mut String) {
        for (i, id) in self.ident.iter().enumerate() {
            if i > 0 {
                sb.push('.');
            }
            sb.push_str(id);
        }
    }
}

impl CommandNode {
    pub(crate) fn write_to(&self, sb: &mut String) {
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                sb.push(' ');
            }
            if let Arg::Pipe(p) = arg {
                sb.push('(');
                p.write_to(sb);
                sb.push(')');
                continue;
            }
            arg.write_to(sb);
        }
    }
}

impl PipeNode {
    pub(crate) fn write_to(&self, sb: &mut String) {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.write_inner(sb))
    }

    fn write_inner(&self, sb: &mut String) {
        if !self.decl.is_empty() {
            for (i, v) in self.decl.iter().enumerate() {
                if i > 0 {
                    sb.push_str(", ");
                }
                v.write_to(sb);
            }
            sb.push_str(if self.is_assign { " = " } else { " := " });
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                sb.push_str(" | ");
            }
            c.write_to(sb);
        }
    }
}

impl ListNode {
    /// `src`: the text the list was parsed from (text nodes print from it).
    pub(crate) fn write_to(&self, src: &str, sb: &mut String) {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
            for n in &self.nodes {
                n.write_to(src, sb);
            }
        })
    }
}

impl BranchNode {
    fn write_to(&self, src: &str, sb: &mut String, name: &str) {
        sb.push_str("{{");
        sb.push_str(name);
        sb.push(' ');
        self.pipe.write_to(sb);
        sb.push_str("}}");
        self.list.write_to(src, sb);
        if let Some(e) = &self.else_list {
            sb.push_str("{{else}}");
            e.write_to(src, sb);
        }
        sb.push_str("{{end}}");
    }
}

impl Node {
    pub fn pos(&self) -> usize {
        match self {
            Node::Text { pos, .. } | Node::Action { pos, .. } | Node::Break { pos, .. } | Node::Continue { pos, .. } => {
                *pos
            }
            Node::If(b) | Node::Range(b) | Node::With(b) => b.pos,
            Node::Template(t) => t.pos,
        }
    }

    /// `src`: the text the node was parsed from (text nodes print from it).
    pub(crate) fn write_to(&self, src: &str, sb: &mut String) {
        match self {
            Node::Text { pos, end } => sb.push_str(&src[*pos..*end]),
            Node::Action { pipe, .. } => {
                sb.push_str("{{");
                pipe.write_to(sb);
                sb.push_str("}}");
            }
            Node::If(b) => b.write_to(src, sb, "if"),
            Node::Range(b) => b.write_to(src, sb, "range"),
            Node::With(b) => b.write_to(src, sb, "with"),
            Node::Template(t) => {
                sb.push_str("{{template ");
                sb.push_str(&go_quote(&t.name));
                if let Some(p) = &t.pipe {
                    sb.push(' ');
                    p.write_to(sb);
                }
                sb.push_str("}}");
            }
            Node::Break { .. } => sb.push_str("{{break}}"),
            Node::Continue { .. } => sb.push_str("{{continue}}"),
        }
    }

    pub fn to_template_string(&self, src: &str) -> String {
        let mut s = String::new();
        self.write_to(src, &mut s);
        s
    }
}

/// Stack kept free before descending into a nested list or pipeline (printing, dropping).
const RED_ZONE: usize = 64 * 1024;
const STACK_SEGMENT: usize = 1024 * 1024;

// Deeply nested trees (thousands of `{{if}}` or parentheses) must not overflow the stack when dropped.
impl Drop for ListNode {
    fn drop(&mut self) {
        if !self.nodes.is_empty() {
            let nodes = std::mem::take(&mut self.nodes);
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, move || drop(nodes));
        }
    }
}

impl Drop for PipeNode {
    fn drop(&mut self) {
        if !self.cmds.is_empty() {
            let cmds = std::mem::take(&mut self.cmds);
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, move || drop(cmds));
        }
    }
}

/// Whether a parsed body counts as empty for Go's redefinition rules (only spaces and comments); `src`
/// is the text it was parsed from.
pub(crate) fn is_empty_list(l: &ListNode, src: &str) -> bool {
    l.nodes.iter().all(|n| match n {
        Node::Text { pos, end } => src[*pos..*end].trim().is_empty(),
        _ => false,
    })
}

/// A reference to the node being evaluated, for error messages.
#[derive(Clone, Copy)]
pub(crate) enum NodeRef<'a> {
    None,
    Node(&'a Node),
    Pipe(&'a PipeNode),
    Command(&'a CommandNode),
    Arg(&'a Arg),
    Variable(&'a VariableNode),
}

impl NodeRef<'_> {
    pub fn pos(&self) -> Option<usize> {
        Some(match self {
            NodeRef::None => return None,
            NodeRef::Node(n) => n.pos(),
            NodeRef::Pipe(p) => p.pos,
            NodeRef::Command(c) => c.pos,
            NodeRef::Arg(a) => a.pos(),
            NodeRef::Variable(v) => v.pos,
        })
    }

    /// The node printed back as template text; `src` is the text it was parsed from.
    pub fn context(&self, src: &str) -> String {
        let mut s = String::new();
        match self {
            NodeRef::None => {}
            NodeRef::Node(n) => n.write_to(src, &mut s),
            NodeRef::Pipe(p) => p.write_to(&mut s),
            NodeRef::Command(c) => c.write_to(&mut s),
            NodeRef::Arg(a) => a.write_to(&mut s),
            NodeRef::Variable(v) => v.write_to(&mut s),
        }
        s
    }
}

/// Debug rendering of a whole tree back to template text (Go's `Tree.Root.String()`).
pub fn tree_string(t: &Tree) -> String {
    let mut s = String::new();
    t.root.write_to(&t.text, &mut s);
    s
}
