//! Writing as sigs.k8s.io/yaml.Marshal does: JSON numbers re-resolved by yaml.v2, keys in yaml.v2's
//! natural order (sorter.go), scalar styles chosen as encode.go does, text laid out by a port of
//! libyaml's emitter as go-yaml v2 has it (emitterc.go: block style, width 80, indent 2).

use crate::decode::GoValue;
use crate::gonum::{format_g, format_json};
use crate::resolve::{is_base60_float, resolve, STR};

/// serde_json value → the Go value Helm holds (float64 numbers stay float64; serde integers are Go ints).
pub fn json_to_go(v: &serde_json::Value) -> GoValue {
    use serde_json::Value;
    match v {
        Value::Null => GoValue::Null,
        Value::Bool(b) => GoValue::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                GoValue::Int(i)
            } else if let Some(u) = n.as_u64() {
                GoValue::Uint(u)
            } else {
                GoValue::Float(n.as_f64().unwrap_or(0.0))
            }
        }
        Value::String(s) => GoValue::Str(s.clone()),
        Value::Array(a) => GoValue::Seq(a.iter().map(json_to_go).collect()),
        Value::Object(o) => {
            let mut m = crate::decode::GoMap::default();
            for (k, v) in o {
                m.insert(GoValue::Str(k.clone()), json_to_go(v));
            }
            GoValue::Map(m)
        }
    }
}

/// sigs.k8s.io/yaml.Marshal: Go's json.Marshal text, read back by yaml.v2 (which can fail: a DEL
/// character, a key longer than 1024 characters), then yaml.v2's Marshal.
pub fn try_to_string(v: &serde_json::Value) -> Result<String, crate::decode::Failure> {
    let mut json = String::new();
    go_json(v, &mut json);
    let go = crate::decode::unmarshal_first(&json)?;
    Ok(encode_go(&go))
}

/// encoding/json.Marshal's compact text: keys sorted by bytes, HTML-escaped strings, Go float format.
pub fn go_json(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                out.push_str(&format_json(n.as_f64().unwrap_or(0.0)));
            }
        }
        Value::String(s) => go_json_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, it) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(it, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_string(k, out);
                out.push(':');
                go_json(&o[k.as_str()], out);
            }
            out.push('}');
        }
    }
}

fn go_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// yaml.v3 Encoder with SetIndent(2) of a Go value.
pub fn encode_go_v3(v: &GoValue) -> String {
    let mut e = Emitter::new();
    e.v3 = true;
    e.best_width = usize::MAX;
    e.emit_node(v, true, false, false, false, 0);
    e.write_indent();
    e.out
}

/// yaml.v2 Marshal of a Go value.
pub fn encode_go(v: &GoValue) -> String {
    let mut e = Emitter::new();
    e.emit_node(v, true, false, false, false, 0);
    // Document end (implicit): a final line break when the line is not empty.
    e.write_indent();
    e.out
}

// ---- key order (sorter.go) --------------------------------------------------------------------------

fn is_letter(c: char) -> bool {
    c.is_alphabetic()
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

/// keyList.Less for two string keys (`v3`: yaml.v3's variant, where after a digit run a letter sorts
/// before a non-letter the other way round).
pub fn key_less(a: &[char], b: &[char], v3: bool) -> bool {
    let n = a.len().min(b.len());
    let mut digits = false;
    for i in 0..n {
        if a[i] == b[i] {
            digits = is_digit(a[i]);
            continue;
        }
        let al = is_letter(a[i]);
        let bl = is_letter(b[i]);
        if al && bl {
            return a[i] < b[i];
        }
        if al || bl {
            if v3 && digits {
                return al;
            }
            return bl;
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if a[i] == '0' || b[i] == '0' {
            let mut j = i as isize - 1;
            while j >= 0 && is_digit(a[j as usize]) {
                if a[j as usize] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
                j -= 1;
            }
        }
        let mut ai = i;
        while ai < a.len() && is_digit(a[ai]) {
            an = an.wrapping_mul(10).wrapping_add(a[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < b.len() && is_digit(b[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(b[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return a[i] < b[i];
    }
    a.len() < b.len()
}

fn kind_rank(v: &GoValue) -> u8 {
    // reflect.Kind order: Bool=1, Int=2, Int64=6, Uint64=11, Float64=14, Map=21, Slice=23, String=24;
    // nil interfaces are Invalid (0).
    match v {
        GoValue::Null => 0,
        GoValue::Bool(_) => 1,
        GoValue::Int(_) => 2,
        GoValue::Uint(_) => 11,
        GoValue::Float(_) => 14,
        GoValue::Map(_) => 21,
        GoValue::Seq(_) => 23,
        GoValue::Str(_) => 24,
    }
}

fn key_float(v: &GoValue) -> Option<f64> {
    match v {
        GoValue::Int(i) => Some(*i as f64),
        GoValue::Uint(u) => Some(*u as f64),
        GoValue::Float(f) => Some(*f),
        GoValue::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

fn go_key_less(a: &GoValue, b: &GoValue, v3: bool) -> bool {
    let (ak, bk) = (kind_rank(a), kind_rank(b));
    if let (Some(af), Some(bf)) = (key_float(a), key_float(b)) {
        if af != bf {
            return af < bf;
        }
        if ak != bk {
            return ak < bk;
        }
        return match (a, b) {
            (GoValue::Int(x), GoValue::Int(y)) => x < y,
            (GoValue::Uint(x), GoValue::Uint(y)) => x < y,
            (GoValue::Float(x), GoValue::Float(y)) => x < y,
            (GoValue::Bool(x), GoValue::Bool(y)) => !x && *y,
            _ => false,
        };
    }
    match (a, b) {
        (GoValue::Str(x), GoValue::Str(y)) => {
            let xa: Vec<char> = x.chars().collect();
            let ya: Vec<char> = y.chars().collect();
            key_less(&xa, &ya, v3)
        }
        _ => ak < bk,
    }
}

fn sorted_entries(m: &crate::decode::GoMap, v3: bool) -> Vec<&(GoValue, GoValue)> {
    let mut v: Vec<&(GoValue, GoValue)> = m.entries.iter().collect();
    // Precompute char vectors for string keys: sorting large maps stays n log n.
    let keys: Vec<Option<Vec<char>>> =
        v.iter().map(|(k, _)| if let GoValue::Str(s) = k { Some(s.chars().collect()) } else { None }).collect();
    let less = |i: usize, j: usize| match (&keys[i], &keys[j]) {
        (Some(a), Some(b)) => key_less(a, b, v3),
        _ => go_key_less(&v[i].0, &v[j].0, v3),
    };
    let idx = merge_sort((0..v.len()).collect(), &less);
    let out: Vec<&(GoValue, GoValue)> = idx.iter().map(|&i| v[i]).collect();
    v.clear();
    out
}

/// Stable merge sort driven only by `less`: keyList.Less is not always a total order (Go's own result
/// then depends on map order), and a sort that trusts the order could panic.
fn merge_sort(mut items: Vec<usize>, less: &dyn Fn(usize, usize) -> bool) -> Vec<usize> {
    let n = items.len();
    let mut buf = items.clone();
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                if less(items[j], items[i]) {
                    buf[k] = items[j];
                    j += 1;
                } else {
                    buf[k] = items[i];
                    i += 1;
                }
                k += 1;
            }
            while i < mid {
                buf[k] = items[i];
                i += 1;
                k += 1;
            }
            while j < end {
                buf[k] = items[j];
                j += 1;
                k += 1;
            }
            start = end;
        }
        std::mem::swap(&mut items, &mut buf);
        width *= 2;
    }
    items
}

// ---- emitter ------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

struct Analysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// go-yaml's is_printable (UTF-8 byte test), by code point.
fn is_printable(c: char) -> bool {
    let v = c as u32;
    v == 0x0A
        || (0x20..=0x7E).contains(&v)
        || (0xA0..=0xD7FF).contains(&v)
        || ((0xE000..=0xFFFF).contains(&v) && v != 0xFEFF && v != 0xFFFE && v != 0xFFFF)
}

/// analyze_scalar; `v3`: yaml.v3 keeps block style for text with tabs.
fn analyze(value: &[char], v3: bool) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = false;
    let mut flow_indicators = false;
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut tab_characters = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let mut previous_break = false;
    if value.len() >= 3 && ((value[0] == '-' && value[1] == '-' && value[2] == '-') || (value[0] == '.' && value[1] == '.' && value[2] == '.')) {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let n = value.len();
    for i in 0..n {
        let c = value[i];
        let followed_by_whitespace = i + 1 >= n || is_blank(value[i + 1]);
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                '?' | ':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                '-' => {
                    if followed_by_whitespace {
                        flow_indicators = true;
                        block_indicators = true;
                    }
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_indicators = true,
                ':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                '#' => {
                    if preceded_by_whitespace {
                        flow_indicators = true;
                        block_indicators = true;
                    }
                }
                _ => {}
            }
        }
        if v3 && c == '\t' {
            tab_characters = true;
        } else if !is_printable(c) {
            special_characters = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == n {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == n {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blank(c) || is_break(c) || c == '\0';
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || tab_characters || special_characters {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.block_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_indicators {
        a.flow_plain_allowed = false;
    }
    if block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

struct Emitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    indent: isize,
    indents: Vec<isize>,
    flow_level: usize,
    root_context: bool,
    mapping_context: bool,
    simple_key_context: bool,
    best_width: usize,
    best_indent: isize,
    /// yaml.v3's encoder: sequences indented under their key, no line folding, v3 key order.
    v3: bool,
}

/// A scalar as encode.go hands it to the emitter: its text and the style it asks for.
/// `v3`: yaml.v3 also resolves `<<` (a merge key), so quotes it.
fn scalar_of(v: &GoValue, v3: bool) -> Option<(String, Style)> {
    Some(match v {
        GoValue::Null => ("null".into(), Style::Plain),
        GoValue::Bool(b) => (b.to_string(), Style::Plain),
        GoValue::Int(i) => (i.to_string(), Style::Plain),
        GoValue::Uint(u) => (u.to_string(), Style::Plain),
        GoValue::Float(f) => {
            let s = format_g(*f, false);
            let s = match s.as_str() {
                "+Inf" => ".inf".to_string(),
                "-Inf" => "-.inf".to_string(),
                "NaN" => ".nan".to_string(),
                _ => s,
            };
            (s, Style::Plain)
        }
        GoValue::Str(s) => {
            let can_plain = matches!(resolve("", s), Ok((t, _)) if t == STR) && !is_base60_float(s) && !(v3 && s == "<<");
            let style = if s.contains('\n') {
                Style::Literal
            } else if can_plain {
                Style::Plain
            } else {
                Style::Double
            };
            (s.clone(), style)
        }
        GoValue::Seq(_) | GoValue::Map(_) => return None,
    })
}

const MAX_EMIT_DEPTH: usize = 2000;

impl Emitter {
    fn new() -> Emitter {
        Emitter {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
            indent: -1,
            indents: Vec::new(),
            flow_level: 0,
            root_context: false,
            mapping_context: false,
            simple_key_context: false,
            best_width: 80,
            best_indent: 2,
            v3: false,
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.write(c);
            self.column = 0;
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { self.best_indent } else { 0 };
        } else if !indentless {
            self.indent += self.best_indent;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_whitespace: bool, is_whitespace: bool, is_indention: bool) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.write(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn emit_node(&mut self, v: &GoValue, root: bool, _sequence: bool, mapping: bool, simple_key: bool, depth: usize) {
        self.root_context = root;
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        if depth > MAX_EMIT_DEPTH {
            self.emit_scalar("...", Style::Plain);
            return;
        }
        match v {
            GoValue::Seq(items) => {
                if self.flow_level > 0 || items.is_empty() {
                    self.emit_flow_sequence(items, depth);
                } else {
                    self.emit_block_sequence(items, depth);
                }
            }
            GoValue::Map(m) => {
                let entries = sorted_entries(m, self.v3);
                if self.flow_level > 0 || entries.is_empty() {
                    self.emit_flow_mapping(&entries, depth);
                } else {
                    self.emit_block_mapping(&entries, depth);
                }
            }
            _ => {
                let (s, style) = scalar_of(v, self.v3).unwrap_or_default_scalar();
                self.emit_scalar(&s, style);
            }
        }
    }

    fn emit_block_sequence(&mut self, items: &[GoValue], depth: usize) {
        let indentless = !self.v3 && self.mapping_context && !self.indention;
        self.increase_indent(false, indentless);
        for it in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.emit_node(it, false, true, false, false, depth + 1);
        }
        self.pop_indent();
    }

    fn emit_flow_sequence(&mut self, items: &[GoValue], depth: usize) {
        self.write_indicator("[", true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                self.write_indicator(",", false, false, false);
            }
            if self.column > self.best_width {
                self.write_indent();
            }
            self.emit_node(it, false, true, false, false, depth + 1);
        }
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator("]", false, false, false);
    }

    /// check_simple_key for a key about to be written.
    fn simple_key(&self, k: &GoValue) -> bool {
        match k {
            GoValue::Seq(items) => items.is_empty(),
            GoValue::Map(m) => m.entries.is_empty(),
            _ => match scalar_of(k, self.v3) {
                Some((s, _)) => {
                    let chars: Vec<char> = s.chars().collect();
                    !analyze(&chars, self.v3).multiline && s.len() <= 128
                }
                None => false,
            },
        }
    }

    fn emit_block_mapping(&mut self, entries: &[&(GoValue, GoValue)], depth: usize) {
        self.increase_indent(false, false);
        for (k, v) in entries.iter().map(|e| (&e.0, &e.1)) {
            self.write_indent();
            if self.simple_key(k) {
                self.emit_node(k, false, false, true, true, depth + 1);
                self.write_indicator(":", false, false, false);
                self.emit_node(v, false, false, true, false, depth + 1);
            } else {
                self.write_indicator("?", true, false, true);
                self.emit_node(k, false, false, true, false, depth + 1);
                self.write_indent();
                self.write_indicator(":", true, false, true);
                self.emit_node(v, false, false, true, false, depth + 1);
            }
        }
        self.pop_indent();
    }

    fn emit_flow_mapping(&mut self, entries: &[&(GoValue, GoValue)], depth: usize) {
        self.write_indicator("{", true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        for (i, (k, v)) in entries.iter().map(|e| (&e.0, &e.1)).enumerate() {
            if i > 0 {
                self.write_indicator(",", false, false, false);
            }
            if self.column > self.best_width {
                self.write_indent();
            }
            if self.simple_key(k) {
                self.emit_node(k, false, false, true, true, depth + 1);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, false);
                self.emit_node(k, false, false, true, false, depth + 1);
                if self.column > self.best_width {
                    self.write_indent();
                }
                self.write_indicator(":", true, false, false);
            }
            self.emit_node(v, false, false, true, false, depth + 1);
        }
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator("}", false, false, false);
    }

    fn emit_scalar(&mut self, s: &str, requested: Style) {
        let value: Vec<char> = s.chars().collect();
        let a = analyze(&value, self.v3);
        let mut style = requested;
        if self.simple_key_context && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            if (self.flow_level > 0 && !a.flow_plain_allowed) || (self.flow_level == 0 && !a.block_plain_allowed) {
                style = Style::Single;
            }
            if value.is_empty() && (self.flow_level > 0 || self.simple_key_context) {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block_allowed || self.flow_level > 0 || self.simple_key_context) {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(&value, allow_breaks),
            Style::Single => self.write_single(&value, allow_breaks),
            Style::Double => self.write_double(&value, allow_breaks),
            Style::Literal => self.write_literal(&value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, v: &[char], allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < v.len() {
            let c = v[i];
            if c == ' ' {
                let next_space = v.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > self.best_width && !next_space {
                    self.write_indent();
                } else {
                    self.write(c);
                }
                i += 1;
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                i += 1;
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(c);
                i += 1;
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
        let _ = self.root_context;
    }

    fn write_single(&mut self, v: &[char], allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let n = v.len();
        let mut i = 0;
        while i < n {
            let c = v[i];
            if c == ' ' {
                let next_space = v.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > self.best_width && i > 0 && i < n - 1 && !next_space {
                    self.write_indent();
                } else {
                    self.write(c);
                }
                i += 1;
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                i += 1;
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.write(c);
                i += 1;
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, v: &[char], allow_breaks: bool) {
        let mut spaces = false;
        self.write_indicator("\"", true, false, false);
        let n = v.len();
        let mut i = 0;
        while i < n {
            let c = v[i];
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                i += 1;
                self.put('\\');
                let cv = c as u32;
                match cv {
                    0x00 => self.put('0'),
                    0x07 => self.put('a'),
                    0x08 => self.put('b'),
                    0x09 => self.put('t'),
                    0x0A => self.put('n'),
                    0x0B => self.put('v'),
                    0x0C => self.put('f'),
                    0x0D => self.put('r'),
                    0x1B => self.put('e'),
                    0x22 => self.put('"'),
                    0x5C => self.put('\\'),
                    0x85 => self.put('N'),
                    0xA0 => self.put('_'),
                    0x2028 => self.put('L'),
                    0x2029 => self.put('P'),
                    _ => {
                        let (letter, width) = if cv <= 0xFF {
                            ('x', 2)
                        } else if cv <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(letter);
                        for k in (0..width).rev() {
                            let digit = (cv >> (4 * k)) & 0xF;
                            let ch = std::char::from_digit(digit, 16).unwrap_or('0').to_ascii_uppercase();
                            self.put(ch);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > self.best_width && i > 0 && i < n - 1 {
                    self.write_indent();
                    if v.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.write(c);
                }
                i += 1;
                spaces = true;
            } else {
                self.write(c);
                i += 1;
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_block_hints(&mut self, v: &[char]) {
        if let Some(&c0) = v.first() {
            if c0 == ' ' || is_break(c0) {
                let hint = char::from(b'0' + self.best_indent as u8);
                self.write_indicator(&hint.to_string(), false, false, false);
            }
        }
        let chomp = if v.is_empty() {
            Some('-')
        } else {
            let last = v.len() - 1;
            if !is_break(v[last]) {
                Some('-')
            } else if last == 0 {
                Some('+')
            } else if is_break(v[last - 1]) {
                Some('+')
            } else {
                None
            }
        };
        if let Some(c) = chomp {
            self.write_indicator(&c.to_string(), false, false, false);
        }
    }

    fn write_literal(&mut self, v: &[char]) {
        self.write_indicator("|", true, false, false);
        self.write_block_hints(v);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in v {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

trait OrDefaultScalar {
    fn unwrap_or_default_scalar(self) -> (String, Style);
}

impl OrDefaultScalar for Option<(String, Style)> {
    fn unwrap_or_default_scalar(self) -> (String, Style) {
        self.unwrap_or_else(|| ("null".into(), Style::Plain))
    }
}
