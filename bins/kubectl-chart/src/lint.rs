//! `kubectl chart lint PATH…`: argument parsing and output for Helm's `lint`.

use clap::Args;
use kubehelm::lint::{self, CommandOptions, LintOptions};

/// Examine charts for possible issues, as `helm lint` does.
#[derive(Args, Debug)]
pub struct LintArgs {
    /// Chart folders or packaged charts (.tgz); default: the current folder, as in Helm.
    paths: Vec<String>,
    /// Fail on lint warnings.
    #[arg(long)]
    strict: bool,
    /// Lint dependent charts.
    #[arg(long)]
    with_subcharts: bool,
    /// Print only warnings and errors.
    #[arg(long)]
    quiet: bool,
    /// Disable JSON schema validation.
    #[arg(long)]
    skip_schema_validation: bool,
    /// Kubernetes version used for capabilities and deprecation checks.
    #[arg(long)]
    kube_version: Option<String>,
    /// Namespace for `.Release.Namespace`.
    #[arg(short = 'n', long, env = "HELM_NAMESPACE", default_value = "default")]
    namespace: String,
    #[command(flatten)]
    values: crate::ValuesFlags,
}

pub fn run(a: LintArgs) -> Result<(), (String, bool)> {
    let plain = |e: String| (e, false);
    let kube_version = match a.kube_version.as_deref() {
        Some(v) if !v.is_empty() => {
            kubehelm::render::objects::KubeVersion::parse(v)
                .map_err(|e| plain(format!("invalid kube version '{v}': {e}")))?;
            Some(v.to_string())
        }
        _ => None,
    };
    let values = kubehelm::values::merge_values(&a.values.options()).map_err(|e| plain(e.to_string()))?;
    let opts = CommandOptions {
        strict: a.strict,
        quiet: a.quiet,
        with_subcharts: a.with_subcharts,
        lint: LintOptions { namespace: a.namespace, kube_version, skip_schema_validation: a.skip_schema_validation },
    };
    let paths = if a.paths.is_empty() { vec![".".to_string()] } else { a.paths.clone() };
    let report = lint::run_command(&paths, &values, &opts);
    for line in &report.log {
        eprintln!("{line}");
    }
    print!("{}", report.stdout);
    match report.error {
        Some(e) => Err(plain(e)),
        None => Ok(()),
    }
}
