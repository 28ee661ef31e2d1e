//! Sprig's list.go: `list`, `append`/`push`, `prepend`, `first`, `rest`, `last`, `initial`, `reverse`,
//! `uniq`, `without`, `has`, `slice`, `concat`, `chunk`, `compact`, `sortAlpha` and their `must` forms.

use crate::util::*;
use gotemplate::ArgType::{Any, Int};
use gotemplate::{FuncMap, Value};

/// Register `name` and `mustName`: both return the error (Sprig panics in the plain form, which
/// the template reports the same way).
fn both(m: &mut FuncMap, name: &str, params: &[gotemplate::ArgType], f: fn(&[Value]) -> R) {
    reg(m, name, params, f);
    let must = format!("must{}{}", name[..1].to_uppercase(), &name[1..]);
    reg(m, &must, params, f);
}

fn both_var(m: &mut FuncMap, name: &str, params: &[gotemplate::ArgType], f: fn(&[Value]) -> R) {
    reg_var(m, name, params, Any, f);
    let must = format!("must{}{}", name[..1].to_uppercase(), &name[1..]);
    reg_var(m, &must, params, Any, f);
}

/// The items of a slice argument, or Sprig's "Cannot <what> on type <kind>" error.
fn items(v: &Value, what: &str) -> Result<Vec<Value>, String> {
    let kind = kind_of(v)?;
    list_items(v).ok_or_else(|| format!("Cannot {what} on type {kind}"))
}

pub fn register(m: &mut FuncMap) {
    reg_var(m, "list", &[], Any, |a| Ok(Value::list(a.to_vec())));
    reg_var(m, "tuple", &[], Any, |a| Ok(Value::list(a.to_vec())));
    for name in ["append", "push"] {
        both(m, name, &[Any, Any], |a| {
            let mut l = items(arg(a, 0), "push")?;
            l.push(arg(a, 1).clone());
            Ok(Value::list(l))
        });
    }
    both(m, "prepend", &[Any, Any], |a| {
        let mut l = items(arg(a, 0), "prepend")?;
        l.insert(0, arg(a, 1).clone());
        Ok(Value::list(l))
    });
    both(m, "chunk", &[Int, Any], |a| {
        let size = int(a, 0);
        let l = {
            let kind = kind_of(arg(a, 1))?;
            list_items(arg(a, 1)).ok_or_else(|| format!("Cannot chunk type {kind}"))?
        };
        chunk(size, &l)
    });
    both(m, "last", &[Any], |a| Ok(items(arg(a, 0), "find last")?.pop().unwrap_or(Value::Nil)));
    both(m, "first", &[Any], |a| Ok(items(arg(a, 0), "find first")?.into_iter().next().unwrap_or(Value::Nil)));
    both(m, "rest", &[Any], |a| {
        let l = items(arg(a, 0), "find rest")?;
        Ok(Value::list(l.into_iter().skip(1).collect()))
    });
    both(m, "initial", &[Any], |a| {
        let mut l = items(arg(a, 0), "find initial")?;
        l.pop();
        Ok(Value::list(l))
    });
    both(m, "reverse", &[Any], |a| {
        let mut l = items(arg(a, 0), "find reverse")?;
        l.reverse();
        Ok(Value::list(l))
    });
    both(m, "compact", &[Any], |a| {
        Ok(Value::list(items(arg(a, 0), "compact")?.into_iter().filter(|v| !empty(v)).collect()))
    });
    both(m, "uniq", &[Any], |a| {
        let mut out: Vec<Value> = Vec::new();
        for v in items(arg(a, 0), "find uniq")? {
            if !out.iter().any(|h| deep_equal(&v, h)) {
                out.push(v);
            }
        }
        Ok(Value::list(out))
    });
    both_var(m, "without", &[Any], |a| {
        let omit = &a[1.min(a.len())..];
        let l = items(arg(a, 0), "find without")?;
        Ok(Value::list(l.into_iter().filter(|v| !omit.iter().any(|o| deep_equal(v, o))).collect()))
    });
    both(m, "has", &[Any, Any], |a| {
        let hay = arg(a, 1);
        if matches!(hay, Value::Nil | Value::Invalid) {
            return Ok(Value::Bool(false));
        }
        let l = items(hay, "find has")?;
        Ok(Value::Bool(l.iter().any(|v| deep_equal(arg(a, 0), v))))
    });
    both_var(m, "slice", &[Any], |a| {
        let list = arg(a, 0);
        let kind = kind_of(list)?;
        let l = list_items(list).ok_or_else(|| format!("list should be type of slice or array but {kind}"))?;
        if l.is_empty() {
            return Ok(Value::Nil);
        }
        let start = a.get(1).map(to_int64).unwrap_or(0);
        let end = if a.len() < 3 { l.len() as i64 } else { to_int64(&a[2]) };
        if start < 0 || end < start || end > l.len() as i64 {
            return Err("reflect.Value.Slice: slice index out of bounds".into());
        }
        Ok(Value::list(l[start as usize..end as usize].to_vec()))
    });
    reg_var(m, "concat", &[], Any, |a| {
        let mut out = Vec::new();
        for v in a {
            let kind = kind_of(v)?;
            out.extend(list_items(v).ok_or_else(|| format!("Cannot concat type {kind} as list"))?);
        }
        Ok(Value::list(out))
    });
    reg(m, "sortAlpha", &[Any], |a| {
        let v = arg(a, 0);
        if list_items(v).is_some() {
            let mut l = strslice(v);
            l.sort();
            return Ok(str_list(l));
        }
        Ok(str_list([strval(v)]))
    });
}

fn chunk(size: i64, l: &[Value]) -> R {
    let n = l.len() as i64;
    if size == 0 {
        // Go computes Floor((l-1)/0)+1 = +Inf or NaN chunks and fails allocating.
        return Err("runtime error: makeslice: len out of range".into());
    }
    let cs = (((n - 1) as f64) / size as f64).floor() as i64 + 1;
    if cs < 0 {
        return Err("runtime error: makeslice: len out of range".into());
    }
    let mut out = Vec::new();
    for i in 0..cs {
        let mut clen = size;
        if i == cs - 1 {
            clen = ((n as f64) % (size as f64)).floor() as i64;
            if clen == 0 {
                clen = size;
            }
        }
        if clen < 0 {
            return Err("runtime error: makeslice: len out of range".into());
        }
        let mut c = Vec::new();
        for j in 0..clen {
            let ix = i * size + j;
            match l.get(ix as usize).filter(|_| ix >= 0) {
                Some(v) => c.push(v.clone()),
                None => return Err("reflect: slice index out of range".to_string()),
            }
        }
        out.push(Value::list(c));
    }
    Ok(Value::list(out))
}
