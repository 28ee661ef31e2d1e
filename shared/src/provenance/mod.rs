//! Chart provenance as Helm does it: `NAME-VERSION.tgz.prov` files that clear-sign (OpenPGP, SHA-512)
//! the chart's metadata and the archive's SHA-256, written by `package --sign` and checked by `verify`.
//!
//! ```text
//! -----BEGIN PGP SIGNED MESSAGE-----
//! Hash: SHA512
//!
//! apiVersion: v2            ← Chart.yaml metadata, as sigs.k8s.io/yaml marshals it
//! name: mychart
//! version: 0.1.0
//!
//! ...
//! files:
//!   mychart-0.1.0.tgz: sha256:c12a…
//! -----BEGIN PGP SIGNATURE-----
//! …
//! ```
//! Keys come from GnuPG's legacy keyrings (`gpg --export > pubring.gpg`,
//! `gpg --export-secret-keys > secring.gpg`), or an ASCII-armored export.

pub mod keyring;
pub mod message;

use std::path::{Path, PathBuf};

pub use keyring::{Entity, Keyring, Signer};
pub use message::{digest, message_block, metadata_yaml, parse_message_block, SumCollection};

/// A provenance failure, in Helm's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Error(String);

impl Error {
    pub fn new(text: impl Into<String>) -> Self {
        Error(text.into())
    }
}

/// What a successful verification found (Helm's `provenance.Verification`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The signer's user IDs.
    pub signed_by: Vec<String>,
    /// The signer's primary key fingerprint, upper-case hex.
    pub fingerprint: String,
    /// `sha256:<hex>` of the archive.
    pub file_hash: String,
    /// The archive's base name, as named in the .prov file.
    pub file_name: String,
}

impl Verification {
    /// The lines `helm verify` prints.
    pub fn report(&self) -> String {
        let mut out = String::new();
        for name in &self.signed_by {
            out.push_str(&format!("Signed by: {name}\n"));
        }
        out.push_str(&format!("Using Key With Fingerprint: {}\n", self.fingerprint));
        out.push_str(&format!("Chart Hash Verified: {}\n", self.file_hash));
        out
    }
}

/// Helm's `Signatory.Verify`: the signature over the .prov text must come from a key in `ring`, and
/// the .prov must list `filename` with the archive's SHA-256.
pub fn verify(ring: &Keyring, archive: &[u8], prov: &[u8], filename: &str) -> Result<Verification, Error> {
    let block = keyring::decode_clearsigned(prov).ok_or_else(|| Error::new("signature block not found"))?;
    let signer = keyring::check_signature(ring, &block)?;
    let sum = format!("sha256:{}", digest(archive));
    let sums = parse_message_block(&block.plaintext)?;
    match sums.files.get(filename) {
        None => {
            return Err(Error::new(format!("provenance does not contain a SHA for a file named {}", go_quote(filename))))
        }
        Some(sha) if *sha != sum => {
            return Err(Error::new(format!(
                "sha256 sum does not match for {filename}: {} != {}",
                go_quote(sha),
                go_quote(&sum)
            )))
        }
        Some(_) => {}
    }
    Ok(Verification {
        signed_by: signer.identities(),
        fingerprint: signer.fingerprint(),
        file_hash: sum,
        file_name: filename.to_string(),
    })
}

/// Helm's `downloader.VerifyChart`: `path` must be a `.tgz` file with `provfile` beside it, checked
/// against the keyring file.
pub fn verify_chart(path: &Path, provfile: &Path, keyring_path: &Path) -> Result<Verification, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::new(crate::chart::go_os_error("stat", path, &e)))?;
    if meta.is_dir() {
        return Err(Error::new("unpacked charts cannot be verified"));
    }
    let is_tgz = path.extension().is_some_and(|x| x.to_string_lossy().eq_ignore_ascii_case("tgz"));
    if !is_tgz {
        return Err(Error::new("chart must be a tgz file"));
    }
    if let Err(e) = std::fs::metadata(provfile) {
        return Err(Error::new(format!(
            "could not load provenance file {}: {}",
            provfile.display(),
            crate::chart::go_os_error("stat", provfile, &e)
        )));
    }
    let ring = Keyring::load(keyring_path).map_err(|e| Error::new(format!("failed to load keyring: {e}")))?;
    let archive = std::fs::read(path).map_err(|e| {
        Error::new(format!("failed to read chart archive: {}", crate::chart::go_os_error("open", path, &e)))
    })?;
    let prov = std::fs::read(provfile).map_err(|e| {
        Error::new(format!("failed to read provenance file: {}", crate::chart::go_os_error("open", provfile, &e)))
    })?;
    verify(&ring, &archive, &prov, &base_name(path))
}

/// The .prov text for chart archive bytes named `filename`, signed by `signer` (Helm's
/// `Package.Clearsign` after the key is unlocked): the metadata comes from the archive itself.
pub fn sign_archive(signer: &Signer, archive: &[u8], filename: &str) -> Result<String, Error> {
    let chart = crate::chart::load_archive(archive)
        .map_err(|e| Error::new(format!("failed to load chart for signing: {e}")))?;
    let md = metadata_yaml(&chart.metadata)?;
    let block = message_block(&md, archive, filename)?;
    signer.clear_sign(&block)
}

/// Where the passphrase comes from when signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Passphrase {
    /// `--passphrase-file PATH`, or `-` for stdin: its first line.
    File(String),
    /// Already known (read once from stdin for several charts, or given by a caller).
    Given(Vec<u8>),
    /// No passphrase source: a protected key cannot be used.
    None,
}

/// Helm's `Package.Clearsign`: picks `key` from the keyring file, unlocks it, signs the archive at
/// `archive_path` and writes `ARCHIVE.prov` beside it; returns that path. `prompt` is asked for the
/// passphrase of a protected key when no passphrase file was given (the terminal prompt is the
/// caller's business).
pub fn sign_chart(
    archive_path: &Path,
    keyring_path: &Path,
    key: &str,
    passphrase: &Passphrase,
    prompt: &mut dyn FnMut(&str) -> Result<Vec<u8>, Error>,
) -> Result<PathBuf, Error> {
    let ring = Keyring::load(keyring_path)?;
    let entity = ring.find(key)?;
    // Helm reads the passphrase file before it knows whether the key needs it.
    let given = match passphrase {
        Passphrase::File(f) => Some(read_passphrase_file(f)?),
        Passphrase::Given(p) => Some(p.clone()),
        Passphrase::None => None,
    };
    let mut fetch = |name: &str| match &given {
        Some(p) => Ok(p.clone()),
        None => prompt(name),
    };
    let signer = Signer::new(entity, &mut fetch)?;
    let archive = std::fs::read(archive_path).map_err(|e| {
        Error::new(format!("failed to read chart archive: {}", crate::chart::go_os_error("open", archive_path, &e)))
    })?;
    let prov = sign_archive(&signer, &archive, &base_name(archive_path))?;
    let mut out = archive_path.as_os_str().to_os_string();
    out.push(".prov");
    let out = PathBuf::from(out);
    std::fs::write(&out, prov.as_bytes()).map_err(|e| Error::new(crate::chart::go_os_error("open", &out, &e)))?;
    Ok(out)
}

/// The first line of a passphrase file (`-`: stdin, which must not be a terminal), without its line end.
pub fn read_passphrase_file(path: &str) -> Result<Vec<u8>, Error> {
    use std::io::{IsTerminal, Read};
    let mut data = Vec::new();
    if path == "-" {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return Err(Error::new("specified reading passphrase from stdin, without input on stdin"));
        }
        stdin.lock().read_to_end(&mut data).map_err(|e| Error::new(e.to_string()))?;
    } else {
        data = std::fs::read(path).map_err(|e| Error::new(crate::chart::go_os_error("open", Path::new(path), &e)))?;
    }
    first_line(&data)
}

/// bufio's `ReadLine`: the bytes before the first `\n` (a `\r` before it dropped); EOF when empty.
fn first_line(data: &[u8]) -> Result<Vec<u8>, Error> {
    if data.is_empty() {
        return Err(Error::new("EOF"));
    }
    let line = match data.iter().position(|b| *b == b'\n') {
        Some(i) => &data[..i],
        None => data,
    };
    Ok(line.strip_suffix(b"\r").unwrap_or(line).to_vec())
}

/// Helm's default keyring: `$GNUPGHOME/pubring.gpg`, else `~/.gnupg/pubring.gpg`.
pub fn default_keyring() -> PathBuf {
    if let Some(h) = std::env::var_os("GNUPGHOME") {
        return PathBuf::from(h).join("pubring.gpg");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    home.join(".gnupg").join("pubring.gpg")
}

fn base_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Go's `%q` for the plain strings file names and sums are.
fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passphrase_first_line() {
        assert_eq!(first_line(b"secret\nmore").unwrap(), b"secret");
        assert_eq!(first_line(b"secret\r\n").unwrap(), b"secret");
        assert_eq!(first_line(b"\n").unwrap(), b"");
        assert_eq!(first_line(b"nolf").unwrap(), b"nolf");
        assert_eq!(first_line(b"").unwrap_err().to_string(), "EOF");
    }

    #[test]
    fn garbage_provenance_is_an_error() {
        let ring = Keyring::default();
        for prov in [
            &b""[..],
            b"garbage",
            b"\xff\xfe\x00",
            b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nbody\n",
            b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nbody\n-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----",
            b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nbody\n-----BEGIN PGP SIGNATURE-----\n\nnot base64 !!\n-----END PGP SIGNATURE-----",
        ] {
            let err = verify(&ring, b"x", prov, "x.tgz").unwrap_err();
            assert_eq!(err.to_string(), "signature block not found", "{:?}", String::from_utf8_lossy(prov));
        }
    }

    #[test]
    fn keyring_garbage_is_an_error() {
        assert_eq!(
            Keyring::from_bytes(b"\n").unwrap_err().to_string(),
            "openpgp: invalid data: tag byte does not have MSB set"
        );
        assert!(Keyring::from_bytes(b"").unwrap().entities.is_empty());
        assert!(Keyring::from_bytes(&[0x99, 0x01, 0x0d, 0x04, 0xff]).is_err());
        assert!(Keyring::from_bytes(b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n").is_err());
        // Random bytes with the MSB set never panic.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for n in 0..300 {
            let mut data = vec![0x80 | (n as u8)];
            for _ in 0..(n % 97) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                data.push(seed as u8);
            }
            let _ = Keyring::from_bytes(&data);
        }
    }

    #[test]
    fn signing_needs_a_secret_key() {
        let mut never = |_: &str| -> Result<Vec<u8>, Error> { Err(Error::new("asked")) };
        assert_eq!(Signer::new(None, &mut never).unwrap_err().to_string(), "private key not found");
        assert_eq!(Keyring::default().find("x").unwrap().map(|e| e.fingerprint()), None);
    }

    /// A throwaway signing key made by rpgp, as a binary secret keyring and a public one.
    fn keyrings(user: &str) -> (Keyring, Keyring) {
        use pgp::composed::{KeyType, SecretKeyParamsBuilder};
        use pgp::ser::Serialize;
        let key = SecretKeyParamsBuilder::default()
            .key_type(KeyType::Ed25519Legacy)
            .can_certify(true)
            .can_sign(true)
            .primary_user_id(user.into())
            .build()
            .unwrap()
            .generate(rand::thread_rng())
            .unwrap();
        let secret = Keyring::from_bytes(&key.to_bytes().unwrap()).unwrap();
        let public = Keyring::from_bytes(&key.to_public_key().to_bytes().unwrap()).unwrap();
        (secret, public)
    }

    #[test]
    fn signed_bodies_that_do_not_fit_the_archive() {
        let (secret, public) = keyrings("Unit <unit@example.com>");
        assert!(public.entities.first().is_some_and(|e| !e.is_secret()));
        let mut no_prompt = |_: &str| -> Result<Vec<u8>, Error> { Err(Error::new("asked")) };
        let signer = Signer::new(secret.find("unit@").unwrap(), &mut no_prompt).unwrap();
        let archive = b"archive bytes";
        let good = message_block("name: x\n", archive, "x-1.tgz").unwrap();
        let prov = signer.clear_sign(&good).unwrap();
        let v = verify(&public, archive, prov.as_bytes(), "x-1.tgz").unwrap();
        assert_eq!(v.signed_by, vec!["Unit <unit@example.com>".to_string()]);
        assert_eq!(v.file_hash, format!("sha256:{}", digest(archive)));
        // The secret keyring verifies too (Go's ReadKeyRing reads both halves).
        verify(&secret, archive, prov.as_bytes(), "x-1.tgz").unwrap();

        let check = |body: &str| {
            let prov = signer.clear_sign(body).unwrap();
            verify(&public, archive, prov.as_bytes(), "x-1.tgz").unwrap_err().to_string()
        };
        assert_eq!(
            check("name: x\n\n...\nfiles:\n  x-1.tgz: sha256:00\n"),
            format!("sha256 sum does not match for x-1.tgz: \"sha256:00\" != \"sha256:{}\"", digest(archive))
        );
        assert_eq!(check("name: x\n"), "message block must have at least two parts");
        assert_eq!(
            check("name: x\n\n...\nfiles:\n  y-1.tgz: sha256:00\n"),
            "provenance does not contain a SHA for a file named \"x-1.tgz\""
        );
        assert!(check("name: x\n\n...\nfiles: nope\n").contains("cannot unmarshal string"));
        // Lines starting with a dash are dash-escaped in the message and read back unescaped.
        let dashed = message_block("keywords:\n- a\n- --b\n", archive, "x-1.tgz").unwrap();
        let prov = signer.clear_sign(&dashed).unwrap();
        assert!(prov.contains("\n- - a\n- - --b\n"));
        verify(&public, archive, prov.as_bytes(), "x-1.tgz").unwrap();

        // No signature after the text; a signature that does not match the text; an unknown signer.
        let cut = prov.split("-----BEGIN PGP SIGNATURE-----").next().unwrap();
        assert_eq!(verify(&public, archive, cut.as_bytes(), "x-1.tgz").unwrap_err().to_string(), "signature block not found");
        let forged = prov.replace("- - a\n", "- - z\n");
        assert_eq!(
            verify(&public, archive, forged.as_bytes(), "x-1.tgz").unwrap_err().to_string(),
            "openpgp: invalid signature: EdDSA verification failure"
        );
        let (_, stranger) = keyrings("Other <other@example.com>");
        assert_eq!(
            verify(&stranger, archive, prov.as_bytes(), "x-1.tgz").unwrap_err().to_string(),
            "openpgp: signature made by unknown entity"
        );
        // Every truncation of a good .prov is an error or a verification, never a panic.
        for n in (0..prov.len()).step_by(7) {
            if let Some(p) = prov.get(..n) {
                let _ = verify(&public, archive, p.as_bytes(), "x-1.tgz");
            }
        }
    }

    #[test]
    fn report_lines() {
        let v = Verification {
            signed_by: vec!["A <a@x>".into()],
            fingerprint: "ABCD".into(),
            file_hash: "sha256:00".into(),
            file_name: "a.tgz".into(),
        };
        assert_eq!(v.report(), "Signed by: A <a@x>\nUsing Key With Fingerprint: ABCD\nChart Hash Verified: sha256:00\n");
    }
}
