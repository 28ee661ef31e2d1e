//! Helm's output forms for releases: `list`/`history` tables (gosuri/uitable layout), `status` text,
//! `get values|manifest|notes|hooks|metadata`, and the `-o json|yaml` encodings.

use serde_json::{json, Map, Value};

use super::record::{self, Release};

/// gosuri/uitable as Helm uses it: each column as wide as its widest line; a cell is first resized to
/// that width as a whole (cut with `...` when longer, padded when shorter), then split into lines, each
/// line a row of its own with the other columns blank; cells joined by a tab, rows by newlines. Helm's
/// EncodeTable adds the final newline.
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            let w = c.split('\n').map(text_width).max().unwrap_or(0);
            widths[i] = widths[i].max(w);
        }
    }
    let mut lines = Vec::new();
    for r in rows {
        let cells: Vec<String> = r.iter().enumerate().map(|(i, c)| resize(c, widths[i])).collect();
        let split: Vec<Vec<&str>> = cells.iter().map(|c| c.split('\n').collect()).collect();
        let count = split.iter().map(Vec::len).max().unwrap_or(1);
        for x in 0..count {
            let line: Vec<String> = split
                .iter()
                .enumerate()
                .map(|(y, parts)| match parts.get(x) {
                    Some(p) => resize(p, widths[y]),
                    None => " ".repeat(widths[y].max(1)),
                })
                .collect();
            lines.push(line.join("\t"));
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Display width as go-runewidth counts it for the text Helm prints (control characters count 0).
pub(crate) fn text_width(s: &str) -> usize {
    s.chars().filter(|c| !c.is_control()).count()
}

/// uitable's strutil.Resize: pad to `n`, or truncate (go-runewidth's Truncate: the kept text is at
/// most `n - 3` wide, control characters counting 0) and add `...`.
pub(crate) fn resize(s: &str, n: usize) -> String {
    let len = text_width(s);
    if len == n {
        return s.to_string();
    }
    if len < n {
        return format!("{s}{}", " ".repeat(n - len));
    }
    let budget = n.saturating_sub(3);
    let mut width = 0;
    let mut kept = String::new();
    for c in s.chars() {
        let w = usize::from(!c.is_control());
        if width + w > budget {
            break;
        }
        width += w;
        kept.push(c);
    }
    format!("{kept}...")
}

/// Go's `json.NewEncoder(out).Encode(v)`: compact, HTML-escaped, a newline after.
pub fn go_json_line(v: &Value) -> String {
    let mut s = record::go_json_escape(&serde_json::to_string(v).unwrap_or_default());
    s.push('\n');
    s
}

/// A Go struct as `json.Encoder` writes it: fields in declaration order (a JSON map would sort them).
pub fn ordered_json(fields: &[(&str, Value)]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap_or_default(), serde_json::to_string(v).unwrap_or_default()))
        .collect();
    record::go_json_escape(&format!("{{{}}}", parts.join(",")))
}

/// sigs.k8s.io/yaml.Marshal, as Helm's `-o yaml`.
pub fn go_yaml(v: &Value) -> String {
    goyaml::to_string(v)
}

/// A release in Helm's JSON (struct field order), one line.
pub fn release_json(rel: &Release) -> String {
    let mut s = record::to_go_json(rel);
    s.push('\n');
    s
}

/// A release as Helm's `-o yaml` prints it (keys sorted, as sigs.k8s.io/yaml does).
pub fn release_yaml(rel: &Release) -> String {
    go_yaml(&serde_json::to_value(rel).unwrap_or(Value::Null))
}

fn app_version(rel: &Release) -> String {
    rel.chart_field("appVersion").to_string()
}

fn list_fields(r: &Release) -> Vec<(&'static str, Value)> {
    vec![
        ("name", json!(r.name)),
        ("namespace", json!(r.namespace)),
        ("revision", json!(r.version.to_string())),
        ("updated", json!(updated(r))),
        ("status", json!(r.info.status)),
        ("chart", json!(r.chart_label())),
        ("app_version", json!(app_version(r))),
    ]
}

/// `helm list`'s rows as JSON values (for `-o yaml`, which sorts keys anyway).
pub fn list_elements(rels: &[Release]) -> Value {
    Value::Array(rels.iter().map(|r| Value::Object(list_fields(r).into_iter().map(|(k, v)| (k.to_string(), v)).collect())).collect())
}

/// `helm list -o json`: the rows in Helm's field order, one line.
pub fn list_json(rels: &[Release]) -> String {
    let items: Vec<String> = rels.iter().map(|r| ordered_json(&list_fields(r))).collect();
    format!("[{}]\n", items.join(","))
}

fn updated(r: &Release) -> String {
    if r.info.last_deployed.is_empty() {
        "-".into()
    } else {
        record::go_time_string(&r.info.last_deployed)
    }
}

/// `helm list` as a table.
pub fn list_table(rels: &[Release], no_headers: bool) -> String {
    let mut rows = Vec::new();
    if !no_headers {
        rows.push(["NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"].map(String::from).to_vec());
    }
    for r in rels {
        rows.push(vec![
            r.name.clone(),
            r.namespace.clone(),
            r.version.to_string(),
            updated(r),
            r.info.status.clone(),
            r.chart_label(),
            app_version(r),
        ]);
    }
    table(&rows)
}

/// `helm list -q`.
pub fn list_short(rels: &[Release]) -> String {
    rels.iter().map(|r| format!("{}\n", r.name)).collect()
}

/// `helm history` as a table; `rollback_column` adds Helm v4.3's ROLLBACK column
/// (`--show-rollback-revision`: the revision a rollback went back to, blank otherwise).
pub fn history_table(rels: &[Release], rollback_column: bool) -> String {
    let mut head = vec!["REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION"];
    if rollback_column {
        head.insert(5, "ROLLBACK");
    }
    let mut rows = vec![head.into_iter().map(String::from).collect::<Vec<_>>()];
    for r in rels {
        let mut row = vec![
            r.version.to_string(),
            ansic(&r.info.last_deployed),
            r.info.status.clone(),
            r.chart_label(),
            app_version(r),
            r.info.description.clone(),
        ];
        if rollback_column {
            let rb = if r.info.rollback_revision > 0 { r.info.rollback_revision.to_string() } else { String::new() };
            row.insert(5, rb);
        }
        rows.push(row);
    }
    table(&rows)
}

/// One `helm history -o json|yaml` element, in Helm's field order (`updated` only when set,
/// `rollback_revision` only for a rollback, as Helm v4.3 writes them).
fn history_fields(r: &Release) -> Vec<(&'static str, Value)> {
    let mut f = vec![("revision", json!(r.version))];
    if !r.info.last_deployed.is_empty() {
        f.push(("updated", json!(r.info.last_deployed)));
    }
    f.push(("status", json!(r.info.status)));
    f.push(("chart", json!(r.chart_label())));
    f.push(("app_version", json!(app_version(r))));
    if r.info.rollback_revision != 0 {
        f.push(("rollback_revision", json!(r.info.rollback_revision)));
    }
    f.push(("description", json!(r.info.description)));
    f
}

/// `helm history -o yaml` elements (sigs.k8s.io/yaml sorts the keys).
pub fn history_elements(rels: &[Release]) -> Value {
    Value::Array(rels.iter().map(|r| Value::Object(history_fields(r).into_iter().map(|(k, v)| (k.to_string(), v)).collect())).collect())
}

/// `helm history -o json`: the elements in Helm's field order, one line.
pub fn history_json(rels: &[Release]) -> String {
    let items: Vec<String> = rels.iter().map(|r| ordered_json(&history_fields(r))).collect();
    format!("[{}]\n", items.join(","))
}

/// An RFC 3339 time in Go's `time.ANSIC` layout (`Mon Jan _2 15:04:05 2006`), in the time's own zone.
pub fn ansic(rfc: &str) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let num = |s: Option<&str>| s.and_then(|s| s.parse::<i64>().ok());
    let (Some(y), Some(mo), Some(d), Some(clock)) =
        (num(rfc.get(0..4)), num(rfc.get(5..7)), num(rfc.get(8..10)), rfc.get(11..19))
    else {
        return rfc.to_string();
    };
    if !(1..=12).contains(&mo) {
        return rfc.to_string();
    }
    // days since the epoch of the civil date (Howard Hinnant's algorithm)
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let wd = DAYS[days.rem_euclid(7) as usize];
    format!("{wd} {} {d:>2} {clock} {y}", MONTHS[(mo - 1) as usize])
}

/// What `status` shows besides the basics.
#[derive(Debug, Clone, Copy, Default)]
pub struct StatusView {
    /// CHART/VERSION/APP_VERSION lines (`get all`).
    pub show_metadata: bool,
    /// USER-SUPPLIED and COMPUTED VALUES, hooks and manifest (`--debug`, `get all`).
    pub debug: bool,
    pub hide_notes: bool,
}

/// Helm's status text (`install`, `upgrade`, `status`, `get all`).
pub fn status_text(rel: &Release, view: StatusView, computed: Option<&Map<String, Value>>) -> String {
    status_text_with_resources(rel, view, computed, "")
}

/// [`status_text`] with a RESOURCES section (`status --show-resources`; see [`resources_text`]).
pub fn status_text_with_resources(rel: &Release, view: StatusView, computed: Option<&Map<String, Value>>, resources: &str) -> String {
    let mut out = String::new();
    out.push_str(&format!("NAME: {}\n", rel.name));
    if !rel.info.last_deployed.is_empty() {
        out.push_str(&format!("LAST DEPLOYED: {}\n", ansic(&rel.info.last_deployed)));
    }
    out.push_str(&format!("NAMESPACE: {}\n", rel.namespace));
    out.push_str(&format!("STATUS: {}\n", rel.info.status));
    out.push_str(&format!("REVISION: {}\n", rel.version));
    if view.show_metadata {
        out.push_str(&format!("CHART: {}\n", rel.chart_field("name")));
        out.push_str(&format!("VERSION: {}\n", rel.chart_field("version")));
        out.push_str(&format!("APP_VERSION: {}\n", rel.chart_field("appVersion")));
    }
    out.push_str(&format!("DESCRIPTION: {}\n", rel.info.description));
    if !resources.is_empty() {
        out.push_str(&format!("RESOURCES:\n{resources}\n"));
    }
    let tests: Vec<_> = rel.hooks.iter().filter(|h| h.events.iter().any(|e| e == "test")).collect();
    if tests.is_empty() {
        out.push_str("TEST SUITE: None\n");
    } else {
        for h in tests.iter().filter(|h| !h.last_run.started_at.is_empty()) {
            out.push_str(&format!(
                "TEST SUITE:     {}\nLast Started:   {}\nLast Completed: {}\nPhase:          {}\n",
                h.name,
                ansic(&h.last_run.started_at),
                ansic(&h.last_run.completed_at),
                h.last_run.phase
            ));
        }
    }
    if view.debug {
        out.push_str("USER-SUPPLIED VALUES:\n");
        out.push_str(&values_yaml(&rel.config));
        out.push('\n');
        out.push_str("COMPUTED VALUES:\n");
        out.push_str(&go_yaml(&Value::Object(computed.cloned().unwrap_or_default())));
        out.push('\n');
    }
    if rel.info.description.eq_ignore_ascii_case("Dry run complete") || view.debug {
        out.push_str("HOOKS:\n");
        out.push_str(&hooks_text(rel));
        out.push_str(&format!("MANIFEST:\n{}\n", rel.manifest));
    }
    if !view.hide_notes && !rel.info.notes.is_empty() {
        out.push_str(&format!("NOTES:\n{}\n", rel.info.notes.trim()));
    }
    out
}

/// Values as `helm get values` prints them: an empty (absent) config is Go's nil map, `null`.
pub fn values_yaml(values: &Map<String, Value>) -> String {
    if values.is_empty() {
        return go_yaml(&Value::Null);
    }
    go_yaml(&Value::Object(values.clone()))
}

/// `helm get hooks`.
pub fn hooks_text(rel: &Release) -> String {
    rel.hooks.iter().map(|h| format!("---\n# Source: {}\n{}\n", h.path, h.manifest)).collect()
}

/// `helm get metadata -o json`, in Helm's field order.
pub fn metadata_json(rel: &Release) -> String {
    let v = metadata_value(rel);
    let order = [
        "name", "chart", "version", "appVersion", "annotations", "labels", "dependencies", "namespace", "revision", "status",
        "deployedAt", "applyMethod",
    ];
    let fields: Vec<(&str, Value)> = order.iter().filter_map(|k| v.get(*k).map(|x| (*k, x.clone()))).collect();
    format!("{}\n", ordered_json(&fields))
}

/// `helm get metadata` as data.
pub fn metadata_value(rel: &Release) -> Value {
    let md = rel.chart.value().get("metadata").cloned().unwrap_or(Value::Null);
    let mut m = Map::new();
    m.insert("name".into(), json!(rel.name));
    m.insert("chart".into(), json!(rel.chart_field("name")));
    m.insert("version".into(), json!(rel.chart_field("version")));
    m.insert("appVersion".into(), json!(rel.chart_field("appVersion")));
    if let Some(a) = md.get("annotations").filter(|a| a.as_object().is_some_and(|o| !o.is_empty())) {
        m.insert("annotations".into(), a.clone());
    }
    if !rel.labels.is_empty() {
        m.insert("labels".into(), json!(rel.labels));
    }
    if let Some(d) = md.get("dependencies").filter(|d| d.as_array().is_some_and(|a| !a.is_empty())) {
        m.insert("dependencies".into(), d.clone());
    }
    m.insert("namespace".into(), json!(rel.namespace));
    m.insert("revision".into(), json!(rel.version));
    m.insert("status".into(), json!(rel.info.status));
    m.insert("deployedAt".into(), json!(rfc3339_seconds(&rel.info.last_deployed)));
    if !rel.apply_method.is_empty() {
        m.insert("applyMethod".into(), json!(rel.apply_method));
    }
    Value::Object(m)
}

/// Go's `Format(time.RFC3339)`: no fractional seconds.
fn rfc3339_seconds(rfc: &str) -> String {
    match (rfc.get(..19), rfc.find(['Z', '+']).or_else(|| rfc.get(19..).and_then(|t| t.find('-')).map(|i| i + 19))) {
        (Some(head), Some(z)) => format!("{head}{}", &rfc[z..]),
        _ => rfc.to_string(),
    }
}

/// `helm get metadata` as text.
pub fn metadata_text(rel: &Release) -> String {
    let v = metadata_value(rel);
    let kv = |key: &str| -> String {
        v.get(key)
            .and_then(Value::as_object)
            .map(|o| {
                o.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect::<Vec<_>>().join(",")
            })
            .unwrap_or_default()
    };
    let deps: Vec<String> = v
        .get("dependencies")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|d| d.get("name").and_then(Value::as_str).map(str::to_string)).collect())
        .unwrap_or_default();
    let method = match rel.apply_method.as_str() {
        "ssa" => "server-side apply",
        "csa" | "" => "client-side apply",
        other => other,
    };
    format!(
        "NAME: {}\nCHART: {}\nVERSION: {}\nAPP_VERSION: {}\nANNOTATIONS: {}\nLABELS: {}\nDEPENDENCIES: {}\nNAMESPACE: {}\nREVISION: {}\nSTATUS: {}\nDEPLOYED_AT: {}\nAPPLY_METHOD: {}\n",
        rel.name,
        rel.chart_field("name"),
        rel.chart_field("version"),
        rel.chart_field("appVersion"),
        kv("annotations"),
        kv("labels"),
        deps.join(", "),
        rel.namespace,
        rel.version,
        rel.info.status,
        v["deployedAt"].as_str().unwrap_or(""),
        method
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(version: i64, status: &str, rollback_revision: i64, description: &str) -> Release {
        let mut r = Release { name: "r".into(), version, ..Default::default() };
        r.info.last_deployed = "2026-10-03T10:15:13Z".into();
        r.info.status = status.into();
        r.info.rollback_revision = rollback_revision;
        r.info.description = description.into();
        r
    }

    /// Helm v4.3's `history --show-rollback-revision` column and `rollback_revision` field
    /// (pkg/cmd/history.go: after APP VERSION, blank when not a rollback; JSON omitempty).
    #[test]
    fn history_with_rollback_revision() {
        let rels = [revision(1, "superseded", 0, "Install complete"), revision(2, "deployed", 1, "Rollback to 1")];
        let t = history_table(&rels, true);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0].split('\t').map(str::trim_end).collect::<Vec<_>>(), ["REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "ROLLBACK", "DESCRIPTION"]);
        assert_eq!(lines[1].split('\t').nth(5).map(str::trim_end), Some(""));
        assert_eq!(lines[2].split('\t').nth(5).map(str::trim_end), Some("1"));
        assert!(!history_table(&rels, false).contains("ROLLBACK"));
        assert_eq!(
            history_json(&rels),
            "[{\"revision\":1,\"updated\":\"2026-10-03T10:15:13Z\",\"status\":\"superseded\",\"chart\":\"MISSING\",\"app_version\":\"\",\"description\":\"Install complete\"},\
             {\"revision\":2,\"updated\":\"2026-10-03T10:15:13Z\",\"status\":\"deployed\",\"chart\":\"MISSING\",\"app_version\":\"\",\"rollback_revision\":1,\"description\":\"Rollback to 1\"}]\n"
        );
        assert_eq!(history_elements(&rels)[1]["rollback_revision"], 1);
        assert!(history_elements(&rels)[0].get("rollback_revision").is_none());
    }

    #[test]
    fn uitable_layout() {
        let t = table(&[vec!["NAME".into(), "REV".into()], vec!["a-long-name".into(), "1".into()]]);
        assert_eq!(t, "NAME       \tREV\na-long-name\t1  \n");
        // a two-line cell: resized as a whole (newline included), then one row per line
        let t = table(&[vec!["A".into(), "B".into()], vec!["1".into(), "ab\nlonger line".into()]]);
        assert_eq!(t, "A\tB          \n1\tab         \n \tlonger...  \n");
    }

    #[test]
    fn kubectl_tables_as_helm_prints_them() {
        let table = serde_json::json!({"columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "priority": 0},
            {"name": "Data", "type": "integer", "priority": 0},
            {"name": "Extra", "type": "string", "priority": 1},
            {"name": "Age", "type": "string", "priority": 0}],
            "rows": [{"cells": ["web-config", 2, "x", "30s"]}, {"cells": ["web-config-2", 1, "y", "31s"]}]});
        let text = resources_text(&[("v1/ConfigMap".into(), vec![table])]);
        assert_eq!(text, "==> v1/ConfigMap\nNAME         DATA   AGE\nweb-config   2      30s\nweb-config-2   1     31s\n\n");
    }

    #[test]
    fn ansic_dates() {
        assert_eq!(ansic("2026-11-24T21:48:23.462931319Z"), "Tue Nov 24 21:48:23 2026");
        assert_eq!(ansic("1970-01-01T00:00:00Z"), "Thu Jan  1 00:00:00 1970");
        assert_eq!(rfc3339_seconds("2026-11-24T21:48:23.46Z"), "2026-11-24T21:48:23Z");
    }
}

/// The RESOURCES section as Helm v4 prints it: per `VERSION/Kind` (sorted here; Go's map order is
/// random), `==> KEY` and each object through kubectl's table printer: the server-side Table's
/// priority-0 columns (the server already writes ages), the header with the first object, and every
/// object's row laid out on its own (kubectl's tabwriter: padding 3, cells at least 6 wide), then a
/// blank line.
pub fn resources_text(groups: &[(String, Vec<Value>)]) -> String {
    let mut out = String::new();
    for (key, tables) in groups {
        out.push_str(&format!("==> {key}\n"));
        let mut header_done = false;
        for t in tables {
            let columns: Vec<(usize, &Value)> = t["columnDefinitions"]
                .as_array()
                .map(|c| c.iter().enumerate().filter(|(_, d)| d["priority"].as_i64().unwrap_or(0) == 0).collect())
                .unwrap_or_default();
            let cell = |v: &Value| match v {
                Value::String(s) => s.clone(),
                Value::Null => "<none>".into(),
                v => v.to_string(),
            };
            let header: Vec<String> = columns.iter().map(|(_, d)| d["name"].as_str().unwrap_or("").to_uppercase()).collect();
            for row in t["rows"].as_array().into_iter().flatten() {
                let cells: Vec<String> = columns.iter().map(|(i, _)| cell(&row["cells"][*i])).collect();
                let block = if header_done { vec![cells] } else { vec![header.clone(), cells] };
                header_done = true;
                out.push_str(&tabwriter(&block));
            }
        }
        out.push('\n');
    }
    out
}

/// Go's tabwriter as kubectl sets it up (minwidth 6, padding 3, the last cell unpadded).
fn tabwriter(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n).map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in rows {
        for (c, cell) in r.iter().enumerate() {
            if c + 1 == r.len() {
                out.push_str(cell);
            } else {
                let w = (widths[c] + 3).max(6);
                out.push_str(&format!("{cell:<w$}"));
            }
        }
        out.push('\n');
    }
    out
}

