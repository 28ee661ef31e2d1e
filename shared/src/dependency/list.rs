//! `helm dependency list`: the NAME/VERSION/REPOSITORY/STATUS table (statuses ok, missing, wrong
//! version, misnamed, corrupt, invalid version, too many matches, unpacked) and the warnings about
//! charts under `charts/` that Chart.yaml does not declare.

use std::path::Path;

use gosemver::{Constraints, Version};

use super::Error;
use crate::chart::{self, Chart, Dependency};

/// The output of `helm dependency list CHART` (chart folder or archive), as text for stdout; cells are
/// cut at `max_col_width` (`--max-col-width`, 80 by default).
pub fn list(chart_path: &Path, max_col_width: usize) -> Result<String, Error> {
    let c = chart::load(chart_path).map_err(|e| Error::new(e.to_string()))?;
    let mut out = String::new();
    if c.metadata.dependencies.is_empty() {
        out.push_str(&format!("WARNING: no dependencies at {}\n", chart_path.join("charts").display()));
        return Ok(out);
    }
    let mut rows = vec![["NAME".to_string(), "VERSION".into(), "REPOSITORY".into(), "STATUS".into()]];
    for d in &c.metadata.dependencies {
        rows.push([d.name.clone(), d.version.clone(), d.repository.clone(), status(chart_path, d, &c)]);
    }
    out.push_str(&table(&rows, max_col_width));
    out.push('\n');
    out.push('\n');
    out.push_str(&missing(chart_path, &c.metadata.dependencies));
    Ok(out)
}

/// gosuri/uitable as Helm uses it: cells padded to their column's width, joined by tabs, every row
/// (the last cell too) padded; cells longer than `max_width` cut there.
pub fn table<const N: usize>(rows: &[[String; N]], max_width: usize) -> String {
    let cut = |s: &str| -> String { s.chars().take(max_width).collect() };
    let mut widths = [0usize; N];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(cut(c).chars().count());
        }
    }
    let lines: Vec<String> = rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, c)| {
                    let c = cut(c);
                    let pad = widths[i] - c.chars().count();
                    format!("{c}{}", " ".repeat(pad))
                })
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    lines.join("\n")
}

fn version_status(found: &str, dep: &Dependency) -> Option<&'static str> {
    if found == dep.version {
        return None;
    }
    let Ok(c) = Constraints::parse(&dep.version) else { return Some("invalid version") };
    let Ok(v) = Version::parse(found) else { return Some("invalid version") };
    if !c.check(&v) {
        return Some("wrong version");
    }
    None
}

fn archive_status(archive: &Path, dep: &Dependency) -> String {
    if std::fs::metadata(archive).is_err() {
        return String::new();
    }
    let Ok(c) = chart::load(archive) else { return "corrupt".into() };
    if c.name() != dep.name {
        return "misnamed".into();
    }
    version_status(&c.metadata.version, dep).unwrap_or("ok").to_string()
}

/// Go's `filepath.Glob` of `charts/NAME-*.tgz`, sorted.
fn archives(chart_path: &Path, name: &str) -> Vec<std::path::PathBuf> {
    let dir = chart_path.join("charts");
    let Ok(rd) = std::fs::read_dir(&dir) else { return Vec::new() };
    let prefix = format!("{name}-");
    let mut out: Vec<_> = rd
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.starts_with(&prefix) && f.ends_with(".tgz") && f.len() >= prefix.len() + 4)
        .map(|f| dir.join(f))
        .collect();
    out.sort();
    out
}

fn status(chart_path: &Path, dep: &Dependency, parent: &Chart) -> String {
    let found = archives(chart_path, &dep.name);
    if found.len() > 1 {
        let semver_named: Vec<_> = found
            .iter()
            .filter(|a| {
                let f = a.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                let stem = f.strip_suffix(".tgz").unwrap_or(&f);
                let maybe = stem.strip_prefix(&format!("{}-", dep.name)).unwrap_or(stem);
                Version::parse_strict(maybe).is_ok()
            })
            .collect();
        if semver_named.len() == 1 {
            let r = archive_status(semver_named[0], dep);
            if !r.is_empty() {
                return r;
            }
        } else if semver_named.len() > 1 {
            return "too many matches".into();
        }
    } else if found.len() == 1 {
        let r = archive_status(&found[0], dep);
        if !r.is_empty() {
            return r;
        }
    }
    let Some(sub) = parent.dependencies.iter().rev().find(|d| d.name() == dep.name) else {
        return "missing".into();
    };
    version_status(&sub.metadata.version, dep).unwrap_or("unpacked").to_string()
}

fn missing(chart_path: &Path, reqs: &[Dependency]) -> String {
    let dir = chart_path.join("charts");
    let mut out = String::new();
    let Ok(rd) = std::fs::read_dir(&dir) else { return out };
    let mut names: Vec<String> = rd.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    for n in names {
        let f = dir.join(&n);
        let shown = f.display().to_string();
        let is_dir = match std::fs::metadata(&f) {
            Ok(m) => m.is_dir(),
            Err(e) => {
                out.push_str(&format!("Warning: {}\n", crate::repo::fsutil::os_error("stat", &f, &e)));
                continue;
            }
        };
        if !is_dir && !n.ends_with(".tgz") {
            continue;
        }
        match chart::load(&f) {
            Err(_) => out.push_str(&format!("WARNING: {} is not a chart.\n", quote(&shown))),
            Ok(c) => {
                if !reqs.iter().any(|d| d.name == c.name()) {
                    out.push_str(&format!("WARNING: {} is not in Chart.yaml.\n", quote(&shown)));
                }
            }
        }
    }
    out
}

fn quote(s: &str) -> String {
    crate::chart::metadata_quote(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_like_uitable() {
        let rows = vec![
            ["NAME".to_string(), "VERSION".into(), "REPOSITORY".into(), "STATUS".into()],
            ["sub".into(), "~1.0".into(), "file://../sub".into(), "ok".into()],
            ["longer-name-here".into(), "2.x".into(), "https://example.com/charts".into(), "missing".into()],
        ];
        assert_eq!(
            table(&rows, 80),
            "NAME            \tVERSION\tREPOSITORY                \tSTATUS \n\
             sub             \t~1.0   \tfile://../sub             \tok     \n\
             longer-name-here\t2.x    \thttps://example.com/charts\tmissing"
        );
    }
}
