//! Chart + user values → a release's rendered content (Helm's install path up to the cluster): dependency
//! processing, coalescing, schema validation, kubeVersion check, rendering, NOTES and the hook split.
//! Also prints that content the way `helm template` does.

use super::manifest::{self, Hook, Manifest};
use super::{CapabilitiesInput, ReleaseOptions, RenderError};
use crate::chart::Chart;
use crate::values;
use std::collections::BTreeMap;

/// What a release is made of after rendering.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The coalesced values the templates saw (the release's "config" is the user values, kept apart).
    pub values: serde_json::Map<String, serde_json::Value>,
    pub hooks: Vec<Hook>,
    pub manifests: Vec<Manifest>,
    /// NOTES.txt of the root chart (and of subcharts with `render_subchart_notes`).
    pub notes: String,
    /// `crds/` files of the chart and its subcharts: (full file name, content).
    pub crds: Vec<(String, String)>,
}

/// A failure while producing a release. `partial` holds what Helm would still show with `--debug` (the
/// rendered files when their YAML is broken); `rendered` says whether rendering was reached, which
/// decides whether `helm template` appends its "Use --debug flag" hint.
#[derive(Debug, Clone)]
pub struct PipelineError {
    pub message: String,
    pub rendered: bool,
    pub partial: String,
}

impl std::fmt::Display for PipelineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PipelineError {}

fn early(message: impl std::fmt::Display) -> PipelineError {
    PipelineError { message: message.to_string(), rendered: false, partial: String::new() }
}

fn late(message: impl std::fmt::Display) -> PipelineError {
    PipelineError { message: message.to_string(), rendered: true, partial: String::new() }
}

/// Options that change what is rendered.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub strict: bool,
    pub skip_schema_validation: bool,
    pub render_subchart_notes: bool,
    /// `lookup` against the cluster (install, upgrade, `--dry-run=server`); `None` = offline.
    pub lookup: Option<super::LookupFn>,
}

/// Helm's checkIfInstallable: only application charts install.
pub fn check_installable(chart: &Chart) -> Result<(), PipelineError> {
    match chart.metadata.r#type.as_str() {
        "" | "application" => Ok(()),
        other => Err(early(format!("{other} charts are not installable"))),
    }
}

/// Helm's CheckDependencies: every dependency in Chart.yaml must be present under charts/.
pub fn check_dependencies(chart: &Chart) -> Result<(), PipelineError> {
    let missing: Vec<&str> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|d| !chart.dependencies.iter().any(|c| c.name() == d.name))
        .map(|d| d.name.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(early(format!(
        "an error occurred while checking for chart dependencies. You may need to run {} to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {}",
        crate::compat::current().dependency_build_hint(),
        missing.join(", ")
    )))
}

/// Render a release from a loaded chart and the user's values (Helm's Install.Run up to the apply).
pub fn render_release(
    mut chart: Chart,
    user_values: &serde_json::Map<String, serde_json::Value>,
    release: &ReleaseOptions,
    caps: &CapabilitiesInput,
    opts: &RenderOptions,
) -> Result<Rendered, PipelineError> {
    values::process_dependencies(&mut chart, user_values)
        .map_err(|e| early(format!("chart dependencies processing failed: {e}")))?;
    let (coalesced, warnings) = values::coalesce_with_warnings(&chart, user_values).map_err(early)?;
    // Helm's coalescing logs through the default logger (slog's text handler on stderr) as it goes.
    for w in warnings {
        eprintln!("{w}");
    }
    if !opts.skip_schema_validation {
        values::validate_schema(&chart, &coalesced).map_err(|e| {
            early(format!("values don't meet the specifications of the schema(s) in the following chart(s):\n{e}"))
        })?;
    }

    let kube_version = caps.kube_version().map_err(early)?;
    if !chart.metadata.kube_version.is_empty() {
        let compatible = gosemver::Constraints::parse(&chart.metadata.kube_version)
            .ok()
            .zip(gosemver::Version::parse(&kube_version.normalized).ok())
            .is_some_and(|(c, v)| c.check(&v));
        if !compatible {
            return Err(late(format!(
                "chart requires kubeVersion: {} which is incompatible with Kubernetes {}",
                chart.metadata.kube_version, kube_version.version
            )));
        }
    }

    let engine = super::EngineOptions { strict: opts.strict, lookup: opts.lookup.clone(), ..Default::default() };
    // Each rendered file is split and its heads read on a helper thread while the rest renders.
    let mut splitter = manifest::Splitter::new(crate::compat::current());
    let mut note_files = BTreeMap::new();
    super::render_each(&chart, &coalesced, release, caps, &engine, &mut |name, text| {
        if name.ends_with("NOTES.txt") {
            note_files.insert(name, text);
        } else {
            splitter.add(name, text);
        }
    })
    .map_err(|RenderError(e)| late(e))?;
    // The templates' text is not read again: free it before the manifests are copied out of the output.
    drop_templates(&mut chart);

    let root_notes = format!("{}/templates/NOTES.txt", chart.name());
    let mut notes = String::new();
    for (name, text) in note_files {
        if opts.render_subchart_notes || name == root_notes {
            if !notes.is_empty() {
                notes.push('\n');
            }
            notes.push_str(&text);
        }
    }

    let (hooks, manifests) = splitter
        .finish(manifest::INSTALL_ORDER)
        .map_err(|e| PipelineError { message: e.message, rendered: true, partial: e.partial })?;

    let crds = chart
        .crd_files()
        .into_iter()
        .map(|(name, f)| (name, String::from_utf8_lossy(&f.data).into_owned()))
        .collect();
    Ok(Rendered { values: coalesced, hooks, manifests, notes, crds })
}

fn drop_templates(chart: &mut Chart) {
    chart.templates = Vec::new();
    for dep in &mut chart.dependencies {
        drop_templates(dep);
    }
}

/// How `helm template` prints a rendered release.
#[derive(Debug, Clone, Default)]
pub struct TemplatePrint {
    pub include_crds: bool,
    pub skip_tests: bool,
    pub no_hooks: bool,
    /// `-s/--show-only` patterns (Go filepath.Match against the path below the chart name).
    pub show_only: Vec<String>,
}

/// The release manifest as Helm stores it: `---\n# Source: NAME\nCONTENT\n` per object (CRDs first when
/// asked for).
pub fn manifest_text(r: &Rendered, include_crds: bool) -> String {
    let mut out = String::new();
    if include_crds {
        for (name, content) in &r.crds {
            out.push_str(&format!("---\n# Source: {name}\n{content}\n"));
        }
    }
    for m in &r.manifests {
        out.push_str(&format!("---\n# Source: {}\n{}\n", m.name, m.content));
    }
    out
}

/// `helm template`'s stdout written straight to `w` (no `--show-only`): the same bytes as
/// `template_output`, without building the multi-megabyte text first.
pub fn write_template_output(r: &Rendered, p: &TemplatePrint, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    // Helm prints TrimSpace(manifest) and a newline: every entry is `---\n# Source: NAME\nCONTENT\n`,
    // so only the last one loses its trailing white space.
    let crds = r.crds.iter().filter(|_| p.include_crds).map(|(n, c)| (n.as_str(), c.as_str()));
    let entries: Vec<(&str, &str)> = crds.chain(r.manifests.iter().map(|m| (m.name.as_str(), m.content.as_str()))).collect();
    match entries.split_last() {
        None => w.write_all(b"\n")?,
        Some(((last_name, last_content), rest)) => {
            for (name, content) in rest {
                write!(w, "---\n# Source: {name}\n{content}\n")?;
            }
            let content = last_content.trim_end();
            if content.is_empty() {
                write!(w, "---\n# Source: {}\n", last_name.trim_end())?;
            } else {
                write!(w, "---\n# Source: {last_name}\n{content}\n")?;
            }
        }
    }
    if !p.no_hooks {
        for h in &r.hooks {
            if p.skip_tests && h.events.iter().any(|e| e == "test") {
                continue;
            }
            write!(w, "---\n# Source: {}\n{}\n", h.path, h.manifest)?;
        }
    }
    Ok(())
}

/// `helm template`'s stdout for a rendered release.
pub fn template_output(r: &Rendered, p: &TemplatePrint) -> Result<String, String> {
    let mut out = String::new();
    out.push_str(manifest_text(r, p.include_crds).trim());
    out.push('\n');
    if !p.no_hooks {
        for h in &r.hooks {
            if p.skip_tests && h.events.iter().any(|e| e == "test") {
                continue;
            }
            out.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
        }
    }
    if p.show_only.is_empty() {
        return Ok(out);
    }
    let docs = manifest::split_manifests(&out);
    let mut selected = Vec::new();
    for pattern in &p.show_only {
        let mut missing = true;
        for doc in &docs {
            let Some(path) = source_path(doc) else { continue };
            if !go_path_match(pattern, path) {
                continue;
            }
            selected.push(doc.clone());
            missing = false;
        }
        if missing {
            return Err(format!("could not find template {pattern} in chart"));
        }
    }
    Ok(selected.iter().map(|d| format!("---\n{d}\n")).collect())
}

/// The `X` of the first `# Source: CHART/X` line (regex `# Source: [^/]+/(.+)`).
fn source_path(doc: &str) -> Option<&str> {
    let start = doc.find("# Source: ")? + "# Source: ".len();
    let line = doc[start..].lines().next().unwrap_or("");
    let slash = line.find('/')?;
    if slash == 0 {
        return None;
    }
    let rest = &line[slash + 1..];
    (!rest.is_empty()).then_some(rest)
}

/// Go's `filepath.Match` on `/`-separated paths (`*` and `?` stop at `/`, classes with `^` negation); a
/// malformed pattern matches nothing, as Helm ignores Match's error. Go's algorithm: no backtracking.
pub fn go_path_match(pattern: &str, name: &str) -> bool {
    crate::chart::ignore::go_match(pattern, name).unwrap_or(false)
}

/// Write rendered files under `dir` as `helm template --output-dir` does; returns the `wrote …` lines.
pub fn write_output_dir(
    r: &Rendered,
    p: &TemplatePrint,
    dir: &std::path::Path,
    release_dir: Option<&str>,
) -> std::io::Result<Vec<String>> {
    let base = match release_dir {
        Some(name) => dir.join(name),
        None => dir.to_path_buf(),
    };
    let mut written: BTreeMap<String, bool> = BTreeMap::new();
    let mut lines = Vec::new();
    let mut write = |name: &str, content: &str, root: &std::path::Path| -> std::io::Result<()> {
        let path = root.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let append = *written.get(name).unwrap_or(&false);
        let mut f = std::fs::OpenOptions::new().create(true).write(true).append(append).truncate(!append).open(&path)?;
        std::io::Write::write_all(&mut f, format!("---\n# Source: {name}\n{content}\n").as_bytes())?;
        written.insert(name.to_string(), true);
        lines.push(format!("wrote {}", path.display()));
        Ok(())
    };
    if p.include_crds {
        for (name, content) in &r.crds {
            write(name, content, dir)?;
        }
    }
    for m in &r.manifests {
        write(&m.name, &m.content, &base)?;
    }
    if !p.no_hooks {
        for h in &r.hooks {
            if p.skip_tests && h.events.iter().any(|e| e == "test") {
                continue;
            }
            write(&h.path, &h.manifest, &base)?;
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filepath_match() {
        assert!(go_path_match("templates/*.yaml", "templates/a.yaml"));
        assert!(!go_path_match("templates/*.yaml", "templates/x/a.yaml"));
        assert!(go_path_match("templates/[^b]*", "templates/a"));
        assert!(!go_path_match("templates/[^a]*", "templates/a"));
        assert!(go_path_match("charts/sub/templates/x.yaml", "charts/sub/templates/x.yaml"));
    }

    #[test]
    fn streamed_output_equals_the_text() {
        let m = |name: &str, content: &str| Manifest {
            name: name.into(),
            content: content.into(),
            head: Default::default(),
        };
        let cases = vec![
            Rendered::default(),
            Rendered { manifests: vec![m("c/a", "kind: A"), m("c/b", "kind: B")], ..Default::default() },
            Rendered { crds: vec![("c/crds/x.yaml".into(), "kind: X\n\n".into())], ..Default::default() },
            Rendered { crds: vec![("c/crds/x.yaml".into(), "  \n".into())], ..Default::default() },
        ];
        for r in cases {
            for include_crds in [false, true] {
                let p = TemplatePrint { include_crds, ..Default::default() };
                let mut streamed = Vec::new();
                write_template_output(&r, &p, &mut streamed).unwrap();
                assert_eq!(String::from_utf8(streamed).unwrap(), template_output(&r, &p).unwrap());
            }
        }
    }

    #[test]
    fn source_path_below_chart_name() {
        assert_eq!(source_path("# Source: c/templates/a.yaml\nkind: A"), Some("templates/a.yaml"));
        assert_eq!(source_path("kind: A"), None);
    }
}
