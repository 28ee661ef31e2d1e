//! Sprig's dict.go: `dict`, `get`, `set`, `unset`, `hasKey`, `pluck`, `keys`, `values`, `pick`, `omit`,
//! `dig`, and mergo's `merge`/`mergeOverwrite` with Go's sharing of nested maps.

use crate::util::*;
use gotemplate::value::MapRef;
use gotemplate::ArgType::{Any, Map, String as Str};
use gotemplate::{FuncMap, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// A `map[string]interface{}` parameter; nil becomes a fresh map as Go's nil map reads empty.
fn map_param(v: &Value) -> MapRef {
    map_arg(v).unwrap_or_else(|| Rc::new(RefCell::new(gotemplate::Map::new())))
}

pub fn register(m: &mut FuncMap) {
    reg_var(m, "dict", &[], Any, |a| {
        let mut d = gotemplate::Map::new();
        for pair in a.chunks(2) {
            d.insert(strval(&pair[0]), pair.get(1).cloned().unwrap_or_else(|| Value::str("")));
        }
        Ok(Value::map(d))
    });
    reg(m, "get", &[Map, Str], |a| Ok(map_param(arg(a, 0)).borrow().get(&s(a, 1)).cloned().unwrap_or_else(|| Value::str(""))));
    reg(m, "set", &[Map, Str, Any], |a| {
        let d = map_arg(arg(a, 0)).ok_or("assignment to entry in nil map")?;
        d.borrow_mut().insert(s(a, 1), arg(a, 2).clone());
        Ok(Value::Map(d))
    });
    reg(m, "unset", &[Map, Str], |a| {
        let d = map_param(arg(a, 0));
        d.borrow_mut().remove(&s(a, 1));
        Ok(Value::Map(d))
    });
    reg(m, "hasKey", &[Map, Str], |a| Ok(Value::Bool(map_param(arg(a, 0)).borrow().contains_key(&s(a, 1)))));
    reg_var(m, "pluck", &[Str], Map, |a| {
        let key = s(a, 0);
        Ok(Value::list(a[1..].iter().filter_map(|d| map_param(d).borrow().get(&key).cloned()).collect()))
    });
    reg_var(m, "keys", &[], Map, |a| {
        Ok(str_list(a.iter().flat_map(|d| map_param(d).borrow().keys().cloned().collect::<Vec<_>>())))
    });
    reg(m, "values", &[Map], |a| Ok(Value::list(map_param(arg(a, 0)).borrow().values().cloned().collect())));
    reg_var(m, "pick", &[Map], Str, |a| {
        let d = map_param(arg(a, 0));
        let d = d.borrow();
        let mut out = gotemplate::Map::new();
        for k in &a[1..] {
            let k = strval(k);
            if let Some(v) = d.get(&k) {
                out.insert(k, v.clone());
            }
        }
        Ok(Value::map(out))
    });
    reg_var(m, "omit", &[Map], Str, |a| {
        let d = map_param(arg(a, 0));
        let omit: Vec<String> = a[1..].iter().map(strval).collect();
        let out = d.borrow().iter().filter(|(k, _)| !omit.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
        Ok(Value::map(out))
    });
    for (name, overwrite) in [("merge", false), ("mustMerge", false), ("mergeOverwrite", true), ("mustMergeOverwrite", true)] {
        reg_var(m, name, &[Map], Map, move |a| {
            let dst = map_param(arg(a, 0));
            for src in &a[1..] {
                if let Some(src) = map_arg(src) {
                    merge_maps(&dst, &src, overwrite);
                }
            }
            Ok(Value::Map(dst))
        });
    }
    reg_var(m, "dig", &[], Any, |a| {
        if a.len() < 3 {
            return Err("dig needs at least three arguments".into());
        }
        let last = &a[a.len() - 1];
        let mut dict = match last {
            Value::Map(d) => d.clone(),
            v => return Err(assert_map_err(v)),
        };
        let default = a[a.len() - 2].clone();
        let mut keys = Vec::new();
        for k in &a[..a.len() - 2] {
            match k {
                Value::String(s) => keys.push(s.to_string()),
                v => {
                    let t = if matches!(v, Value::Nil | Value::Invalid) { "nil".to_string() } else { v.type_name() };
                    return Err(format!("interface conversion: interface {{}} is {t}, not string"));
                }
            }
        }
        for (i, k) in keys.iter().enumerate() {
            let step = match dict.borrow().get(k) {
                None => return Ok(default),
                Some(v) => v.clone(),
            };
            if i == keys.len() - 1 {
                return Ok(step);
            }
            dict = match step {
                Value::Map(d) => d,
                v => return Err(assert_map_err(&v)),
            };
        }
        Ok(default)
    });
}

/// mergo v1.0.1's map merge (`Merge`, or `MergeWithOverwrite` when `overwrite`), in place on `dst`.
/// Values are shared, not copied: a source map adopted by `dst` is the same map afterwards.
pub fn merge_maps(dst: &MapRef, src: &MapRef, overwrite: bool) {
    if Rc::ptr_eq(dst, src) {
        return;
    }
    let entries: Vec<(String, Value)> = src.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (key, sv) in entries {
        let dv = dst.borrow().get(&key).cloned();
        if matches!(sv, Value::Nil | Value::Invalid) {
            if overwrite {
                dst.borrow_mut().insert(key, Value::Nil);
            }
            continue;
        }
        match (&sv, &dv) {
            (Value::Map(sm), Some(Value::Map(dm))) => merge_maps(dm, sm, overwrite),
            (Value::List(_), _) => {
                // mergo stores a slice for the key first: the source when overwriting (or when dst is an
                // empty map), else the old value or a new empty slice.
                let dst_empty = dst.borrow().is_empty();
                let stored = if overwrite || dst_empty {
                    sv.clone()
                } else {
                    match &dv {
                        None | Some(Value::Nil) => Value::list(Vec::new()),
                        Some(v) => v.clone(),
                    }
                };
                dst.borrow_mut().insert(key.clone(), stored);
            }
            _ => {}
        }
        if let Some(d) = &dv {
            if !empty(d) {
                if matches!(sv, Value::List(_)) {
                    continue;
                }
                if matches!(sv, Value::Map(_)) && matches!(d, Value::Map(_)) {
                    continue;
                }
            }
        }
        if overwrite || dv.as_ref().is_none_or(empty) {
            dst.borrow_mut().insert(key, sv);
        }
    }
}
