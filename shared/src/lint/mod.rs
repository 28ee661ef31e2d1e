//! `helm lint`: Helm's chart checks (Chart.yaml, values, templates, dependencies, CRDs) and the report
//! `helm lint` prints, with Helm's messages, severities and summary.
//!
//! Mirrors Helm's `pkg/chart/v2/lint` (rules and `support.Linter`), `pkg/action/lint.go` (one path,
//! packaged charts) and `pkg/cmd/lint.go` (several paths, `--with-subcharts`, `--quiet`, the summary).
//!
//! ```no_run
//! use kubehelm::lint::{run_command, CommandOptions};
//! let report = run_command(&[".".to_string()], &Default::default(), &CommandOptions::default());
//! print!("{}", report.stdout);
//! ```

mod chartfile;
mod crds;
mod dependencies;
mod deprecations;
mod k8s;
mod templates;
mod urls;
mod values;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::values::Values;

/// How serious a finding is (Helm's `support.*Sev`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Unknown,
    Info,
    Warning,
    Error,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::Unknown => "UNKNOWN",
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Error => "ERROR",
        }
    }
}

/// One finding: `[SEVERITY] path: text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub severity: Severity,
    /// The file or folder the finding is about (relative to the chart, or the chart's absolute path).
    pub path: String,
    pub text: String,
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}: {}", self.severity.label(), self.path, self.text)
    }
}

/// The findings for one chart folder (Helm's `support.Linter`), plus the log lines Helm's slog would
/// have printed on stderr meanwhile.
#[derive(Debug, Clone)]
pub struct Linter {
    pub messages: Vec<Message>,
    pub highest: Severity,
    /// The chart folder, absolute.
    pub chart_dir: PathBuf,
    /// slog lines (`level=WARN msg=…`), in the order they happened.
    pub log: Vec<String>,
}

impl Linter {
    fn new(chart_dir: PathBuf) -> Self {
        Linter { messages: Vec::new(), highest: Severity::Unknown, chart_dir, log: Vec::new() }
    }

    /// `RunLinterRule`: records a failed check and says whether the check passed.
    fn rule(&mut self, severity: Severity, path: &str, result: Result<(), String>) -> bool {
        match result {
            Ok(()) => true,
            Err(text) => {
                self.messages.push(Message { severity, path: path.to_string(), text });
                if severity > self.highest {
                    self.highest = severity;
                }
                false
            }
        }
    }

    /// The chart folder as Helm prints it in messages.
    fn dir_text(&self) -> String {
        self.chart_dir.display().to_string()
    }
}

/// The lines Helm's chart loader logs while loading `c` (and its subcharts): requirements.yaml and
/// requirements.lock in charts whose apiVersion is not v1.
fn loader_log(c: &crate::chart::Chart, log: &mut Vec<String>) {
    let v1 = c.metadata.api_version == crate::chart::API_VERSION_V1;
    for name in &c.raw_names {
        let message = match name.as_str() {
            "requirements.yaml" if !v1 => {
                "Warning: Dependencies are handled in Chart.yaml since apiVersion \"v2\". We recommend migrating dependencies to Chart.yaml."
            }
            "requirements.lock" if !v1 => {
                "Warning: Dependency locking is handled in Chart.lock since apiVersion \"v2\". We recommend migrating to Chart.lock."
            }
            _ => continue,
        };
        log.push(crate::values::Warning { level: "INFO", message: message.into(), attrs: Vec::new() }.to_string());
    }
    for d in &c.dependencies {
        loader_log(d, log);
    }
}

/// What changes how a chart is linted.
#[derive(Debug, Clone)]
pub struct LintOptions {
    /// `.Release.Namespace` while rendering (Helm's `--namespace`, default `default`).
    pub namespace: String,
    /// `--kube-version`: Capabilities and deprecation checks; `None` is Helm's default (v1.35.0).
    pub kube_version: Option<String>,
    pub skip_schema_validation: bool,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions { namespace: "default".into(), kube_version: None, skip_schema_validation: false }
    }
}

/// Helm's `lint.RunAll`: every rule against the chart folder `base_dir`, with the user's values.
pub fn run_all(base_dir: &Path, values: &Values, opts: &LintOptions) -> Linter {
    let mut linter = Linter::new(absolute(base_dir));
    chartfile::chartfile(&mut linter);
    values::values_with_overrides(&mut linter, values, opts.skip_schema_validation);
    templates::templates(&mut linter, values, opts);
    dependencies::dependencies(&mut linter);
    crds::crds(&mut linter);
    linter
}

/// What `action.Lint.Run` returns for one path.
#[derive(Debug, Clone, Default)]
pub struct LintResult {
    pub total_linted: usize,
    pub messages: Vec<Message>,
    /// The failures at or above the tolerated severity, and errors that stopped linting.
    pub errors: Vec<String>,
    pub log: Vec<String>,
}

impl LintResult {
    /// `action.HasWarningsOrErrors`.
    pub fn has_warnings_or_errors(&self) -> bool {
        self.messages.iter().any(|m| m.severity > Severity::Info) || !self.errors.is_empty()
    }
}

/// `action.Lint.Run` for one path (a chart folder or a packaged `.tgz`/`.tar.gz`).
pub fn lint_path(path: &str, values: &Values, opts: &LintOptions, strict: bool) -> LintResult {
    let lowest = if strict { Severity::Warning } else { Severity::Error };
    let mut result = LintResult::default();
    match lint_chart(path, values, opts) {
        Err(e) => result.errors.push(e),
        Ok(linter) => {
            result.total_linted += 1;
            for m in &linter.messages {
                if m.severity >= lowest {
                    result.errors.push(m.text.clone());
                }
            }
            result.messages = linter.messages;
            result.log = linter.log;
        }
    }
    result
}

/// `action.lintChart`: unpack archives to a temporary folder, check Chart.yaml is there, run the rules.
fn lint_chart(path: &str, values: &Values, opts: &LintOptions) -> Result<Linter, String> {
    if path.ends_with(".tgz") || path.ends_with(".tar.gz") {
        let tmp = TempDir::new().map_err(|e| format!("unable to create temp dir to extract tarball: {e}"))?;
        let chart_path = expand_tarball(path, tmp.path())?;
        return check_and_run(&chart_path.display().to_string(), values, opts);
    }
    check_and_run(path, values, opts)
}

fn check_and_run(chart_path: &str, values: &Values, opts: &LintOptions) -> Result<Linter, String> {
    let chart_yaml = go_join(chart_path, "Chart.yaml");
    if let Err(e) = std::fs::metadata(&chart_yaml) {
        return Err(format!(
            "unable to check Chart.yaml file in chart: {}",
            crate::chart::go_os_error("stat", Path::new(&chart_yaml), &e)
        ));
    }
    Ok(run_all(Path::new(chart_path), values, opts))
}

/// `chartutil.Expand` into `dir`; returns the chart's folder inside it.
fn expand_tarball(path: &str, dir: &Path) -> Result<PathBuf, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("unable to open tarball: {}", crate::chart::go_os_error("open", Path::new(path), &e)))?;
    let fail = |e: String| format!("unable to extract tarball: {e}");
    let files = crate::chart::load_archive_files(&bytes).map_err(|e| fail(e.to_string()))?;
    let mut name = String::new();
    for f in &files {
        if f.name == "Chart.yaml" {
            let md = crate::chart::chartfile::load_chartfile(&f.data)
                .map_err(|e| fail(format!("cannot load Chart.yaml: {e}")))?;
            name = md.name;
        }
    }
    if name.is_empty() {
        return Err(fail("chart name not specified".into()));
    }
    if name == "." || name == ".." {
        return Err(fail(format!("chart name {} is not allowed", crate::chart::metadata_quote(&name))));
    }
    if name.contains('/') {
        return Err(fail(format!(
            "chart name {} must not contain path separators",
            crate::chart::metadata_quote(&name)
        )));
    }
    let chart_dir = dir.join(&name);
    for f in &files {
        // Like securejoin: no component may climb out of the chart folder.
        let rel: PathBuf = f.name.split('/').filter(|c| !c.is_empty() && *c != "." && *c != "..").collect();
        let out = chart_dir.join(rel);
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(|e| fail(e.to_string()))?;
        }
        std::fs::write(&out, &f.data).map_err(|e| fail(e.to_string()))?;
    }
    Ok(chart_dir)
}

/// A temporary folder removed when dropped (Go's `os.MkdirTemp("", "helm-lint")` + `RemoveAll`).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        let base = std::env::temp_dir();
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for i in 0..100u128 {
            let n = (seed.wrapping_mul(6364136223846793005).wrapping_add(i) ^ std::process::id() as u128) % 10_000_000_000;
            let p = base.join(format!("helm-lint{n}"));
            match std::fs::create_dir(&p) {
                Ok(()) => return Ok(TempDir(p)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other("could not create a temporary folder"))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How `helm lint` runs over its arguments.
#[derive(Debug, Clone, Default)]
pub struct CommandOptions {
    pub strict: bool,
    pub quiet: bool,
    pub with_subcharts: bool,
    pub lint: LintOptions,
}

/// What `helm lint` prints: the report (stdout), the log lines (stderr, before the report in time),
/// and the error that makes it exit 1 (`N chart(s) linted, M chart(s) failed`).
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub stdout: String,
    pub log: Vec<String>,
    pub error: Option<String>,
}

/// `helm lint PATH…`: lint every path (and with `with_subcharts` every chart under their `charts/`).
pub fn run_command(paths: &[String], values: &Values, o: &CommandOptions) -> Report {
    let mut all: Vec<String> = paths.to_vec();
    if o.with_subcharts {
        for p in paths {
            walk_subcharts(&go_join(p, "charts"), &mut all);
        }
    }
    let mut report = Report::default();
    let mut failed = 0;
    let mut errors_or_warnings = 0;
    for path in &all {
        let result = lint_path(path, values, &o.lint, o.strict);
        report.log.extend(result.log.iter().cloned());
        let has = result.has_warnings_or_errors();
        if has {
            errors_or_warnings += 1;
        }
        if o.quiet && !has {
            continue;
        }
        report.stdout.push_str(&format!("==> Linting {path}\n"));
        if result.messages.is_empty() {
            for e in &result.errors {
                report.stdout.push_str(&format!("Error {e}\n"));
            }
        }
        for m in &result.messages {
            if !o.quiet || m.severity > Severity::Info {
                report.stdout.push_str(&format!("{m}\n"));
            }
        }
        if !result.errors.is_empty() {
            failed += 1;
        }
        report.stdout.push('\n');
    }
    let summary = format!("{} chart(s) linted, {} chart(s) failed", all.len(), failed);
    if failed > 0 {
        report.error = Some(summary);
    } else if !o.quiet || errors_or_warnings > 0 {
        report.stdout.push_str(&summary);
        report.stdout.push('\n');
    }
    report
}

/// `filepath.Walk(root)` as `--with-subcharts` uses it: folders holding a Chart.yaml, and archives.
fn walk_subcharts(root: &str, out: &mut Vec<String>) {
    let Ok(md) = std::fs::symlink_metadata(root) else { return };
    visit(root, &md, out);
}

fn visit(path: &str, md: &std::fs::Metadata, out: &mut Vec<String>) {
    if go_base(path) == "Chart.yaml" {
        out.push(go_dir(path));
    } else if path.ends_with(".tgz") || path.ends_with(".tar.gz") {
        out.push(path.to_string());
    }
    if !md.is_dir() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else { return };
    let mut names: Vec<String> = entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    for n in names {
        let child = go_join(path, &n);
        if let Ok(cmd) = std::fs::symlink_metadata(&child) {
            visit(&child, &cmd, out);
        }
    }
}

/// Go's `filepath.Clean` for `/`-separated paths.
pub(crate) fn go_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// Go's `filepath.Join(a, b)`.
pub(crate) fn go_join(a: &str, b: &str) -> String {
    if a.is_empty() {
        return go_clean(b);
    }
    go_clean(&format!("{a}/{b}"))
}

/// Go's `filepath.Dir`.
fn go_dir(p: &str) -> String {
    match p.rfind('/') {
        Some(i) => go_clean(&p[..=i]),
        None => ".".into(),
    }
}

fn go_base(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    match t.rfind('/') {
        Some(i) => &t[i + 1..],
        None => t,
    }
}

/// Go's `filepath.Abs`: joined to the working folder and cleaned.
fn absolute(p: &Path) -> PathBuf {
    let text = p.to_string_lossy();
    if text.starts_with('/') {
        return PathBuf::from(go_clean(&text));
    }
    let cwd = std::env::current_dir().map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
    PathBuf::from(go_join(&cwd, &text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_paths() {
        assert_eq!(go_join(".", "charts"), "charts");
        assert_eq!(go_join("a/", "Chart.yaml"), "a/Chart.yaml");
        assert_eq!(go_clean("/a/../../b/./c/"), "/b/c");
        assert_eq!(go_clean("../x/.."), "..");
        assert_eq!(go_dir("charts/sub/Chart.yaml"), "charts/sub");
        assert_eq!(go_dir("Chart.yaml"), ".");
    }

    #[test]
    fn message_text() {
        let m = Message { severity: Severity::Warning, path: "templates/".into(), text: "x".into() };
        assert_eq!(m.to_string(), "[WARNING] templates/: x");
    }
}
