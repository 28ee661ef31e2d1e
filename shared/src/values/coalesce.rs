//! Coalescing chart defaults with user values (Helm's `pkg/chart/common/util/coalesce.go`), including
//! Go's map aliasing: Helm shares nested global maps between a parent and its subcharts, so a
//! subchart's default `global.a.b.c` shows up in the parent. We reproduce that with shared maps.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::{Map, Value};

use super::fmt::{go_fmt_t, go_fmt_v};
use super::Error;
use crate::chart::Chart;

/// A Go map: shared and mutable, like `map[string]interface{}`.
pub(crate) type GMap = Rc<RefCell<BTreeMap<String, GV>>>;

/// A Go value during coalescing: maps are shared references, everything else is plain data.
#[derive(Clone, Debug)]
pub(crate) enum GV {
    Map(GMap),
    Val(Value),
}

impl GV {
    fn is_nil(&self) -> bool {
        matches!(self, GV::Val(Value::Null))
    }
    fn as_map(&self) -> Option<&GMap> {
        match self {
            GV::Map(m) => Some(m),
            _ => None,
        }
    }
}

pub(crate) fn new_map() -> GMap {
    Rc::new(RefCell::new(BTreeMap::new()))
}

/// A deep copy into fresh Go maps (`copystructure.Copy`).
pub(crate) fn from_json_map(m: &Map<String, Value>) -> GMap {
    let out: BTreeMap<String, GV> = m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect();
    Rc::new(RefCell::new(out))
}

pub(crate) fn from_json(v: &Value) -> GV {
    match v {
        Value::Object(m) => GV::Map(from_json_map(m)),
        other => GV::Val(other.clone()),
    }
}

pub(crate) fn to_json_map(m: &GMap) -> Map<String, Value> {
    m.borrow().iter().map(|(k, v)| (k.clone(), to_json(v))).collect()
}

pub(crate) fn to_json(v: &GV) -> Value {
    match v {
        GV::Map(m) => Value::Object(to_json_map(m)),
        GV::Val(v) => v.clone(),
    }
}

fn to_go_string(v: &GV) -> String {
    go_fmt_v(&to_json(v))
}

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{}.{}", a, b)
    }
}

/// Collects Helm's coalescing warnings (Helm logs them at INFO level) instead of printing them, and
/// carries the Helm version whose coalescing rules apply.
#[derive(Debug)]
pub(crate) struct Warnings(pub(crate) Vec<String>, pub(crate) crate::compat::HelmCompat);

impl Default for Warnings {
    fn default() -> Self {
        Warnings(Vec::new(), crate::compat::current())
    }
}

/// Helm v4.3's `cleanNilValues`: remove `null` entries from a map and the maps inside it, in place.
fn clean_nil_values(m: &GMap) {
    let mut map = m.borrow_mut();
    map.retain(|_, v| !v.is_nil());
    for v in map.values() {
        if let GV::Map(sub) = v {
            clean_nil_values(sub);
        }
    }
}

impl Warnings {
    fn push(&mut self, s: String) {
        self.0.push(s);
    }
}

/// `CoalesceValues` (merge = false) / `MergeValues` (merge = true) on Go maps.
pub(crate) fn coalesce_root(chart: &Chart, vals: &GMap, merge: bool, w: &mut Warnings) -> Result<(), Error> {
    coalesce(chart, vals, "", merge, w)
}

fn coalesce(chart: &Chart, dest: &GMap, prefix: &str, merge: bool, w: &mut Warnings) -> Result<(), Error> {
    coalesce_values(chart, dest, prefix, merge, w);
    coalesce_deps(chart, dest, prefix, merge, w)
}

fn coalesce_deps(chart: &Chart, dest: &GMap, prefix: &str, merge: bool, w: &mut Warnings) -> Result<(), Error> {
    for sub in &chart.dependencies {
        let name = sub.name().to_string();
        let existing = dest.borrow().get(&name).cloned();
        let dvmap = match existing {
            None => {
                let m = new_map();
                dest.borrow_mut().insert(name.clone(), GV::Map(m.clone()));
                m
            }
            Some(GV::Map(m)) => m,
            Some(GV::Val(v)) => {
                return Err(Error::msg(format!("type mismatch on {}: {}", name, go_fmt_t(&v))));
            }
        };
        let sub_prefix = concat_prefix(prefix, chart.name());
        coalesce_globals(&dvmap, dest, &sub_prefix, w);
        coalesce(sub, &dvmap, &sub_prefix, merge, w)?;
        dest.borrow_mut().insert(name, GV::Map(dvmap));
    }
    Ok(())
}

const GLOBAL_KEY: &str = "global";

fn coalesce_globals(dest: &GMap, src: &GMap, prefix: &str, w: &mut Warnings) {
    let dg = match dest.borrow().get(GLOBAL_KEY) {
        None => new_map(),
        Some(GV::Map(m)) => m.clone(),
        Some(_) => {
            w.push(format!("warning: skipping globals because destination {} is not a table.", GLOBAL_KEY));
            return;
        }
    };
    let sg = match src.borrow().get(GLOBAL_KEY) {
        None => new_map(),
        Some(GV::Map(m)) => m.clone(),
        Some(_) => {
            w.push(format!("warning: skipping globals because source {} is not a table.", GLOBAL_KEY));
            return;
        }
    };
    let entries: Vec<(String, GV)> = sg.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (key, val) in entries {
        if let GV::Map(vm) = &val {
            // copyMap: a shallow copy; nested maps stay shared with the parent's globals.
            let vv: GMap = Rc::new(RefCell::new(vm.borrow().clone()));
            let destv = dg.borrow().get(&key).cloned();
            match destv {
                None => {
                    dg.borrow_mut().insert(key, GV::Map(vv));
                }
                Some(GV::Map(destvmap)) => {
                    coalesce_tables(&vv, &destvmap, &concat_prefix(prefix, &key), true, w);
                    dg.borrow_mut().insert(key, GV::Map(vv));
                }
                Some(GV::Val(_)) => {
                    w.push(format!(
                        "Conflict: cannot merge map onto non-map for {}. Skipping.",
                        crate::chart::metadata_quote(&key)
                    ));
                }
            }
        } else {
            let dv_is_table = matches!(dg.borrow().get(&key), Some(GV::Map(_)));
            if dv_is_table {
                w.push(format!("key {} is table. Skipping", key));
            } else {
                dg.borrow_mut().insert(key, val);
            }
        }
    }
    dest.borrow_mut().insert(GLOBAL_KEY.to_string(), GV::Map(dg));
}

fn coalesce_values(chart: &Chart, v: &GMap, prefix: &str, merge: bool, w: &mut Warnings) {
    let sub_prefix = concat_prefix(prefix, chart.name());
    let vc = from_json_map(&chart.values);
    let entries: Vec<(String, GV)> = vc.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (key, val) in entries {
        let value = v.borrow().get(&key).cloned();
        match value {
            Some(value) => {
                if value.is_nil() && !merge {
                    v.borrow_mut().remove(&key);
                } else if let GV::Map(dest) = value {
                    match &val {
                        GV::Map(src) => {
                            let merge = merge || chart.dependencies.iter().any(|d| d.name() == key);
                            // v4.3: a chart default's nulls do not leak into the result.
                            if !merge && w.1.drops_default_nulls() {
                                clean_nil_values(src);
                            }
                            coalesce_tables(&dest, src, &concat_prefix(&sub_prefix, &key), merge, w);
                        }
                        GV::Val(x) => {
                            if !x.is_null() {
                                w.push(format!("warning: skipped value for {}.{}: Not a table.", sub_prefix, key));
                            }
                        }
                    }
                }
            }
            None => {
                if !merge && w.1.drops_default_nulls() {
                    match &val {
                        GV::Val(Value::Null) => continue,
                        GV::Map(sub) => clean_nil_values(sub),
                        GV::Val(_) => {}
                    }
                }
                v.borrow_mut().insert(key, val);
            }
        }
    }
}

/// `coalesceTablesFullKey`: src's values fill in dst where dst has none; with merge = false a user
/// `null` in dst deletes the key (when src had a non-null value there).
pub(crate) fn coalesce_tables(dst: &GMap, src: &GMap, prefix: &str, merge: bool, w: &mut Warnings) {
    if Rc::ptr_eq(dst, src) {
        return;
    }
    let src_non_nil: std::collections::BTreeSet<String> =
        src.borrow().iter().filter(|(_, v)| !v.is_nil()).map(|(k, _)| k.clone()).collect();
    let dst_nils: Vec<String> = dst.borrow().iter().filter(|(_, v)| v.is_nil()).map(|(k, _)| k.clone()).collect();
    for k in dst_nils {
        src.borrow_mut().insert(k, GV::Val(Value::Null));
    }
    let entries: Vec<(String, GV)> = src.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (key, val) in entries {
        let full = concat_prefix(prefix, &key);
        let dv = dst.borrow().get(&key).cloned();
        match dv {
            Some(dv) if !merge && dv.is_nil() && src_non_nil.contains(&key) => {
                dst.borrow_mut().remove(&key);
            }
            None => {
                dst.borrow_mut().insert(key, val);
            }
            Some(dv) => {
                if let GV::Map(vm) = &val {
                    match dv.as_map() {
                        Some(dm) => coalesce_tables(dm, vm, &full, merge, w),
                        None => w.push(format!(
                            "warning: cannot overwrite table with non table for {} ({})",
                            full,
                            to_go_string(&val)
                        )),
                    }
                } else if dv.as_map().is_some() && !val.is_nil() {
                    w.push(format!(
                        "warning: destination for {} is a table. Ignoring non-table value ({})",
                        full,
                        to_go_string(&val)
                    ));
                }
            }
        }
    }
}

/// `CoalesceTables(dst, src)` on plain values (used by import-values).
pub(crate) fn coalesce_tables_json(
    dst: Map<String, Value>,
    src: Map<String, Value>,
    merge: bool,
    w: &mut Warnings,
) -> Map<String, Value> {
    let d = from_json_map(&dst);
    let s = from_json_map(&src);
    coalesce_tables(&d, &s, "", merge, w);
    to_json_map(&d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn chart(name: &str, values: Value, deps: Vec<Chart>) -> Chart {
        let mut c = Chart::default();
        c.metadata.name = name.into();
        c.values = obj(values);
        c.dependencies = deps;
        c
    }

    /// Helm v4.1's coalescing (the tests below were written against v4.1.4).
    fn run(c: &Chart, user: Value) -> (Value, Vec<String>) {
        run_as(c, user, crate::compat::HelmCompat::V4_1)
    }

    fn run_as(c: &Chart, user: Value, compat: crate::compat::HelmCompat) -> (Value, Vec<String>) {
        let m = from_json_map(&obj(user));
        let mut w = Warnings(Vec::new(), compat);
        coalesce_root(c, &m, false, &mut w).unwrap();
        (Value::Object(to_json_map(&m)), w.0)
    }

    /// Helm's testdata chart issue-9027: chart-default `null`s. v4.1.4 copies them into `.Values` and lets
    /// a parent's `null` delete the subchart's default; v4.3.2 drops them first (its goldens).
    #[test]
    fn default_nulls_v4_1_and_v4_3() {
        use crate::compat::HelmCompat::{V4_1, V4_3};
        let sub = chart(
            "subchart",
            json!({"global": {"hash": {"key1": 1, "key2": 2, "key3": 3}}, "hash": {"key1": 1, "key2": 2, "key3": 3}}),
            vec![],
        );
        let top = chart(
            "issue-9027",
            json!({"global": {"hash": {"key1": null, "key2": null, "key3": 13}},
                   "subchart": {"hash": {"key1": null, "key2": null, "key3": 13}}}),
            vec![sub],
        );
        let (v, _) = run_as(&top, json!({}), V4_3);
        assert_eq!(v["global"], json!({"hash": {"key3": 13}}));
        assert_eq!(v["subchart"]["hash"], json!({"key1": 1, "key2": 2, "key3": 13}));
        assert_eq!(v["subchart"]["global"], json!({"hash": {"key1": 1, "key2": 2, "key3": 13}}));
        let (v, _) = run_as(&top, json!({}), V4_1);
        assert_eq!(v["global"], json!({"hash": {"key1": null, "key2": null, "key3": 13}}));
        assert_eq!(v["subchart"]["hash"], json!({"key3": 13}));
        // A user's null still deletes a default in v4.3, and a null the chart alone sets is dropped.
        let c = chart("top", json!({"a": {"b": 1, "n": null}, "d": 1, "e": null}), vec![]);
        let (v, _) = run_as(&c, json!({"a": {"b": null}}), V4_3);
        assert_eq!(v, json!({"a": {}, "d": 1}));
    }

    #[test]
    fn defaults_fill_in_and_user_wins() {
        let c = chart("top", json!({"a": {"b": 1, "c": 2}, "d": [1, 2], "e": "x"}), vec![]);
        let (v, w) = run(&c, json!({"a": {"b": 5}, "d": [3]}));
        assert_eq!(v, json!({"a": {"b": 5, "c": 2}, "d": [3], "e": "x"}));
        assert!(w.is_empty());
    }

    #[test]
    fn null_deletes_defaults_but_is_kept_when_absent() {
        let c = chart("top", json!({"a": {"b": 1, "c": 2}, "d": 1}), vec![]);
        let (v, _) = run(&c, json!({"a": {"b": null, "z": null}, "d": null}));
        assert_eq!(v, json!({"a": {"c": 2, "z": null}}));
    }

    #[test]
    fn type_conflict_warnings() {
        let c = chart("t3", json!({"a": {"b": 1}, "c": 1}), vec![]);
        let (v, w) = run(&c, json!({"a": 1, "c": {"d": 2}}));
        assert_eq!(v, json!({"a": 1, "c": {"d": 2}}));
        assert_eq!(w, vec!["warning: skipped value for t3.c: Not a table."]);
        let c = chart("t", json!({"a": {"b": {"x": 1}, "c": 1}}), vec![]);
        let (_, w) = run(&c, json!({"a": {"b": 2, "c": {"y": 1}}}));
        assert_eq!(
            w,
            vec![
                "warning: cannot overwrite table with non table for t.a.b (map[x:1])",
                "warning: destination for t.a.c is a table. Ignoring non-table value (1)"
            ]
        );
    }

    #[test]
    fn subcharts_and_globals_alias_like_go() {
        // Observed with Helm 4.1.4: the subchart's default global.g.h.j leaks into the parent.
        let sub = chart("sub", json!({"x": {"y": 1}, "global": {"g": {"h": {"j": 2}}}}), vec![]);
        let c = chart("t3", json!({"sub": {"x": 1}, "global": {"g": {"h": {"i": 1}}}}), vec![sub]);
        let (v, _) = run(&c, json!({}));
        assert_eq!(
            v,
            json!({"global": {"g": {"h": {"i": 1, "j": 2}}},
                   "sub": {"global": {"g": {"h": {"i": 1, "j": 2}}}, "x": 1}})
        );
    }

    #[test]
    fn subchart_type_mismatch() {
        let sub = chart("sub", json!({}), vec![]);
        let c = chart("t3", json!({}), vec![sub]);
        let m = from_json_map(&obj(json!({"sub": 3.0})));
        let e = coalesce_root(&c, &m, false, &mut Warnings::default()).unwrap_err();
        assert_eq!(e.to_string(), "type mismatch on sub: %!t(float64=3)");
    }

    #[test]
    fn parent_globals_win_and_flow_down() {
        let sub = chart("sub", json!({"global": {"a": 1, "b": 2}}), vec![]);
        let c = chart("top", json!({"global": {"a": 9}}), vec![sub]);
        let (v, _) = run(&c, json!({"global": {"c": 3}}));
        assert_eq!(v["sub"]["global"], json!({"a": 9, "b": 2, "c": 3}));
        assert_eq!(v["global"], json!({"a": 9, "c": 3}));
    }
}
