//! Sprig's defaults.go: `default`, `empty`, `coalesce`, `all`, `any`, `ternary`, the JSON functions and
//! `deepCopy`; plus reflect.go's `typeOf`, `kindOf` and friends.

use crate::json::{self, Style};
use crate::util::*;
use gotemplate::ArgType::{Any, Bool, String as Str};
use gotemplate::{FuncMap, Value};

const PLAIN: Style = Style { escape_html: true, indent: None };
const PRETTY: Style = Style { escape_html: true, indent: Some("  ") };
const RAW: Style = Style { escape_html: false, indent: None };

pub fn register(m: &mut FuncMap) {
    reg_var(m, "default", &[Any], Any, |a| {
        if a.len() < 2 || empty(&a[1]) {
            Ok(arg(a, 0).clone())
        } else {
            Ok(a[1].clone())
        }
    });
    reg(m, "empty", &[Any], |a| Ok(Value::Bool(empty(arg(a, 0)))));
    reg_var(m, "coalesce", &[], Any, |a| Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or(Value::Nil)));
    reg_var(m, "all", &[], Any, |a| Ok(Value::Bool(a.iter().all(|v| !empty(v)))));
    reg_var(m, "any", &[], Any, |a| Ok(Value::Bool(a.iter().any(|v| !empty(v)))));
    reg(m, "ternary", &[Any, Any, Bool], |a| {
        Ok(if matches!(arg(a, 2), Value::Bool(true)) { arg(a, 0).clone() } else { arg(a, 1).clone() })
    });
    reg(m, "fromJson", &[Str], |a| Ok(json::unmarshal(&s(a, 0)).unwrap_or(Value::Nil)));
    reg(m, "mustFromJson", &[Str], |a| json::unmarshal(&s(a, 0)));
    reg(m, "toJson", &[Any], |a| Ok(Value::string(json::marshal(arg(a, 0), PLAIN).unwrap_or_default())));
    reg(m, "mustToJson", &[Any], |a| json::marshal(arg(a, 0), PLAIN).map(Value::string));
    reg(m, "toPrettyJson", &[Any], |a| Ok(Value::string(json::marshal(arg(a, 0), PRETTY).unwrap_or_default())));
    reg(m, "mustToPrettyJson", &[Any], |a| json::marshal(arg(a, 0), PRETTY).map(Value::string));
    // toRawJson panics where mustToRawJson returns the error; both read the same to the template.
    reg(m, "toRawJson", &[Any], |a| json::marshal(arg(a, 0), RAW).map(Value::string));
    reg(m, "mustToRawJson", &[Any], |a| json::marshal(arg(a, 0), RAW).map(Value::string));
    for name in ["deepCopy", "mustDeepCopy"] {
        reg(m, name, &[Any], |a| match arg(a, 0) {
            Value::Nil | Value::Invalid => Err("reflect: call of reflect.Value.Type on zero Value".into()),
            v => Ok(v.deep_copy()),
        });
    }

    reg(m, "typeOf", &[Any], |a| Ok(Value::string(type_of(arg(a, 0)))));
    reg(m, "typeIs", &[Str, Any], |a| Ok(Value::Bool(s(a, 0) == type_of(arg(a, 1)))));
    reg(m, "typeIsLike", &[Str, Any], |a| {
        let (t, target) = (type_of(arg(a, 1)), s(a, 0));
        Ok(Value::Bool(target == t || format!("*{target}") == t))
    });
    reg(m, "kindOf", &[Any], |a| Ok(Value::str(arg(a, 0).kind_name())));
    reg(m, "kindIs", &[Str, Any], |a| Ok(Value::Bool(s(a, 0) == arg(a, 1).kind_name())));
    reg(m, "deepEqual", &[Any, Any], |a| Ok(Value::Bool(deep_equal(arg(a, 0), arg(a, 1)))));
}

/// `fmt.Sprintf("%T", v)`.
fn type_of(v: &Value) -> String {
    gotemplate::fmt::sprintf("%T", std::slice::from_ref(v))
}
