//! `kubectl chart package [PATH…]`: argument parsing and output for Helm's `package` (no path: the chart
//! in the current folder). The archive is reproducible; when stdout is not a terminal (or with `-o yaml|json`) a ChartArchive document goes to
//! stdout and the human line to stderr.

use std::io::{IsTerminal, Write};

use clap::Args;
use kubehelm::chart::save::{self, PackageOptions, SaveOptions};
use kubehelm::provenance;
use kubehelm::stream::{self, ChartArchive};

/// Package chart folders into versioned chart archives, as `helm package` does.
#[derive(Args, Debug)]
pub struct PackageArgs {
    /// Chart folders to package (default: the current folder, so that `kubectl chart package |
    /// kubectl release install` works inside a chart).
    paths: Vec<String>,
    /// Where to write the archives (default: the current folder; with no chart path and stdout a pipe, no
    /// file is written: the archive only travels down the pipe).
    #[arg(short = 'd', long)]
    destination: Option<String>,
    /// Set the chart's version to this semantic version.
    #[arg(long)]
    version: Option<String>,
    /// Set the chart's appVersion.
    #[arg(long)]
    app_version: Option<String>,
    /// Update dependencies from Chart.yaml into charts/ first.
    #[arg(short = 'u', long)]
    dependency_update: bool,
    /// Print a ChartArchive document per chart (yaml or json) instead of the human line.
    #[arg(short = 'o', long, value_parser = ["yaml", "json"])]
    output: Option<String>,
    /// Sign the package with a PGP private key, writing NAME-VERSION.tgz.prov beside the archive.
    #[arg(long)]
    sign: bool,
    /// Name of the signing key (a user ID, part of one, or a key ID / fingerprint).
    #[arg(long)]
    key: Option<String>,
    /// Keyring holding the secret key (`gpg --export-secret-keys > secring.gpg`); default
    /// $GNUPGHOME/pubring.gpg or ~/.gnupg/pubring.gpg, as Helm.
    #[arg(long)]
    keyring: Option<String>,
    /// File with the key's passphrase (its first line), or `-` for stdin.
    #[arg(long)]
    passphrase_file: Option<String>,
}

pub fn run(a: PackageArgs) -> Result<(), (String, bool)> {
    let plain = |e: String| (e, false);
    // Helm requires a path; with none we package the chart in the current folder.
    let paths = if a.paths.is_empty() { vec![".".to_string()] } else { a.paths.clone() };
    if a.sign {
        if a.key.as_deref().unwrap_or("").is_empty() {
            return Err(plain("--key is required for signing a package".into()));
        }
        if a.keyring.as_deref() == Some("") {
            return Err(plain("--keyring is required for signing a package".into()));
        }
    }
    // `--passphrase-file -` reads stdin once, for every chart.
    let passphrase = match a.passphrase_file.as_deref() {
        Some("-") if a.sign => provenance::Passphrase::Given(provenance::read_passphrase_file("-").map_err(|e| plain(e.to_string()))?),
        Some(f) if !f.is_empty() => provenance::Passphrase::File(f.to_string()),
        _ => provenance::Passphrase::None,
    };
    let format = match a.output.as_deref() {
        Some(f) => Some(f.to_string()),
        None if !std::io::stdout().is_terminal() => Some("yaml".to_string()),
        None => None,
    };
    // `kubectl chart package | kubectl release install` inside a chart folder: the archive goes down the
    // pipe only, rather than into the chart folder (where the next package would pick it up).
    let stream_only = a.paths.is_empty() && a.destination.is_none() && format.is_some();
    if stream_only && a.sign {
        return Err(plain("--sign writes NAME-VERSION.tgz.prov beside the archive: give the archive a folder with -d".into()));
    }
    let scratch = stream_only.then(|| std::env::temp_dir().join(format!("kubectl-chart-package-{}", std::process::id())));
    let destination = match &scratch {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| plain(format!("creating {}: {e}", dir.display())))?;
            dir.to_string_lossy().into_owned()
        }
        None => a.destination.clone().unwrap_or_else(|| ".".into()),
    };
    let result = package_all(&a, &paths, destination, format.as_deref(), &passphrase, scratch.is_some());
    if let Some(dir) = scratch {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

fn package_all(
    a: &PackageArgs,
    paths: &[String],
    destination: String,
    format: Option<&str>,
    passphrase: &provenance::Passphrase,
    stream_only: bool,
) -> Result<(), (String, bool)> {
    let plain = |e: String| (e, false);
    let save = SaveOptions::from_env().map_err(|e| plain(e.to_string()))?;
    let opts = PackageOptions { version: a.version.clone(), app_version: a.app_version.clone(), destination, save };
    let mut stdout = std::io::stdout().lock();
    for p in paths {
        let path = std::path::Path::new(p);
        if let Err(e) = std::fs::metadata(path) {
            return Err(plain(go_stat_error(p, &e)));
        }
        if a.dependency_update {
            crate::dependency::update_before_package(path).map_err(plain)?;
        }
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            // as Go's filepath.Abs: `.` components dropped
            let rel: std::path::PathBuf = path.components().filter(|c| *c != std::path::Component::CurDir).collect();
            std::env::current_dir().map(|d| d.join(rel)).unwrap_or_else(|_| path.to_path_buf())
        };
        let done = save::package(&abs, &opts).map_err(|e| plain(e.to_string()))?;
        if a.sign {
            let keyring = a.keyring.as_deref().map(std::path::PathBuf::from).unwrap_or_else(provenance::default_keyring);
            let key = a.key.as_deref().unwrap_or("");
            provenance::sign_chart(&done.path, &keyring, key, passphrase, &mut crate::verify::prompt_passphrase)
                .map_err(|e| plain(e.to_string()))?;
        }
        let line = if stream_only {
            format!("Successfully packaged chart {}-{} to stdout", done.name, done.version)
        } else {
            format!("Successfully packaged chart and saved it to: {}", done.path.display())
        };
        match format {
            None => writeln!(stdout, "{line}").map_err(|e| plain(e.to_string()))?,
            Some(f) => {
                eprintln!("{line}");
                let doc = ChartArchive::new(done.name, done.version, done.archive);
                let text = if f == "json" { stream::encode_json(&doc) } else { stream::encode(&doc) };
                stdout.write_all(text.as_bytes()).map_err(|e| plain(e.to_string()))?;
            }
        }
    }
    stdout.flush().map_err(|e| plain(e.to_string()))
}

/// Go's `os.Stat` error text.
fn go_stat_error(p: &str, e: &std::io::Error) -> String {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    format!("stat {p}: {reason}")
}
