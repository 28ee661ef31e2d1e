//! `kubectl repo`: argument parsing and output only; the work happens in the kubehelm library.
//!
//! Helm's `repo add/remove/list/update/index`, `search repo`, `pull`, `push` and `registry
//! login/logout`, flag for flag and with Helm's messages, over Helm's own files.

mod commands;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use kubehelm::cli::{ChartPathFlags, LocationFlags};

/// Chart repositories and OCI registries, as Helm keeps them.
#[derive(Parser, Debug)]
#[command(name = "kubectl repo", bin_name = "kubectl repo", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// kubectl's global flags, accepted wherever kubectl passes them (kubectl repo does not talk to a cluster).
    #[command(flatten, next_help_heading = "kubectl flags")]
    pub kubectl: kubehelm::cli::KubectlFlags,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Add a chart repository.
    Add(AddArgs),
    /// Remove one or more chart repositories.
    #[command(alias = "rm")]
    Remove(RemoveArgs),
    /// List chart repositories.
    #[command(alias = "ls")]
    List(ListArgs),
    /// Update information of available charts locally from chart repositories.
    #[command(alias = "up")]
    Update(UpdateArgs),
    /// Generate an index file given a directory containing packaged charts.
    Index(IndexArgs),
    /// Search the configured repositories (or an OCI registry: oci://REGISTRY/PATH/CHART) for charts.
    Search(SearchArgs),
    /// Download a chart from a repository or registry (and optionally unpack it).
    #[command(alias = "fetch")]
    Pull(PullArgs),
    /// Push a chart archive (or a ChartArchive document from stdin: `-`) to an OCI registry.
    Push(PushArgs),
    /// Log in to an OCI registry.
    Login(LoginArgs),
    /// Log out of an OCI registry.
    Logout(LogoutArgs),
    /// Shell completion: scripts for bash, zsh and fish, and the kubectl_complete-repo executable.
    Completion(kubehelm::cli::complete::CompletionArgs),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Json,
    Yaml,
}

#[derive(Args, Debug)]
pub struct AddArgs {
    pub name: String,
    pub url: String,
    /// Chart repository username.
    #[arg(long, default_value = "")]
    pub username: String,
    /// Chart repository password.
    #[arg(long, default_value = "")]
    pub password: String,
    /// Read the chart repository password from stdin.
    #[arg(long)]
    pub password_stdin: bool,
    /// Replace (overwrite) the repo if it already exists.
    #[arg(long)]
    pub force_update: bool,
    /// Identify HTTPS client using this SSL certificate file.
    #[arg(long, default_value = "")]
    pub cert_file: String,
    /// Identify HTTPS client using this SSL key file.
    #[arg(long, default_value = "")]
    pub key_file: String,
    /// Verify certificates of HTTPS-enabled servers using this CA bundle.
    #[arg(long, default_value = "")]
    pub ca_file: String,
    /// Skip tls certificate checks for the repository.
    #[arg(long)]
    pub insecure_skip_tls_verify: bool,
    /// Allow adding official repos that have been permanently deleted.
    #[arg(long)]
    pub allow_deprecated_repos: bool,
    /// Pass credentials to all domains.
    #[arg(long)]
    pub pass_credentials: bool,
    /// Time to wait for the index file download to complete.
    #[arg(long, default_value = "2m0s")]
    pub timeout: String,
    #[command(flatten)]
    pub location: LocationFlags,
}

#[derive(Args, Debug)]
pub struct RemoveArgs {
    #[arg(required = true)]
    pub names: Vec<String>,
    #[command(flatten)]
    pub location: LocationFlags,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Suppress headers in the output.
    #[arg(long)]
    pub no_headers: bool,
    /// Prints the output in the specified format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Format,
    #[command(flatten)]
    pub location: LocationFlags,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    pub names: Vec<String>,
    /// Time to wait for the index file download to complete.
    #[arg(long, default_value = "2m0s")]
    pub timeout: String,
    /// Fail when a repository cannot be updated (Helm 3's flag; always so, as in Helm 4).
    #[arg(long)]
    pub fail_on_repo_update_fail: bool,
    #[command(flatten)]
    pub location: LocationFlags,
}

#[derive(Args, Debug)]
pub struct IndexArgs {
    pub dir: String,
    /// URL of chart repository.
    #[arg(long, default_value = "")]
    pub url: String,
    /// Merge the generated index into the given index.
    #[arg(long, default_value = "")]
    pub merge: String,
    /// Output in JSON format.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    pub keyword: Vec<String>,
    /// Use regular expressions for searching repositories you have added.
    #[arg(short, long)]
    pub regexp: bool,
    /// Show the long listing, with each version of each chart on its own line.
    #[arg(short = 'l', long)]
    pub versions: bool,
    /// Use development versions (alpha, beta, and release candidate releases), too.
    #[arg(long)]
    pub devel: bool,
    /// Search using semantic versioning constraints.
    #[arg(long, default_value = "")]
    pub version: String,
    /// Maximum column width for output table.
    #[arg(long, default_value_t = 50)]
    pub max_col_width: usize,
    /// Search fails if no results are found.
    #[arg(long)]
    pub fail_on_no_result: bool,
    /// Prints the output in the specified format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Format,
    /// Registry username (oci:// searches).
    #[arg(long, default_value = "")]
    pub username: String,
    /// Registry password (oci:// searches).
    #[arg(long, default_value = "")]
    pub password: String,
    /// Use insecure HTTP connections to the registry (oci:// searches).
    #[arg(long)]
    pub plain_http: bool,
    /// Skip tls certificate checks for the registry (oci:// searches).
    #[arg(long)]
    pub insecure_skip_tls_verify: bool,
    /// Verify certificates of HTTPS-enabled registries using this CA bundle (oci:// searches).
    #[arg(long, default_value = "")]
    pub ca_file: String,
    #[command(flatten)]
    pub location: LocationFlags,
}

#[derive(Args, Debug)]
pub struct PullArgs {
    #[arg(required = true)]
    pub charts: Vec<String>,
    /// If set to true, will untar the chart after downloading it.
    #[arg(long)]
    pub untar: bool,
    /// Fetch the provenance file, but don't perform verification.
    #[arg(long)]
    pub prov: bool,
    /// If untar is specified, this flag specifies the name of the directory into which the chart is expanded.
    #[arg(long, default_value = ".")]
    pub untardir: String,
    /// Location to write the chart. If this and untardir are specified, untardir is appended to this.
    #[arg(short, long, default_value = ".")]
    pub destination: String,
    /// Write the ChartArchive document (yaml or json) to stdout; the default when stdout is not a terminal.
    #[arg(short, long)]
    pub output: Option<String>,
    #[command(flatten)]
    pub chart: ChartPathFlags,
    #[command(flatten)]
    pub location: LocationFlags,
}

#[derive(Args, Debug)]
pub struct PushArgs {
    pub chart: String,
    pub remote: String,
    /// Identify registry client using this SSL certificate file.
    #[arg(long, default_value = "")]
    pub cert_file: String,
    /// Identify registry client using this SSL key file.
    #[arg(long, default_value = "")]
    pub key_file: String,
    /// Verify certificates of HTTPS-enabled servers using this CA bundle.
    #[arg(long, default_value = "")]
    pub ca_file: String,
    /// Skip tls certificate checks for the chart upload.
    #[arg(long)]
    pub insecure_skip_tls_verify: bool,
    /// Use insecure HTTP connections for the chart upload.
    #[arg(long)]
    pub plain_http: bool,
    /// Chart repository username where to locate the requested chart.
    #[arg(long, default_value = "")]
    pub username: String,
    /// Chart repository password where to locate the requested chart.
    #[arg(long, default_value = "")]
    pub password: String,
    #[command(flatten)]
    pub location: LocationFlags,
}

#[derive(Args, Debug)]
pub struct LoginArgs {
    pub host: String,
    /// Registry username.
    #[arg(short, long, default_value = "")]
    pub username: String,
    /// Registry password or identity token.
    #[arg(short, long, default_value = "")]
    pub password: String,
    /// Read password or identity token from stdin.
    #[arg(long)]
    pub password_stdin: bool,
    /// Allow connections to TLS registry without certs.
    #[arg(long)]
    pub insecure: bool,
    /// Identify registry client using this SSL certificate file.
    #[arg(long, default_value = "")]
    pub cert_file: String,
    /// Identify registry client using this SSL key file.
    #[arg(long, default_value = "")]
    pub key_file: String,
    /// Verify certificates of HTTPS-enabled servers using this CA bundle.
    #[arg(long, default_value = "")]
    pub ca_file: String,
    /// Use insecure HTTP connections.
    #[arg(long)]
    pub plain_http: bool,
    #[command(flatten)]
    pub location: LocationFlags,
}

#[derive(Args, Debug)]
pub struct LogoutArgs {
    pub host: String,
    #[command(flatten)]
    pub location: LocationFlags,
}

/// Dynamic completion values: repository names, `repo/chart` from the cache, archives, registries.
fn complete_values(
    pos: &kubehelm::cli::complete::Position,
) -> Option<kubehelm::cli::complete::Completions> {
    use kubehelm::cli::complete::{self, directive, Completions};
    if pos.flag.is_some() {
        return None;
    }
    let settings = complete::settings(pos);
    match (pos.command().as_str(), pos.positionals.len()) {
        ("remove" | "update", _) => {
            let mut c = complete::repository_names(&settings, &pos.to_complete);
            c.items.retain(|(n, _)| !pos.positionals.contains(n));
            Some(c)
        }
        ("pull", 0) => Some(complete::charts(&settings, &pos.to_complete, false)),
        ("push", 0) => Some(Completions {
            items: vec![("tgz".into(), String::new())],
            directive: directive::FILTER_FILE_EXT,
        }),
        ("push", 1) => Some(
            Completions {
                items: vec![("oci://".into(), "OCI registry".into())],
                directive: directive::NO_SPACE | directive::NO_FILE_COMP,
            }
            .filter(&pos.to_complete),
        ),
        ("index", 0) => Some(Completions::new(directive::FILTER_DIRS)),
        ("add" | "search" | "login" | "logout", _) => {
            Some(Completions::new(directive::NO_FILE_COMP))
        }
        _ => None,
    }
}

fn main() -> ExitCode {
    kubehelm::cli::complete::run_if_requested(
        <Cli as clap::CommandFactory>::command,
        &complete_values,
    );
    let cli: Cli = kubehelm::cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {}", redact_passwords(&e));
            ExitCode::FAILURE
        }
    }
}

/// Go's `URL.Redacted` applied to every URL in a message: `https://user:secret@host` is shown as
/// `https://user:xxxxx@host`, so a password given in a repository URL never reaches the terminal.
fn redact_passwords(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find("://") {
        out.push_str(&rest[..i + 3]);
        rest = &rest[i + 3..];
        let end = rest
            .find(|c: char| c == '/' || c == '"' || c.is_whitespace())
            .unwrap_or(rest.len());
        let authority = &rest[..end];
        if let Some(at) = authority.rfind('@') {
            if let Some(colon) = authority[..at].find(':') {
                out.push_str(&authority[..colon + 1]);
                out.push_str("xxxxx");
                out.push_str(&authority[at..]);
                rest = &rest[end..];
                continue;
            }
        }
        out.push_str(authority);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            super::redact_passwords(
                "Get \"https://me:s3cret@h.io/index.yaml\": 401; http://x/y ok"
            ),
            "Get \"https://me:xxxxx@h.io/index.yaml\": 401; http://x/y ok"
        );
        assert_eq!(
            super::redact_passwords("oci://me@reg.io/a"),
            "oci://me@reg.io/a"
        );
    }
}
