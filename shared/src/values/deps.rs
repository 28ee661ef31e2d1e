//! Dependency processing before rendering (Helm's `chartutil.ProcessDependencies`): aliases,
//! `condition`/`tags` enabling, removal of disabled subcharts, and `import-values`.

use std::rc::Rc;

use serde_json::{Map, Value};

use super::coalesce::{self, GMap, Warnings, GV};
use super::fmt::go_fmt_v;
use super::{Error, Values, Warning};
use crate::chart::semver_shim::is_compatible_range;
use crate::chart::{Chart, Dependency};

/// `action.CheckDependencies`: every dependency of Chart.yaml must be present under charts/.
pub fn check_dependencies(chart: &Chart) -> Result<(), Error> {
    let missing: Vec<&str> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|r| !chart.dependencies.iter().any(|d| d.name() == r.name))
        .map(|r| r.name.as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::msg(format!("found in Chart.yaml, but missing in charts/ directory: {}", missing.join(", "))))
    }
}

/// `chartutil.ProcessDependencies`: applies aliases, drops disabled subcharts (conditions, tags)
/// and merges `import-values` into the charts' values. Mutates the chart as Helm does.
pub fn process_dependencies(chart: &mut Chart, user: &Values) -> Result<(), Error> {
    process_dependencies_with_warnings(chart, user).map(|_| ())
}

/// [`process_dependencies`], also returning the messages Helm logs.
pub fn process_dependencies_with_warnings(chart: &mut Chart, user: &Values) -> Result<Vec<Warning>, Error> {
    let mut warnings = Vec::new();
    process_enabled(chart, user, "", &mut warnings)?;
    process_import_values_tree(chart, &mut warnings)?;
    Ok(warnings)
}

fn warn(ws: &mut Vec<Warning>, message: &str, attrs: &[(&str, String)]) {
    ws.push(Warning {
        level: "WARN",
        message: message.to_string(),
        attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
    });
}

/// `Values.Table`: the map at a dotted path, or Helm's "is not a table" error.
fn table(v: &Map<String, Value>, path: &str) -> Result<Map<String, Value>, String> {
    let mut cur = v;
    for part in path.split('.') {
        match cur.get(part) {
            Some(Value::Object(m)) => cur = m,
            _ => return Err(format!("{} is not a table", crate::chart::metadata_quote(part))),
        }
    }
    Ok(cur.clone())
}

/// `Values.PathValue`: a non-table value at a dotted path.
fn path_value(v: &Map<String, Value>, path: &str) -> Result<Value, PathErr> {
    if path.is_empty() {
        return Err(PathErr::Other("YAML path cannot be empty".into()));
    }
    let parts: Vec<&str> = path.split('.').collect();
    let (key, parents) = parts.split_last().unwrap_or((&"", &[]));
    let t = if parents.is_empty() {
        v.clone()
    } else {
        table(v, &parents.join(".")).map_err(|_| PathErr::NoValue)?
    };
    match t.get(*key) {
        Some(Value::Object(_)) | None => Err(PathErr::NoValue),
        Some(x) => Ok(x.clone()),
    }
}

enum PathErr {
    NoValue,
    Other(String),
}

fn process_enabled(c: &mut Chart, v: &Values, path: &str, ws: &mut Vec<Warning>) -> Result<(), Error> {
    if c.metadata.dependencies.is_empty() {
        return Ok(());
    }
    // Helm copies subchart structs shallowly; here a subchart is moved into its last use and cloned
    // only when one chart serves several dependencies (the same chart under two aliases).
    let existing = std::mem::take(&mut c.dependencies);
    let reqs = &c.metadata.dependencies;
    let matches = |e: &Chart, r: &Dependency| e.name() == r.name && is_compatible_range(&r.version, &e.metadata.version);
    let unmatched: Vec<usize> = (0..existing.len()).filter(|&i| !reqs.iter().any(|r| matches(&existing[i], r))).collect();
    let picks: Vec<Option<usize>> = reqs.iter().map(|r| existing.iter().position(|e| matches(e, r))).collect();
    let mut uses = vec![0usize; existing.len()];
    for &i in unmatched.iter().chain(picks.iter().flatten()) {
        uses[i] += 1;
    }
    let mut slots: Vec<Option<Chart>> = existing.into_iter().map(Some).collect();
    let mut take = |i: usize| -> Chart {
        uses[i] -= 1;
        if uses[i] == 0 {
            slots[i].take().unwrap_or_default()
        } else {
            slots[i].clone().unwrap_or_default()
        }
    };
    let mut chart_deps: Vec<Chart> = unmatched.iter().map(|&i| take(i)).collect();
    for (req, pick) in c.metadata.dependencies.iter_mut().zip(picks) {
        if let Some(i) = pick {
            let mut dep = take(i);
            if !req.alias.is_empty() {
                dep.metadata.name = req.alias.clone();
            }
            chart_deps.push(dep);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    c.dependencies = chart_deps;
    for r in &mut c.metadata.dependencies {
        r.enabled = true;
    }
    let cvals = super::coalesce(c, v)?;
    process_tags(&mut c.metadata.dependencies, &cvals, ws);
    process_conditions(&mut c.metadata.dependencies, &cvals, path, ws);

    let disabled: Vec<String> =
        c.metadata.dependencies.iter().filter(|r| !r.enabled).map(|r| r.name.clone()).collect();
    let mut kept: Vec<Chart> =
        std::mem::take(&mut c.dependencies).into_iter().filter(|d| !disabled.contains(&d.metadata.name)).collect();
    c.metadata.dependencies.retain(|r| !disabled.contains(&r.name));
    for t in &mut kept {
        let sub_path = format!("{}{}.", path, t.metadata.name);
        process_enabled(t, &cvals, &sub_path, ws)?;
    }
    c.dependencies = kept;
    Ok(())
}

fn process_tags(reqs: &mut [Dependency], cvals: &Values, ws: &mut Vec<Warning>) {
    let Ok(tags) = table(cvals, "tags") else { return };
    for r in reqs.iter_mut() {
        let (mut has_true, mut has_false) = (false, false);
        for k in &r.tags {
            match tags.get(k) {
                Some(Value::Bool(true)) => has_true = true,
                Some(Value::Bool(false)) => has_false = true,
                Some(_) => warn(ws, "returned non-bool value", &[("tag", k.clone()), ("chart", r.name.clone())]),
                None => {}
            }
        }
        if !has_true && has_false {
            r.enabled = false;
        } else if has_true || (!has_true && !has_false) {
            r.enabled = true;
        }
    }
}

fn process_conditions(reqs: &mut [Dependency], cvals: &Values, cpath: &str, ws: &mut Vec<Warning>) {
    for r in reqs.iter_mut() {
        for c in r.condition.trim().split(',') {
            if c.is_empty() {
                continue;
            }
            match path_value(cvals, &format!("{}{}", cpath, c)) {
                Ok(Value::Bool(b)) => {
                    r.enabled = b;
                    break;
                }
                Ok(_) => warn(ws, "returned non-bool value", &[("path", c.to_string()), ("chart", r.name.clone())]),
                Err(PathErr::NoValue) => {}
                Err(PathErr::Other(e)) => warn(ws, "the method PathValue returned error", &[("error", e)]),
            }
        }
    }
}

fn process_import_values_tree(c: &mut Chart, ws: &mut Vec<Warning>) -> Result<(), Error> {
    for d in &mut c.dependencies {
        process_import_values_tree(d, ws)?;
    }
    process_import_values(c, ws)
}

/// `Values.Table` on shared Go maps: the map itself (not a copy), as Helm's aliasing needs.
fn gtable(v: &GMap, path: &str) -> Result<GMap, String> {
    let mut cur = v.clone();
    for part in path.split('.') {
        let next = match cur.borrow().get(part) {
            Some(GV::Map(m)) => m.clone(),
            _ => return Err(format!("{} is not a table", crate::chart::metadata_quote(part))),
        };
        cur = next;
    }
    Ok(cur)
}

/// `pathToMap`: `data` nested under the dotted `path` (`.` is the root).
fn path_to_map(path: &str, data: GMap) -> GMap {
    if path == "." {
        return data;
    }
    let mut cur = data;
    for part in path.split('.').rev() {
        let m = coalesce::new_map();
        m.borrow_mut().insert(part.to_string(), GV::Map(cur));
        cur = m;
    }
    cur
}

/// `processImportValues` with merge = true (what Helm 4.1.4's ProcessDependencies uses).
fn process_import_values(c: &mut Chart, ws: &mut Vec<Warning>) -> Result<(), Error> {
    if c.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let cvals = coalesce::from_json_map(&super::merge_chart_values(c, &Map::new())?);
    let b = coalesce::new_map();
    let mut sink = Warnings::default();
    for r in &mut c.metadata.dependencies {
        let mut out = Vec::new();
        for riv in &r.import_values {
            match riv {
                Value::Object(iv) => {
                    let child = iv.get("child").map(go_fmt_v).unwrap_or_else(|| "<nil>".into());
                    let parent = iv.get("parent").map(go_fmt_v).unwrap_or_else(|| "<nil>".into());
                    let mut m = Map::new();
                    m.insert("child".into(), Value::String(child.clone()));
                    m.insert("parent".into(), Value::String(parent.clone()));
                    out.push(Value::Object(m));
                    match gtable(&cvals, &format!("{}.{}", r.name, child)) {
                        Ok(vv) => coalesce::coalesce_tables(&b, &path_to_map(&parent, vv), "", true, &mut sink),
                        Err(e) => warn(
                            ws,
                            "ImportValues missing table from chart",
                            &[("chart", r.name.clone()), ("error", e)],
                        ),
                    }
                }
                Value::String(s) => {
                    let child = format!("exports.{}", s);
                    let mut m = Map::new();
                    m.insert("child".into(), Value::String(child.clone()));
                    m.insert("parent".into(), Value::String(".".into()));
                    out.push(Value::Object(m));
                    match gtable(&cvals, &format!("{}.{}", r.name, child)) {
                        Ok(vm) => coalesce::coalesce_tables(&b, &vm, "", true, &mut sink),
                        Err(e) => warn(ws, "ImportValues missing table", &[("error", e)]),
                    }
                }
                _ => {}
            }
        }
        r.import_values = out;
    }
    let copy = coalesce::from_json_map(&coalesce::to_json_map(&cvals));
    if !Rc::ptr_eq(&copy, &b) {
        coalesce::coalesce_tables(&copy, &b, "", true, &mut sink);
    }
    c.values = coalesce::to_json_map(&copy);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn chart(name: &str, version: &str, values: Value, deps: Vec<Chart>, reqs: Value) -> Chart {
        let mut c = Chart::default();
        c.metadata.name = name.into();
        c.metadata.version = version.into();
        c.metadata.api_version = "v2".into();
        c.values = obj(values);
        c.dependencies = deps;
        let mut md = c.metadata.clone();
        crate::chart::decode_metadata_for_tests(&json!({ "dependencies": reqs }), &mut md);
        c.metadata.dependencies = md.dependencies;
        c
    }

    fn names(c: &Chart) -> Vec<String> {
        let mut v: Vec<String> = c.dependencies.iter().map(|d| d.name().to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn conditions_tags_and_aliases() {
        let sub = || chart("sub", "1.0.0", json!({"enabled": true}), vec![], json!([]));
        let mk = || {
            chart(
                "top",
                "0.1.0",
                json!({"tags": {"front": false}, "other": {"enabled": false}}),
                vec![sub()],
                json!([
                    {"name": "sub", "version": "1.x", "repository": "", "condition": "sub.enabled"},
                    {"name": "sub", "version": "^1", "repository": "", "alias": "two", "tags": ["front"]},
                    {"name": "sub", "version": "~1.0", "repository": "", "alias": "three", "condition": "nope.x,other.enabled"}
                ]),
            )
        };
        let mut c = mk();
        process_dependencies(&mut c, &Map::new()).unwrap();
        assert_eq!(names(&c), vec!["sub"]);

        let mut c = mk();
        process_dependencies(&mut c, &obj(json!({"tags": {"front": true}, "sub": {"enabled": false}}))).unwrap();
        assert_eq!(names(&c), vec!["two"]);

        // A condition wins over tags; a non-bool condition is skipped with a warning.
        let mut c = mk();
        let ws = process_dependencies_with_warnings(
            &mut c,
            &obj(json!({"two": {"enabled": true}, "sub": {"enabled": "yes"}, "other": {"enabled": true}})),
        )
        .unwrap();
        assert_eq!(names(&c), vec!["sub", "three"]);
        assert_eq!(
            ws.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
            vec!["level=WARN msg=\"returned non-bool value\" path=sub.enabled chart=sub"]
        );
    }

    #[test]
    fn import_values_both_forms() {
        let sub = chart(
            "sub",
            "1.0.0",
            json!({"exports": {"data": {"port": 80}}, "service": {"name": "web"}}),
            vec![],
            json!([]),
        );
        let mut c = chart(
            "top",
            "0.1.0",
            json!({"port": 1}),
            vec![sub],
            json!([{"name": "sub", "version": "1.0.0", "repository": "",
                    "import-values": ["data", {"child": "service", "parent": "imported.svc"}, {"child": "missing", "parent": "x"}]}]),
        );
        let ws = process_dependencies_with_warnings(&mut c, &Map::new()).unwrap();
        // Parent values win over imported ones (MergeTables keeps dst).
        assert_eq!(c.values["port"], json!(1));
        assert_eq!(c.values["imported"], json!({"svc": {"name": "web"}}));
        assert_eq!(c.values["sub"]["service"], json!({"name": "web"}));
        assert_eq!(
            c.metadata.dependencies[0].import_values,
            vec![
                json!({"child": "exports.data", "parent": "."}),
                json!({"child": "service", "parent": "imported.svc"}),
                json!({"child": "missing", "parent": "x"})
            ]
        );
        assert_eq!(ws.len(), 1);
        assert_eq!(
            ws[0].to_string(),
            "level=WARN msg=\"ImportValues missing table from chart\" chart=sub error=\"\\\"missing\\\" is not a table\""
        );
    }

    #[test]
    fn missing_dependencies() {
        let c = chart("top", "0.1.0", json!({}), vec![], json!([{"name": "a", "repository": ""}, {"name": "b", "repository": ""}]));
        assert_eq!(
            check_dependencies(&c).unwrap_err().to_string(),
            "found in Chart.yaml, but missing in charts/ directory: a, b"
        );
    }
}
