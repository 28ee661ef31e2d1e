//! Shared fixtures for the table tests: the functions and the struct the Go oracle registers, and the
//! tagged-JSON data format of the case files.

#![allow(dead_code)]

use std::rc::Rc;

use gotemplate::{ArgType, FuncMap, Function, Map, Object, Signature, Value};

/// The oracle's `*main.Obj{Name: "objname", M: {"k": "v"}}` with methods Get, Hello, Fail, Join.
pub struct TestObj;

impl Object for TestObj {
    fn type_name(&self) -> String {
        "*main.Obj".into()
    }
    fn kind(&self) -> &'static str {
        "ptr"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Name" => Some(Value::str("objname")),
            "M" => {
                let mut m = Map::new();
                m.insert("k".into(), Value::str("v"));
                Some(Value::map(m))
            }
            _ => None,
        }
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "Get" | "Hello" | "Fail" | "Join")
    }
    fn method_signature(&self, name: &str) -> Option<Signature> {
        Some(match name {
            "Get" => Signature::new(&[ArgType::String]),
            "Join" => Signature::new(&[ArgType::String, ArgType::Int]),
            "Hello" | "Fail" => Signature::new(&[]),
            _ => return None,
        })
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        Some(match (name, args) {
            ("Get", [Value::String(s)]) => Ok(Value::string(format!("got:{s}"))),
            ("Hello", []) => Ok(Value::str("hello objname")),
            ("Fail", []) => Err("obj failure".into()),
            ("Join", [Value::String(a), Value::Int(b)]) => Ok(Value::string(format!("{a}{b}"))),
            _ => Err(format!("bad call of {name}")),
        })
    }
    fn display(&self) -> String {
        "&{objname <nil> map[k:v]}".into()
    }
}

fn f(name: &str, sig: Signature, body: impl Fn(&[Value]) -> Result<Value, String> + 'static, m: &mut FuncMap) {
    m.insert(name.to_string(), Function::pure(sig, body));
}

/// The functions the oracle registers, with the same Go signatures.
pub fn test_funcs() -> FuncMap {
    use ArgType::*;
    let mut m = FuncMap::new();
    let int = |v: &Value| match v {
        Value::Int(i) | Value::Int64(i) => *i,
        _ => 0,
    };
    f("fint", Signature::new(&[Int]), move |a| Ok(Value::Int(int(&a[0]) * 10)), &mut m);
    f("fint64", Signature::new(&[Int64]), move |a| Ok(Value::Int64(int(&a[0]) * 10)), &mut m);
    f(
        "ffloat",
        Signature::new(&[Float64]),
        |a| match a[0] {
            Value::Float(x) => Ok(Value::Float(x * 2.0)),
            _ => Err("bad".into()),
        },
        &mut m,
    );
    f("fstr", Signature::new(&[String]), |a| Ok(Value::string(format!("<{}>", a[0].as_str().unwrap_or("")))), &mut m);
    f("fbool", Signature::new(&[Bool]), |a| Ok(Value::Bool(!a[0].is_true())), &mut m);
    f("fany", Signature::new(&[Any]), |a| Ok(a[0].clone()), &mut m);
    f(
        "flist",
        Signature::new(&[List]),
        |a| match &a[0] {
            Value::List(l) => Ok(Value::Int(l.borrow().len() as i64)),
            _ => Err("bad".into()),
        },
        &mut m,
    );
    f(
        "fmap",
        Signature::new(&[Map]),
        |a| match &a[0] {
            Value::Map(x) => Ok(Value::Int(x.borrow().len() as i64)),
            _ => Err("bad".into()),
        },
        &mut m,
    );
    f(
        "fstrs",
        Signature::new(&[StringList]),
        |a| match &a[0] {
            Value::List(l) => Ok(Value::string(
                l.borrow().iter().map(|v| v.as_str().unwrap_or("").to_string()).collect::<Vec<_>>().join(","),
            )),
            _ => Err("bad".into()),
        },
        &mut m,
    );
    f(
        "fvar",
        Signature::variadic(&[String], Int),
        move |a| {
            let rest: Vec<std::string::String> = a[1..].iter().map(|v| int(v).to_string()).collect();
            Ok(Value::string(format!("{}[{}]", a[0].as_str().unwrap_or(""), rest.join(" "))))
        },
        &mut m,
    );
    f("fvarany", Signature::variadic(&[], Any), |a| Ok(Value::Int(a.len() as i64)), &mut m);
    f("ferr", Signature::new(&[]), |_| Err("boom".into()), &mut m);
    f("fnil", Signature::new(&[]), |_| Ok(Value::Nil), &mut m);
    f(
        "fdict",
        Signature::new(&[]),
        |_| {
            let mut inner = gotemplate::Map::new();
            inner.insert("c".into(), Value::str("d"));
            let mut m = gotemplate::Map::new();
            m.insert("a".into(), Value::Int(1));
            m.insert("b".into(), Value::map(inner));
            Ok(Value::map(m))
        },
        &mut m,
    );
    m.insert(
        "include".into(),
        Function::with_runtime(Signature::new(&[String, Any]), |rt, a| {
            let name = a[0].as_str().unwrap_or("").to_string();
            rt.execute_named(&name, a[1].clone()).map(Value::string)
        }),
    );
    m.insert(
        "tpl".into(),
        Function::with_runtime(Signature::new(&[String, Any]), |rt, a| {
            let text = a[0].as_str().unwrap_or("").to_string();
            let q = gotemplate::go_quote(&text);
            match rt.execute_text("gotpl", &text, a[1].clone()) {
                Ok(s) => Ok(Value::string(s)),
                Err(e) if e.contains(": executing ") => {
                    Err(format!("error during tpl function execution for {q}: {e}"))
                }
                Err(e) => Err(format!("cannot parse template {q}: {e}")),
            }
        }),
    );
    f("flst", Signature::new(&[]), |_| Ok(Value::list(vec![Value::Int(1), Value::str("two"), Value::Nil])), &mut m);
    m
}

/// Tagged JSON (as the oracle reads it) to a template value.
pub fn to_value(j: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match j {
        J::Object(o) if o.len() == 1 => {
            let (k, v) = o.iter().next().unwrap();
            match k.as_str() {
                "$i" => return Value::Int(v.as_f64().unwrap() as i64),
                "$i64" => return Value::Int64(v.as_f64().unwrap() as i64),
                "$b" => return Value::Bytes(Rc::from(v.as_str().unwrap().as_bytes())),
                "$s" => return Value::list(v.as_array().unwrap().iter().map(to_value).collect()),
                "$nil" => return Value::Nil,
                "$obj" => return Value::Object(Rc::new(TestObj)),
                _ => {}
            }
            Value::map(o.iter().map(|(k, v)| (k.clone(), to_value(v))).collect())
        }
        J::Object(o) => Value::map(o.iter().map(|(k, v)| (k.clone(), to_value(v))).collect()),
        J::Array(a) => Value::list(a.iter().map(to_value).collect()),
        J::Number(n) => Value::Float(n.as_f64().unwrap()),
        J::String(s) => Value::str(s),
        J::Bool(b) => Value::Bool(*b),
        J::Null => Value::Nil,
    }
}
