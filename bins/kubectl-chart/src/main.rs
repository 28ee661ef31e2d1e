//! `kubectl chart`: argument parsing and output only; the work happens in the kubehelm library.

mod create;
mod dependency;
mod lint;
mod package;
mod show;
mod verify;

use clap::{Args, Parser, Subcommand};
use kubehelm::chart;
use kubehelm::render::pipeline::{self, RenderOptions, TemplatePrint};
use kubehelm::render::{CapabilitiesInput, ReleaseOptions};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "kubectl chart", about = "Author Helm charts: template, lint, package, show", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// kubectl's global flags, accepted wherever kubectl passes them (kubectl chart does not talk to a cluster).
    #[command(flatten, next_help_heading = "kubectl flags")]
    kubectl: kubehelm::cli::KubectlFlags,
    /// Behave as this Helm release does: v4.3 (default) or v4.1 (also KUBEHELM_COMPAT); affects
    /// template, lint, show and package.
    #[arg(long, global = true, value_name = "VERSION")]
    helm_compat: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Render chart templates locally and print the manifests, as `helm template` does.
    Template(TemplateArgs),
    /// Show information about a chart, as `helm show` does.
    Show(show::ShowArgs),
    /// Examine charts for possible issues, as `helm lint` does.
    Lint(lint::LintArgs),
    /// Create a new chart with the given name, as `helm create` does.
    Create(create::CreateArgs),
    /// Package chart folders into versioned chart archives, as `helm package` does.
    Package(package::PackageArgs),
    /// Manage a chart's dependencies (list, build, update), as `helm dependency` does.
    #[command(visible_alias = "dep", alias = "dependencies")]
    Dependency(dependency::DependencyArgs),
    /// Verify that a chart archive has been signed and is valid, as `helm verify` does.
    Verify(verify::VerifyArgs),
    /// Shell completion: scripts for bash, zsh and fish, and the kubectl_complete-chart executable.
    Completion(kubehelm::cli::complete::CompletionArgs),
}

use kubehelm::cli::{ChartPathFlags, LocationFlags, ValuesFlags};

#[derive(Args, Debug)]
struct TemplateArgs {
    /// [NAME] CHART: a chart folder or .tgz, `repo/name`, a chart URL, `oci://registry/path/name`, or
    /// `-` (or nothing, with a pipe on stdin) for a ChartArchive document or a .tgz
    #[arg(num_args = 0..)]
    args: Vec<String>,
    #[command(flatten)]
    chart_path: ChartPathFlags,
    #[command(flatten)]
    locations: LocationFlags,
    #[arg(short = 'n', long, env = "HELM_NAMESPACE", default_value = "default")]
    namespace: String,
    #[command(flatten)]
    values: ValuesFlags,
    /// Only show manifests rendered from the given templates (globs).
    #[arg(short = 's', long = "show-only")]
    show_only: Vec<String>,
    /// Include CRDs in the templated output.
    #[arg(long)]
    include_crds: bool,
    /// Leave the chart's crds/ out.
    #[arg(long)]
    skip_crds: bool,
    /// Leave test hooks out of the output.
    #[arg(long)]
    skip_tests: bool,
    /// Leave hooks out of the output.
    #[arg(long)]
    no_hooks: bool,
    /// Set .Release.IsUpgrade instead of .Release.IsInstall.
    #[arg(long)]
    is_upgrade: bool,
    /// Kubernetes version used for Capabilities.KubeVersion.
    #[arg(long)]
    kube_version: Option<String>,
    /// Kubernetes API versions used for Capabilities.APIVersions (repeatable, comma-separated).
    #[arg(short = 'a', long = "api-versions", value_delimiter = ',')]
    api_versions: Vec<String>,
    /// Template used to name the release.
    #[arg(long)]
    name_template: Option<String>,
    /// Generate the release name.
    #[arg(short = 'g', long)]
    generate_name: bool,
    /// Write the executed templates to files in this folder instead of stdout.
    #[arg(long)]
    output_dir: Option<std::path::PathBuf>,
    /// Use the release name in the output-dir path.
    #[arg(long)]
    release_name: bool,
    /// Skip values.schema.json validation.
    #[arg(long)]
    skip_schema_validation: bool,
    /// Render subchart NOTES.txt along with the parent's.
    #[arg(long)]
    render_subchart_notes: bool,
    /// Print the rendered files even when they are not valid YAML.
    #[arg(long, env = "HELM_DEBUG")]
    debug: bool,
    /// Accepted for compatibility: template is always a client-side dry run.
    #[arg(long, num_args = 0..=1, default_missing_value = "client")]
    dry_run: Option<String>,
}

fn release_name(a: &TemplateArgs) -> Result<(String, String), String> {
    match a.args.as_slice() {
        [name, chart] => {
            if a.generate_name {
                return Err("cannot set --generate-name and also specify a name".into());
            }
            if a.name_template.is_some() {
                return Err("cannot set --name-template and also specify a name".into());
            }
            Ok((name.clone(), chart.clone()))
        }
        [chart] => match &a.name_template {
            Some(t) => Ok((kubehelm::render::name_template(t)?, chart.clone())),
            None => Ok(("release-name".into(), chart.clone())),
        },
        [_, _, rest @ ..] => Err(format!("expected at most two arguments, unexpected arguments: {}", rest.join(", "))),
        // No chart argument and a pipe on stdin: the chart comes from the previous plugin
        // (`kubectl chart package | kubectl chart template`).
        [] if !std::io::stdin().is_terminal() => match &a.name_template {
            Some(t) => Ok((kubehelm::render::name_template(t)?, "-".into())),
            None => Ok(("release-name".into(), "-".into())),
        },
        [] => Err("\"kubectl chart template\" requires at least 1 argument".into()),
    }
}

fn run_template(a: TemplateArgs) -> Result<(), (String, bool)> {
    let plain = |e: String| (e, false);
    let (name, chart_ref) = release_name(&a).map_err(plain)?;
    if let Err(e) = kubehelm::render::validate_release_name(&name) {
        let inner = format!("release name {}: {e}", kubehelm::render::funcs::go_quote(&name));
        eprintln!(
            "level=ERROR msg=\"release name check failed\" error={}",
            kubehelm::render::funcs::go_quote(&inner)
        );
        return Err((format!("release name check failed: {inner}"), false));
    }
    let user_values = kubehelm::values::merge_values(&a.values.options()).map_err(|e| plain(e.to_string()))?;
    let chart = if chart_ref == "-" {
        kubehelm::stream::load_chart_from_stdin().map_err(|e| plain(e.to_string()))?
    } else {
        let path = a.chart_path.locate_with(&chart_ref, &a.locations.settings()).map_err(|e| plain(e.message))?;
        chart::load(&path).map_err(|e| plain(e.to_string()))?
    };
    pipeline::check_installable(&chart).map_err(|e| plain(e.message))?;
    pipeline::check_dependencies(&chart).map_err(|e| plain(e.message))?;

    let mut caps = CapabilitiesInput { kube_version: a.kube_version.clone(), ..Default::default() };
    if let Some(v) = &a.kube_version {
        kubehelm::render::objects::KubeVersion::parse(v).map_err(|e| plain(format!("invalid kube version '{v}': {e}")))?;
    }
    caps.api_versions.extend(a.api_versions.iter().cloned());
    let release = ReleaseOptions {
        name: name.clone(),
        namespace: a.namespace.clone(),
        revision: 1,
        is_install: !a.is_upgrade,
        is_upgrade: a.is_upgrade,
    };
    let opts = RenderOptions {
        strict: false,
        skip_schema_validation: a.skip_schema_validation,
        render_subchart_notes: a.render_subchart_notes,
        lookup: None,
    };
    let rendered = match pipeline::render_release(chart, &user_values, &release, &caps, &opts) {
        Ok(r) => r,
        Err(e) => {
            if a.debug && !e.partial.is_empty() {
                let _ = std::io::stdout().write_all(e.partial.as_bytes());
            }
            return Err((e.message, e.rendered && !a.debug));
        }
    };
    let print = TemplatePrint {
        include_crds: a.include_crds && !a.skip_crds,
        skip_tests: a.skip_tests,
        no_hooks: a.no_hooks,
        show_only: a.show_only.clone(),
    };
    if let Some(dir) = &a.output_dir {
        let lines = pipeline::write_output_dir(&rendered, &print, dir, a.release_name.then_some(name.as_str()))
            .map_err(|e| plain(e.to_string()))?;
        for l in lines {
            println!("{l}");
        }
        return Ok(());
    }
    if print.show_only.is_empty() {
        let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        pipeline::write_template_output(&rendered, &print, &mut stdout)
            .and_then(|()| stdout.flush())
            .map_err(|e| plain(e.to_string()))?;
    } else {
        let out = pipeline::template_output(&rendered, &print).map_err(plain)?;
        std::io::stdout().write_all(out.as_bytes()).map_err(|e| plain(e.to_string()))?;
    }
    Ok(())
}

/// Dynamic completion values: charts (repositories from the cache, URL and path prefixes), folders and
/// archives; flags and subcommands come from the command tree.
fn complete_values(pos: &kubehelm::cli::complete::Position) -> Option<kubehelm::cli::complete::Completions> {
    use kubehelm::cli::complete::{self, directive, Completions};
    if pos.flag.is_some() {
        return None;
    }
    let settings = complete::settings(pos);
    match (pos.command().as_str(), pos.positionals.len()) {
        ("template", 0 | 1) | ("show all" | "show chart" | "show values" | "show readme" | "show crds", 0) => {
            Some(complete::charts(&settings, &pos.to_complete, true))
        }
        ("package", _) | ("dependency list" | "dependency build" | "dependency update", 0) => Some(Completions::new(directive::FILTER_DIRS)),
        ("verify", 0) => Some(Completions { items: vec![("tgz".into(), String::new())], directive: directive::FILTER_FILE_EXT }),
        ("create", _) => Some(Completions::new(directive::NO_FILE_COMP)),
        _ => None,
    }
}

fn main() -> ExitCode {
    kubehelm::cli::complete::run_if_requested(<Cli as clap::CommandFactory>::command, &complete_values);
    let cli: Cli = kubehelm::cli::parse();
    if let Err(e) = kubehelm::compat::init(cli.helm_compat.as_deref()) {
        eprintln!("Error: {e}");
        return ExitCode::from(1);
    }
    // Deeply nested templates recurse deeply; give the renderer room.
    let worker = std::thread::Builder::new().stack_size(512 << 20).spawn(move || match cli.command {
        Command::Template(a) => run_template(a),
        Command::Show(a) => show::run(a),
        Command::Lint(a) => lint::run(a),
        Command::Create(a) => create::run(a),
        Command::Package(a) => package::run(a),
        Command::Dependency(a) => dependency::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Completion(a) => kubehelm::cli::complete::run_completion("chart", &a).map_err(|e| (e, false)),
    });
    let result = match worker.map(|h| h.join()) {
        Ok(Ok(r)) => r,
        _ => Err(("internal error: the renderer stopped unexpectedly".to_string(), false)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err((msg, debug_hint)) => {
            if debug_hint {
                eprintln!("Error: {msg}\n\nUse --debug flag to render out invalid YAML");
            } else {
                eprintln!("Error: {msg}");
            }
            ExitCode::from(1)
        }
    }
}
