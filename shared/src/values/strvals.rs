//! The `--set` family's `a.b[0].c=x,d={1,2}` syntax, as Helm's `pkg/strvals` parses it: the same
//! escapes, type inference (int64, bool, null), index limits, and error texts (including the ones Go
//! produces by recovering from a failed type assertion).

use serde_json::{Map, Value};

use super::fmt::go_type;
use crate::chart::metadata_quote as go_quote;

/// `strvals.MaxIndex`.
pub const MAX_INDEX: i64 = 65536;
/// `strvals.MaxNestedNameLevel`.
pub const MAX_NESTED_NAME_LEVEL: usize = 30;

/// A parse failure. `eof` errors (Go's `io.EOF`, possibly wrapped) end parsing successfully.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub text: String,
    eof: bool,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for ParseError {}

fn err(text: impl Into<String>) -> ParseError {
    ParseError { text: text.into(), eof: false }
}

fn eof() -> ParseError {
    ParseError { text: "EOF".into(), eof: true }
}

fn wrap(ctx: &str, e: ParseError) -> ParseError {
    ParseError { text: format!("{}: {}", ctx, e.text), eof: e.eof }
}

/// How values on the right of `=` are turned into data.
pub enum Mode<'a> {
    /// `--set`: typed values (int64, bool, null, string).
    Typed,
    /// `--set-string`: always strings.
    String,
    /// `--set-json`: a JSON value.
    Json,
    /// `--set-file`: the value names a file whose content (a string) is the value.
    File(&'a mut dyn FnMut(&str) -> Result<Value, String>),
}

struct Parser<'a, 'm> {
    sc: Vec<char>,
    pos: usize,
    mode: &'a mut Mode<'m>,
}

/// Go's interface-conversion panic text, as strvals recovers it.
fn conversion_panic(have: Option<&Value>, want: &str) -> ParseError {
    let have = match have {
        None | Some(Value::Null) => "nil",
        Some(v) => go_type(v),
    };
    err(format!("unable to parse key: interface conversion: interface {{}} is {}, not {}", have, want))
}

const LIST: &str = "[]interface {}";
const MAP: &str = "map[string]interface {}";

/// `strvals.typedVal`.
pub fn typed_val(v: &str, as_string: bool) -> Value {
    if as_string {
        return Value::String(v.to_string());
    }
    if v.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if v.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if v.eq_ignore_ascii_case("null") {
        return Value::Null;
    }
    if v == "0" {
        return Value::from(0i64);
    }
    if !v.is_empty() && !v.starts_with('0') {
        if let Some(i) = parse_go_int(v) {
            return Value::from(i);
        }
    }
    Value::String(v.to_string())
}

/// `strconv.ParseInt(v, 10, 64)`.
fn parse_go_int(v: &str) -> Option<i64> {
    let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse::<i64>().ok()
}

/// `strconv.Atoi` with Go's error text.
fn go_atoi(s: &str) -> Result<i64, ParseError> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(format!("strconv.Atoi: parsing {}: invalid syntax", go_quote(s))));
    }
    s.parse::<i64>().map_err(|_| err(format!("strconv.Atoi: parsing {}: value out of range", go_quote(s))))
}

/// Go's `%q` of a `[]rune`: `['a' 'b']`.
fn quote_runes(rs: &[char]) -> String {
    let parts: Vec<String> = rs
        .iter()
        .map(|c| match c {
            '\'' => "'\\''".to_string(),
            '\\' => "'\\\\'".to_string(),
            '\n' => "'\\n'".to_string(),
            '\t' => "'\\t'".to_string(),
            c if c.is_control() => format!("'\\x{:02x}'", *c as u32),
            c => format!("'{}'", c),
        })
        .collect();
    format!("[{}]", parts.join(" "))
}

fn set(data: &mut Map<String, Value>, key: &str, val: Value) {
    if !key.is_empty() {
        data.insert(key.to_string(), val);
    }
}

fn set_index(mut list: Vec<Value>, index: i64, val: Value) -> Result<Vec<Value>, (Vec<Value>, ParseError)> {
    if index < 0 {
        return Err((list, err(format!("negative {} index not allowed", index))));
    }
    if index > MAX_INDEX {
        return Err((list, err(format!("index of {} is greater than maximum supported index of {}", index, MAX_INDEX))));
    }
    let i = index as usize;
    if list.len() <= i {
        list.resize(i + 1, Value::Null);
    }
    list[i] = val;
    Ok(list)
}

impl Parser<'_, '_> {
    fn read(&mut self) -> Option<char> {
        let c = self.sc.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn unread(&mut self) {
        if self.pos > 0 {
            self.pos -= 1;
        }
    }

    /// `runesUntil`: reads up to a stop rune, handling `\` escapes.
    fn until(&mut self, stop: &[char]) -> (Vec<char>, Option<char>, bool) {
        let mut v = Vec::new();
        loop {
            match self.read() {
                None => return (v, None, true),
                Some(r) if stop.contains(&r) => return (v, Some(r), false),
                Some('\\') => match self.read() {
                    None => return (v, None, true),
                    Some(n) => v.push(n),
                },
                Some(r) => v.push(r),
            }
        }
    }

    fn parse(&mut self, data: &mut Map<String, Value>) -> Result<(), ParseError> {
        loop {
            match self.key(data, 0) {
                Ok(()) => continue,
                Err(e) if e.eof => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }

    fn reader(&mut self, rs: &[char]) -> Result<Value, ParseError> {
        let s: String = rs.iter().collect();
        match self.mode {
            Mode::Typed => Ok(typed_val(&s, false)),
            Mode::String => Ok(typed_val(&s, true)),
            Mode::Json => Ok(typed_val(&s, false)),
            Mode::File(f) => f(&s).map_err(err),
        }
    }

    fn is_json(&self) -> bool {
        matches!(self.mode, Mode::Json)
    }

    fn key(&mut self, data: &mut Map<String, Value>, mut level: usize) -> Result<(), ParseError> {
        let (k, last, is_eof) = self.until(&['=', '[', ',', '.']);
        let k: String = k.into_iter().collect();
        if is_eof {
            if k.is_empty() {
                return Err(eof());
            }
            return Err(err(format!("key {} has no value", go_quote(&k))));
        }
        match last {
            Some('[') => {
                let i = self.key_index().map_err(|e| wrap("error parsing index", e))?;
                let list = match data.get(&k) {
                    None => Vec::new(),
                    Some(Value::Array(a)) => a.clone(),
                    other => return Err(conversion_panic(other, LIST)),
                };
                let (list, res) = match self.list_item(list, i, level) {
                    Ok(l) => (l, Ok(())),
                    Err((l, e)) => (l, Err(e)),
                };
                set(data, &k, Value::Array(list));
                res
            }
            Some('=') => {
                if self.is_json() {
                    if self.empty_val() {
                        set(data, &k, Value::Null);
                        return Ok(());
                    }
                    let v = self.json_value()?;
                    set(data, &k, v);
                    self.empty_val();
                    return Ok(());
                }
                match self.val_list() {
                    Ok(vl) => {
                        set(data, &k, Value::Array(vl));
                        Ok(())
                    }
                    Err(ValListErr::Eof) => {
                        set(data, &k, Value::String(String::new()));
                        Err(eof())
                    }
                    Err(ValListErr::NotList) => {
                        let (rs, _) = self.val();
                        let v = self.reader(&rs);
                        match v {
                            Ok(v) => {
                                set(data, &k, v);
                                Ok(())
                            }
                            Err(e) => Err(e),
                        }
                    }
                    Err(ValListErr::Err(e)) => Err(e),
                }
            }
            Some(',') => {
                set(data, &k, Value::String(String::new()));
                Err(err(format!("key {} has no value (cannot end with ,)", go_quote(&k))))
            }
            _ => {
                // '.'
                level += 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(err(format!(
                        "value name nested level is greater than maximum supported nested level of {}",
                        MAX_NESTED_NAME_LEVEL
                    )));
                }
                let existed = data.contains_key(&k);
                let mut inner = match data.get_mut(&k) {
                    None => Map::new(),
                    Some(Value::Object(m)) => std::mem::take(m),
                    other => return Err(conversion_panic(other.map(|v| &*v), MAP)),
                };
                let e = self.key(&mut inner, level);
                let empty = inner.is_empty();
                if existed || !empty {
                    set(data, &k, Value::Object(inner));
                }
                match e {
                    Ok(()) if empty => Err(err(format!("key map {} has no value", go_quote(&k)))),
                    other => other,
                }
            }
        }
    }

    fn key_index(&mut self) -> Result<i64, ParseError> {
        let (v, _, is_eof) = self.until(&[']']);
        if is_eof {
            return Err(eof());
        }
        go_atoi(&v.into_iter().collect::<String>())
    }

    #[allow(clippy::type_complexity)]
    fn list_item(&mut self, list: Vec<Value>, i: i64, level: usize) -> Result<Vec<Value>, (Vec<Value>, ParseError)> {
        if i < 0 {
            return Err((list, err(format!("negative {} index not allowed", i))));
        }
        let (k, last, is_eof) = self.until(&['[', '.', '=']);
        if !k.is_empty() {
            return Err((list, err(format!("unexpected data at end of array index: {}", quote_runes(&k)))));
        }
        if is_eof {
            return Err((list, eof()));
        }
        match last {
            Some('=') => {
                if self.is_json() {
                    if self.empty_val() {
                        return set_index(list, i, Value::Null);
                    }
                    let v = match self.json_value() {
                        Ok(v) => v,
                        Err(e) => return Err((list, e)),
                    };
                    let list = set_index(list, i, v)?;
                    self.empty_val();
                    return Ok(list);
                }
                match self.val_list() {
                    Ok(vl) => set_index(list, i, Value::Array(vl)),
                    Err(ValListErr::Eof) => set_index(list, i, Value::String(String::new())),
                    Err(ValListErr::NotList) => {
                        let (rs, _) = self.val();
                        match self.reader(&rs) {
                            Ok(v) => set_index(list, i, v),
                            Err(e) => Err((list, e)),
                        }
                    }
                    Err(ValListErr::Err(e)) => Err((list, e)),
                }
            }
            Some('[') => {
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return Err((list, wrap("error parsing index", e))),
                };
                let crt = match list.get(i as usize) {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(a)) => a.clone(),
                    Some(other) => {
                        let e = conversion_panic(Some(other), LIST);
                        return Err((list, e));
                    }
                };
                match self.list_item(crt, next, level) {
                    Ok(l2) => set_index(list, i, Value::Array(l2)),
                    Err((_, e)) => Err((list, e)),
                }
            }
            _ => {
                // '.'
                let mut list = list;
                let iu = i as usize;
                let mut inner = Map::new();
                if list.len() > iu {
                    match &mut list[iu] {
                        Value::Object(m) => inner = std::mem::take(m),
                        slot => *slot = Value::Object(Map::new()),
                    }
                }
                let e = self.key(&mut inner, level);
                if list.len() > iu {
                    list[iu] = Value::Object(inner.clone());
                }
                match e {
                    Err(e) => Err((list, e)),
                    Ok(()) => set_index(list, i, Value::Object(inner)),
                }
            }
        }
    }

    /// `emptyVal`: true at EOF or after a `,` (skipping white space); otherwise leaves the rune.
    fn empty_val(&mut self) -> bool {
        loop {
            match self.read() {
                None => return true,
                Some(',') => return true,
                Some(r) if r.is_whitespace() => continue,
                Some(_) => {
                    self.unread();
                    return false;
                }
            }
        }
    }

    /// The JSON value after `=` for `--set-json`.
    fn json_value(&mut self) -> Result<Value, ParseError> {
        let rest: String = self.sc[self.pos..].iter().collect();
        let mut stream = serde_json::Deserializer::from_str(&rest).into_iter::<Value>();
        match stream.next() {
            Some(Ok(v)) => {
                let used = rest[..stream.byte_offset()].chars().count();
                self.pos += used;
                Ok(floats(v))
            }
            Some(Err(e)) => Err(err(e.to_string())),
            None => Err(eof()),
        }
    }

    fn val(&mut self) -> (Vec<char>, bool) {
        let (v, _, is_eof) = self.until(&[',']);
        (v, is_eof)
    }

    fn val_list(&mut self) -> Result<Vec<Value>, ValListErr> {
        match self.read() {
            None => return Err(ValListErr::Eof),
            Some('{') => {}
            Some(_) => {
                self.unread();
                return Err(ValListErr::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            let (rs, last, is_eof) = self.until(&[',', '}']);
            if is_eof {
                return Err(ValListErr::Err(err("list must terminate with '}'")));
            }
            if last == Some('}') {
                match self.read() {
                    Some(',') | None => {}
                    Some(_) => self.unread(),
                }
                let v = self.reader(&rs).map_err(ValListErr::Err)?;
                list.push(v);
                return Ok(list);
            }
            let v = self.reader(&rs).map_err(ValListErr::Err)?;
            list.push(v);
        }
    }
}

enum ValListErr {
    Eof,
    NotList,
    Err(ParseError),
}

/// Go's encoding/json decodes every number as float64.
fn floats(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64().and_then(serde_json::Number::from_f64) {
            Some(f) => Value::Number(f),
            None => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(floats).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, floats(v))).collect()),
        other => other,
    }
}

/// Makes every number of a JSON value a float64, as Go's encoding/json decodes them.
pub fn json_numbers_as_floats(v: Value) -> Value {
    floats(v)
}

/// Parses one `--set`-style expression into `dest` (`strvals.ParseInto` and friends).
pub fn parse_into(s: &str, dest: &mut Map<String, Value>, mode: &mut Mode<'_>) -> Result<(), ParseError> {
    let mut p = Parser { sc: s.chars().collect(), pos: 0, mode };
    p.parse(dest)
}

/// `strvals.Parse`: a fresh map from one `--set` expression.
pub fn parse(s: &str) -> Result<Map<String, Value>, ParseError> {
    let mut m = Map::new();
    parse_into(s, &mut m, &mut Mode::Typed)?;
    Ok(m)
}

// ---------------------------------------------------------------------------------------------
// --set-literal

struct LiteralParser {
    sc: Vec<char>,
    pos: usize,
}

impl LiteralParser {
    fn until(&mut self, stop: &[char]) -> (Vec<char>, Option<char>, bool) {
        let mut v = Vec::new();
        loop {
            match self.sc.get(self.pos).copied() {
                None => return (v, None, true),
                Some(r) => {
                    self.pos += 1;
                    if stop.contains(&r) {
                        return (v, Some(r), false);
                    }
                    v.push(r);
                }
            }
        }
    }

    fn rest(&mut self) -> String {
        let s: String = self.sc[self.pos..].iter().collect();
        self.pos = self.sc.len();
        s
    }

    fn key_index(&mut self) -> Result<i64, ParseError> {
        let (v, _, is_eof) = self.until(&[']']);
        if is_eof {
            return Err(eof());
        }
        go_atoi(&v.into_iter().collect::<String>())
    }

    fn key(&mut self, data: &mut Map<String, Value>, mut level: usize) -> Result<(), ParseError> {
        let (k, last, is_eof) = self.until(&['=', '[', '.']);
        let k: String = k.into_iter().collect();
        if is_eof {
            if k.is_empty() {
                return Err(eof());
            }
            return Err(err(format!("key {} has no value", go_quote(&k))));
        }
        match last {
            Some('=') => {
                let v = self.rest();
                set(data, &k, Value::String(v));
                Ok(())
            }
            Some('.') => {
                level += 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(err(format!(
                        "value name nested level is greater than maximum supported nested level of {}",
                        MAX_NESTED_NAME_LEVEL
                    )));
                }
                let existed = data.contains_key(&k);
                let mut inner = match data.get_mut(&k) {
                    None => Map::new(),
                    Some(Value::Object(m)) => std::mem::take(m),
                    other => return Err(conversion_panic(other.map(|v| &*v), MAP)),
                };
                let e = self.key(&mut inner, level);
                let empty = inner.is_empty();
                if existed || !empty {
                    set(data, &k, Value::Object(inner));
                }
                match e {
                    Ok(()) if empty => Err(err(format!("key map {} has no value", go_quote(&k)))),
                    other => other,
                }
            }
            _ => {
                let i = self.key_index().map_err(|e| wrap("error parsing index", e))?;
                let list = match data.get(&k) {
                    None => Vec::new(),
                    Some(Value::Array(a)) => a.clone(),
                    other => return Err(conversion_panic(other, LIST)),
                };
                let (list, res) = match self.list_item(list, i, level) {
                    Ok(l) => (l, Ok(())),
                    Err((l, e)) => (l, Err(e)),
                };
                set(data, &k, Value::Array(list));
                res
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn list_item(&mut self, list: Vec<Value>, i: i64, level: usize) -> Result<Vec<Value>, (Vec<Value>, ParseError)> {
        if i < 0 {
            return Err((list, err(format!("negative {} index not allowed", i))));
        }
        let (k, last, is_eof) = self.until(&['[', '.', '=']);
        if !k.is_empty() {
            return Err((list, err(format!("unexpected data at end of array index: {}", quote_runes(&k)))));
        }
        if is_eof {
            return Err((list, eof()));
        }
        match last {
            Some('=') => {
                let v = self.rest();
                set_index(list, i, Value::String(v))
            }
            Some('.') => {
                let mut list = list;
                let iu = i as usize;
                let mut inner = Map::new();
                if list.len() > iu {
                    match &mut list[iu] {
                        Value::Object(m) => inner = std::mem::take(m),
                        slot => *slot = Value::Object(Map::new()),
                    }
                }
                let e = self.key(&mut inner, level);
                if list.len() > iu {
                    list[iu] = Value::Object(inner.clone());
                }
                match e {
                    Err(e) => Err((list, e)),
                    Ok(()) => set_index(list, i, Value::Object(inner)),
                }
            }
            _ => {
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return Err((list, wrap("error parsing index", e))),
                };
                let crt = match list.get(i as usize) {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(a)) => a.clone(),
                    Some(other) => {
                        let e = conversion_panic(Some(other), LIST);
                        return Err((list, e));
                    }
                };
                match self.list_item(crt, next, level) {
                    Ok(l2) => set_index(list, i, Value::Array(l2)),
                    Err((_, e)) => Err((list, e)),
                }
            }
        }
    }
}

/// `strvals.ParseLiteralInto`: `--set-literal`, where everything after the first `=` is the string.
pub fn parse_literal_into(s: &str, dest: &mut Map<String, Value>) -> Result<(), ParseError> {
    let mut p = LiteralParser { sc: s.chars().collect(), pos: 0 };
    loop {
        match p.key(dest, 0) {
            Ok(()) => continue,
            Err(e) if e.eof => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set_ok(s: &str) -> Value {
        Value::Object(parse(s).unwrap_or_else(|e| panic!("{s}: {e}")))
    }

    fn set_err(s: &str) -> String {
        parse(s).unwrap_err().text
    }

    #[test]
    fn table_observed_with_helm() {
        // Each row was run through Helm 4.1.4's `helm template --set`.
        let ok: &[(&str, Value)] = &[
            ("a[0", json!({})),
            ("a[0]", json!({"a": []})),
            ("a=", json!({"a": ""})),
            (".a=1", json!({})),
            ("a={1,,2},b=x\\,y", json!({"a": [1, "", 2], "b": "x,y"})),
            (
                "a=0,b=01,c=+5,d=-0,e=TRUE,f=Null,g=1e3,h=9223372036854775808",
                json!({"a": 0, "b": "01", "c": 5, "d": 0, "e": true, "f": null, "g": "1e3", "h": "9223372036854775808"}),
            ),
            ("a=null", json!({"a": null})),
            ("a[1][2]=x", json!({"a": [null, [null, null, "x"]]})),
            ("a[0].b=1,a[0].c=2", json!({"a": [{"b": 1, "c": 2}]})),
            ("a=b=c", json!({"a": "b=c"})),
            ("a\\.b=1", json!({"a.b": 1})),
            ("a\\=b=1", json!({"a=b": 1})),
            ("a.b.c=1,a.b.d=2", json!({"a": {"b": {"c": 1, "d": 2}}})),
            ("a={x,y}", json!({"a": ["x", "y"]})),
            ("a={}", json!({"a": [""]})),
            ("a={x},b=1", json!({"a": ["x"], "b": 1})),
            ("a[0]={x,y}", json!({"a": [["x", "y"]]})),
            ("a=1,a=2", json!({"a": 2})),
        ];
        for (s, want) in ok {
            assert_eq!(&set_ok(s), want, "{s}");
        }
        let bad: &[(&str, &str)] = &[
            ("a[0]b=1", "unexpected data at end of array index: ['b']"),
            (
                "a[0]=1,a.b=2",
                "unable to parse key: interface conversion: interface {} is []interface {}, not map[string]interface {}",
            ),
            (
                "a.b=1,a[0]=2",
                "unable to parse key: interface conversion: interface {} is map[string]interface {}, not []interface {}",
            ),
            ("a[x]=1", "error parsing index: strconv.Atoi: parsing \"x\": invalid syntax"),
            ("a", "key \"a\" has no value"),
            ("a,b=1", "key \"a\" has no value (cannot end with ,)"),
            ("a.=1", "key map \"a\" has no value"),
            ("a..b=1", "key map \"a\" has no value"),
            ("a[-1]=1", "negative -1 index not allowed"),
            ("a[65537]=1", "index of 65537 is greater than maximum supported index of 65536"),
            ("a={1,2", "list must terminate with '}'"),
            ("a=1,a.b=2", "unable to parse key: interface conversion: interface {} is int64, not map[string]interface {}"),
            ("a=null,a[0]=2", "unable to parse key: interface conversion: interface {} is nil, not []interface {}"),
        ];
        for (s, want) in bad {
            assert_eq!(set_err(s), *want, "{s}");
        }
        let ok_deep = (0..31).map(|i| format!("k{i}")).collect::<Vec<_>>().join(".") + "=1";
        assert!(parse(&ok_deep).is_ok());
        let deep = (0..32).map(|i| format!("k{i}")).collect::<Vec<_>>().join(".") + "=1";
        assert_eq!(set_err(&deep), "value name nested level is greater than maximum supported nested level of 30");
    }

    #[test]
    fn set_string_and_json_and_literal() {
        let mut m = Map::new();
        parse_into("a=1,b=true,c={1,2}", &mut m, &mut Mode::String).unwrap();
        assert_eq!(Value::Object(m), json!({"a": "1", "b": "true", "c": ["1", "2"]}));

        let mut m = Map::new();
        parse_into("a={\"x\":[1,2]},b=", &mut m, &mut Mode::Json).unwrap();
        assert_eq!(Value::Object(m.clone()), json!({"a": {"x": [1.0, 2.0]}, "b": null}));
        assert!(m["a"]["x"][0].is_f64());

        let mut m = Map::new();
        parse_literal_into("a.b=x,y=z\\,", &mut m).unwrap();
        assert_eq!(Value::Object(m), json!({"a": {"b": "x,y=z\\,"}}));

        let mut m = Map::new();
        let mut reader = |p: &str| -> Result<Value, String> { Ok(Value::String(format!("<{p}>"))) };
        parse_into("a=f.txt,b[0]=g", &mut m, &mut Mode::File(&mut reader)).unwrap();
        assert_eq!(Value::Object(m), json!({"a": "<f.txt>", "b": ["<g>"]}));
    }

    #[test]
    fn no_panics_on_arbitrary_input() {
        let alphabet = ['a', 'b', '=', '[', ']', '.', ',', '{', '}', '\\', '0', '1', '-', ' ', '"', ':', 'é'];
        let mut seed: u64 = 0x9E3779B97F4A7C15;
        for _ in 0..20000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 16) as usize;
            let mut s = String::new();
            let mut x = seed;
            for _ in 0..len {
                s.push(alphabet[(x % alphabet.len() as u64) as usize]);
                x /= alphabet.len() as u64;
                if x == 0 {
                    x = seed.rotate_left(17);
                }
            }
            let _ = parse(&s);
            let mut m = Map::new();
            let _ = parse_into(&s, &mut m, &mut Mode::Json);
            let _ = parse_literal_into(&s, &mut Map::new());
        }
    }
}
