//! `kubectl chart verify ARCHIVE`: argument parsing and output for Helm's `verify` (the archive's
//! `.prov` checked against a keyring), plus the passphrase prompt `package --sign` uses.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::Args;
use kubehelm::provenance;

/// Verify that a chart archive has been signed and is valid, as `helm verify` does.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The chart archive (NAME-VERSION.tgz); its NAME-VERSION.tgz.prov must lie beside it.
    path: String,
    /// Keyring containing public keys (GnuPG legacy binary or ASCII-armored); default
    /// $GNUPGHOME/pubring.gpg or ~/.gnupg/pubring.gpg.
    #[arg(long)]
    keyring: Option<String>,
}

pub fn run(a: VerifyArgs) -> Result<(), (String, bool)> {
    let keyring = match a.keyring.as_deref() {
        Some(k) if !k.is_empty() => PathBuf::from(k),
        _ => provenance::default_keyring(),
    };
    let prov = PathBuf::from(format!("{}.prov", a.path));
    let v = provenance::verify_chart(std::path::Path::new(&a.path), &prov, &keyring).map_err(|e| (e.to_string(), false))?;
    let mut out = std::io::stdout().lock();
    out.write_all(v.report().as_bytes()).and_then(|()| out.flush()).map_err(|e| (e.to_string(), false))
}

/// Helm's `promptUser`: asks for a key's passphrase on the terminal, without echo.
pub fn prompt_passphrase(name: &str) -> Result<Vec<u8>, provenance::Error> {
    let err = |e: std::io::Error| provenance::Error::new(format!("reading the passphrase: {e}"));
    let mut tty = std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty").map_err(err)?;
    write!(tty, "Password for key {} >  ", serde_json_quote(name)).map_err(err)?;
    tty.flush().map_err(err)?;
    let stty = |arg: &str| {
        std::fs::File::open("/dev/tty")
            .ok()
            .and_then(|f| std::process::Command::new("stty").arg(arg).stdin(f).status().ok())
            .is_some_and(|s| s.success())
    };
    let hidden = stty("-echo");
    let mut line = String::new();
    let read = std::io::BufReader::new(&mut tty).read_line(&mut line);
    if hidden {
        stty("echo");
    }
    let _ = writeln!(tty);
    read.map_err(err)?;
    let line = line.strip_suffix('\n').unwrap_or(&line);
    Ok(line.strip_suffix('\r').unwrap_or(line).as_bytes().to_vec())
}

fn serde_json_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
