//! The dependency rules (Helm's `rules.Dependencies`): Chart.yaml's dependencies and charts/ agree.

use std::collections::BTreeSet;

use super::{Linter, Severity};
use crate::chart::Chart;

pub(super) fn dependencies(l: &mut Linter) {
    let c = match crate::chart::load_dir(&l.chart_dir) {
        Ok(c) => {
            super::loader_log(&c, &mut l.log);
            c
        }
        Err(e) => {
            l.rule(Severity::Error, "", Err(format!("unable to load chart\n\t{e}")));
            return;
        }
    };
    let dir = l.dir_text();
    l.rule(Severity::Error, &dir, in_metadata(&c));
    l.rule(Severity::Error, &dir, unique(&c));
    l.rule(Severity::Warning, &dir, in_charts_dir(&c));
}

/// Every subchart under charts/ is declared in Chart.yaml.
fn in_metadata(c: &Chart) -> Result<(), String> {
    let declared: BTreeSet<&str> = c.metadata.dependencies.iter().map(|d| d.name.as_str()).collect();
    let missing: Vec<&str> = c.dependencies.iter().map(|d| d.name()).filter(|n| !declared.contains(n)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!("chart metadata is missing these dependencies: {}", missing.join(",")))
}

/// Every declared dependency is present under charts/.
fn in_charts_dir(c: &Chart) -> Result<(), String> {
    let present: BTreeSet<&str> = c.dependencies.iter().map(|d| d.name()).collect();
    let missing: Vec<&str> =
        c.metadata.dependencies.iter().map(|d| d.name.as_str()).filter(|n| !present.contains(n)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!("chart directory is missing these dependencies: {}", missing.join(",")))
}

/// No two dependencies share a name or alias.
fn unique(c: &Chart) -> Result<(), String> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut shadowing: Vec<&str> = Vec::new();
    for d in &c.metadata.dependencies {
        let key = if d.alias.is_empty() { d.name.as_str() } else { d.alias.as_str() };
        if !seen.insert(key) {
            shadowing.push(key);
        }
    }
    if shadowing.is_empty() {
        return Ok(());
    }
    Err(format!("multiple dependencies with name or alias: {}", shadowing.join(",")))
}
