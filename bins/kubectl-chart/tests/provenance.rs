//! `kubectl chart package --sign` and `kubectl chart verify` against GnuPG and the reference Helm:
//! keys made by `gpg --batch --gen-key` (RSA and Ed25519) in a throwaway GNUPGHOME, exported as legacy
//! keyrings; what we sign Helm verifies, what Helm signs we verify, and both reject a tampered archive
//! or .prov with the same words. Tests skip (with a message) when gpg or the reference Helm is absent.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const REFERENCE_HELM: &str = "/root/.cache/reference-helm/v4.1.4/helm";

fn helm() -> Option<PathBuf> {
    let p = std::env::var_os("HELM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(REFERENCE_HELM));
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping the Helm half: reference Helm not found (set $HELM)");
        None
    }
}

fn have_gpg() -> bool {
    let ok = Command::new("gpg").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipping: gpg not installed (apt-get install -y gnupg)");
    }
    ok
}

struct Tmp(PathBuf);

impl Tmp {
    fn new(tag: &str) -> Tmp {
        let p = std::env::temp_dir().join(format!("kubectl-chart-prov-{}-{}", tag, std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Tmp(p)
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        // The gpg-agent gpg started for this home goes with it.
        let home = self.0.join("gnupg");
        if home.exists() {
            let _ = Command::new("gpgconf").args(["--kill", "gpg-agent"]).env("GNUPGHOME", &home).status();
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A key in the temp GNUPGHOME, exported as legacy binary keyrings (and an armored public key).
struct Key {
    public: PathBuf,
    secret: PathBuf,
    armored: PathBuf,
    fingerprint: String,
}

fn gpg(tmp: &Tmp, args: &[&str], stdin: Option<&str>) -> Output {
    let home = tmp.path("gnupg");
    let mut c = Command::new("gpg");
    c.arg("--homedir").arg(&home).arg("--batch").args(args);
    c.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "gpg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn make_key(tmp: &Tmp, kind: &str, name: &str, email: &str, passphrase: Option<&str>) -> Key {
    let home = tmp.path("gnupg");
    std::fs::create_dir_all(&home).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let algo = match kind {
        "rsa" => "Key-Type: RSA\nKey-Length: 2048\n",
        _ => "Key-Type: EDDSA\nKey-Curve: ed25519\nKey-Usage: sign\n",
    };
    let protection = match passphrase {
        Some(p) => format!("Passphrase: {p}\n"),
        None => "%no-protection\n".to_string(),
    };
    let params = format!("{algo}{protection}Name-Real: {name}\nName-Email: {email}\nExpire-Date: 0\n%commit\n");
    gpg(tmp, &["--gen-key"], Some(&params));
    let listing = String::from_utf8(gpg(tmp, &["--with-colons", "--fingerprint", email], None).stdout).unwrap();
    let fingerprint = listing
        .lines()
        .find(|l| l.starts_with("fpr:"))
        .and_then(|l| l.split(':').nth(9))
        .unwrap()
        .to_string();
    let tag = email.split('@').next().unwrap();
    let public = tmp.path(&format!("{tag}-pubring.gpg"));
    let secret = tmp.path(&format!("{tag}-secring.gpg"));
    let armored = tmp.path(&format!("{tag}-pub.asc"));
    std::fs::write(&public, gpg(tmp, &["--export", email], None).stdout).unwrap();
    std::fs::write(&armored, gpg(tmp, &["--armor", "--export", email], None).stdout).unwrap();
    let mut sec_args = vec!["--pinentry-mode", "loopback"];
    if let Some(p) = passphrase {
        sec_args.extend(["--passphrase", p]);
    }
    sec_args.extend(["--export-secret-keys", email]);
    std::fs::write(&secret, gpg(tmp, &sec_args, None).stdout).unwrap();
    Key { public, secret, armored, fingerprint }
}

fn run(bin: &Path, dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut c = Command::new(bin);
    c.current_dir(dir).args(args).env_remove("SOURCE_DATE_EPOCH").env_remove("HELM_NAMESPACE");
    c.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(data) = stdin {
        child.stdin.take().unwrap().write_all(data).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn ours(dir: &Path, args: &[&str]) -> Output {
    run(Path::new(env!("CARGO_BIN_EXE_kubectl-chart")), dir, args, None)
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn err(o: &Output) -> String {
    assert!(!o.status.success(), "expected a failure, got: {}", String::from_utf8_lossy(&o.stdout));
    String::from_utf8_lossy(&o.stderr).trim_end().to_string()
}

/// `kubectl chart create NAME` in the temp folder; returns the chart folder.
fn chart(tmp: &Tmp, name: &str) -> PathBuf {
    ok(&ours(&tmp.0, &["create", name]));
    tmp.path(name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// One byte of the file changed.
fn tamper_byte(p: &Path, at: usize) {
    let mut b = std::fs::read(p).unwrap();
    let i = at.min(b.len() - 1);
    b[i] ^= 0x01;
    std::fs::write(p, b).unwrap();
}

/// The signed body changed (the chart version in the metadata).
fn tamper_prov(p: &Path) {
    let t = std::fs::read_to_string(p).unwrap();
    assert!(t.contains("\nversion: 0.1.0\n"));
    std::fs::write(p, t.replacen("\nversion: 0.1.0\n", "\nversion: 0.1.9\n", 1)).unwrap();
}

fn copy_signed(from_dir: &Path, to_dir: &Path, file: &str) {
    std::fs::create_dir_all(to_dir).unwrap();
    std::fs::copy(from_dir.join(file), to_dir.join(file)).unwrap();
    std::fs::copy(from_dir.join(format!("{file}.prov")), to_dir.join(format!("{file}.prov"))).unwrap();
}

/// Signing with `key`, checks of our .prov by gpg, Helm and us; of Helm's by us; tampering both ways.
fn round_trip(tmp: &Tmp, key: &Key, key_name: &str, pass_args: &[&str], alg_word: &str) {
    let dir = chart(tmp, "mychart");
    let file = "mychart-0.1.0.tgz";
    let mut args = vec!["package", s(&dir), "-d", "ours", "--sign", "--key", key_name, "--keyring", s(&key.secret)];
    args.extend(pass_args);
    let out = ours(&tmp.0, &args);
    ok(&out);
    let ours_dir = tmp.path("ours");
    let prov = std::fs::read_to_string(ours_dir.join(format!("{file}.prov"))).unwrap();
    // Helm's layout: metadata, `...`, the files map, SHA-512, no armor headers.
    assert!(prov.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\napiVersion: v2\n"), "{prov}");
    assert!(prov.contains("\nversion: 0.1.0\n\n...\nfiles:\n  mychart-0.1.0.tgz: sha256:"), "{prov}");
    assert!(prov.ends_with("-----END PGP SIGNATURE-----"), "{prov}");

    // GnuPG itself accepts the signature.
    gpg(tmp, &["--verify", s(&ours_dir.join(format!("{file}.prov")))], None);

    // We verify ours, with the binary keyring and the armored one.
    let expect_head = format!("Signed by: {key_name}");
    for ring in [&key.public, &key.armored] {
        let report = ok(&ours(&ours_dir, &["verify", file, "--keyring", s(ring)]));
        assert!(report.starts_with(&expect_head), "{report}");
        assert!(report.contains(&format!("Using Key With Fingerprint: {}\n", key.fingerprint)), "{report}");
        assert!(report.contains("Chart Hash Verified: sha256:"), "{report}");
    }

    // Tampered copies.
    let bad_archive = tmp.path("ours-bad-archive");
    copy_signed(&ours_dir, &bad_archive, file);
    tamper_byte(&bad_archive.join(file), 200);
    let bad_prov = tmp.path("ours-bad-prov");
    copy_signed(&ours_dir, &bad_prov, file);
    tamper_prov(&bad_prov.join(format!("{file}.prov")));
    let e = err(&ours(&bad_archive, &["verify", file, "--keyring", s(&key.public)]));
    assert!(e.starts_with(&format!("Error: sha256 sum does not match for {file}: \"sha256:")), "{e}");
    let e = err(&ours(&bad_prov, &["verify", file, "--keyring", s(&key.public)]));
    assert_eq!(e, format!("Error: openpgp: invalid signature: {alg_word} verification failure"));

    let Some(helm) = helm() else { return };
    // Helm verifies ours, printing what we print.
    let helm_report = ok(&run(&helm, &ours_dir, &["verify", file, "--keyring", s(&key.public)], None));
    assert_eq!(helm_report, ok(&ours(&ours_dir, &["verify", file, "--keyring", s(&key.public)])));
    // And rejects our tampered copies with our words.
    for d in [&bad_archive, &bad_prov] {
        let h = err(&run(&helm, d, &["verify", file, "--keyring", s(&key.public)], None));
        let o = err(&ours(d, &["verify", file, "--keyring", s(&key.public)]));
        assert_eq!(o, h, "in {}", d.display());
    }

    // Helm signs; we verify, printing what Helm prints.
    let helm_dir = tmp.path("helm");
    let mut hargs = vec!["package", s(&dir), "-d", s(&helm_dir), "--sign", "--key", key_name, "--keyring", s(&key.secret)];
    hargs.extend(pass_args);
    ok(&run(&helm, &tmp.0, &hargs, None));
    let theirs = ok(&run(&helm, &helm_dir, &["verify", file, "--keyring", s(&key.public)], None));
    assert_eq!(ok(&ours(&helm_dir, &["verify", file, "--keyring", s(&key.public)])), theirs);
    // Our body matches Helm's body byte for byte up to the archive digest (the archives differ).
    let helm_prov = std::fs::read_to_string(helm_dir.join(format!("{file}.prov"))).unwrap();
    let body = |p: &str| p.split("sha256:").next().unwrap().to_string();
    assert_eq!(body(&prov), body(&helm_prov));

    // Helm's signed package, tampered, fails with both tools and the same words.
    let hb = tmp.path("helm-bad-archive");
    copy_signed(&helm_dir, &hb, file);
    tamper_byte(&hb.join(file), 300);
    let hp = tmp.path("helm-bad-prov");
    copy_signed(&helm_dir, &hp, file);
    tamper_prov(&hp.join(format!("{file}.prov")));
    for d in [&hb, &hp] {
        let h = err(&run(&helm, d, &["verify", file, "--keyring", s(&key.public)], None));
        let o = err(&ours(d, &["verify", file, "--keyring", s(&key.public)]));
        assert_eq!(o, h, "in {}", d.display());
    }
}

#[test]
fn rsa_unprotected_key_both_ways() {
    if !have_gpg() {
        return;
    }
    let tmp = Tmp::new("rsa");
    let key = make_key(&tmp, "rsa", "RSA Signer", "rsa@example.com", None);
    round_trip(&tmp, &key, "RSA Signer <rsa@example.com>", &[], "RSA");
}

#[test]
fn ed25519_protected_key_both_ways() {
    if !have_gpg() {
        return;
    }
    let tmp = Tmp::new("ed");
    let key = make_key(&tmp, "ed25519", "Ed Signer", "ed@example.com", Some("s3cret pass"));
    let pass = tmp.path("pass.txt");
    std::fs::write(&pass, "s3cret pass\nignored second line\n").unwrap();
    round_trip(&tmp, &key, "Ed Signer <ed@example.com>", &["--passphrase-file", s(&pass)], "EdDSA");

    // The passphrase on stdin, the key named by part of its user ID.
    let dir = tmp.path("mychart");
    let out = run(
        Path::new(env!("CARGO_BIN_EXE_kubectl-chart")),
        &tmp.0,
        &["package", s(&dir), "-d", "stdin", "--sign", "--key", "ed@example", "--keyring", s(&key.secret), "--passphrase-file", "-"],
        Some(b"s3cret pass\n"),
    );
    ok(&out);
    ok(&ours(&tmp.path("stdin"), &["verify", "mychart-0.1.0.tgz", "--keyring", s(&key.public)]));

    // A wrong passphrase, or none, fails before anything is signed.
    let wrong = tmp.path("wrong.txt");
    std::fs::write(&wrong, "nope\n").unwrap();
    let e = err(&ours(
        &tmp.0,
        &["package", s(&dir), "-d", "wrong", "--sign", "--key", "Ed Signer", "--keyring", s(&key.secret), "--passphrase-file", s(&wrong)],
    ));
    assert!(e.starts_with("Error: openpgp:"), "{e}");
    assert!(!tmp.path("wrong/mychart-0.1.0.tgz.prov").exists());
    let empty = tmp.path("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let e = err(&ours(
        &tmp.0,
        &["package", s(&dir), "-d", "wrong", "--sign", "--key", "Ed Signer", "--keyring", s(&key.secret), "--passphrase-file", s(&empty)],
    ));
    assert_eq!(e, "Error: EOF");
}

#[test]
fn keys_and_files_that_do_not_fit() {
    if !have_gpg() {
        return;
    }
    let tmp = Tmp::new("errors");
    let signer = make_key(&tmp, "rsa", "Alice", "alice@example.com", None);
    let other = make_key(&tmp, "ed25519", "Bob", "bob@example.com", None);
    let dir = chart(&tmp, "mychart");
    let file = "mychart-0.1.0.tgz";
    let sign = |key: &str, ring: &Path, dest: &str| {
        ours(&tmp.0, &["package", s(&dir), "-d", dest, "--sign", "--key", key, "--keyring", s(ring)])
    };
    ok(&sign("alice@example.com", &signer.secret, "signed"));
    let signed = tmp.path("signed");

    let mut cases: Vec<(Vec<String>, PathBuf, String)> = Vec::new();
    let v = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    // Signed by a key the keyring does not hold.
    cases.push((v(&["verify", file, "--keyring", s(&other.public)]), signed.clone(), "Error: openpgp: signature made by unknown entity".into()));
    // No .prov, no archive, a folder, not a .tgz, a missing keyring, a keyring of garbage.
    std::fs::copy(signed.join(file), tmp.path(file)).unwrap();
    cases.push((
        v(&["verify", file, "--keyring", s(&signer.public)]),
        tmp.0.clone(),
        format!("Error: could not load provenance file {file}.prov: stat {file}.prov: no such file or directory"),
    ));
    cases.push((v(&["verify", "nope.tgz", "--keyring", s(&signer.public)]), tmp.0.clone(), "Error: stat nope.tgz: no such file or directory".into()));
    cases.push((v(&["verify", "mychart", "--keyring", s(&signer.public)]), tmp.0.clone(), "Error: unpacked charts cannot be verified".into()));
    std::fs::write(tmp.path("notes.txt"), "x").unwrap();
    cases.push((v(&["verify", "notes.txt", "--keyring", s(&signer.public)]), tmp.0.clone(), "Error: chart must be a tgz file".into()));
    cases.push((
        v(&["verify", file, "--keyring", "/nonexistent/ring.gpg"]),
        signed.clone(),
        "Error: failed to load keyring: open /nonexistent/ring.gpg: no such file or directory".into(),
    ));
    std::fs::write(tmp.path("garbage.gpg"), "\nnot a keyring\n").unwrap();
    cases.push((
        v(&["verify", file, "--keyring", s(&tmp.path("garbage.gpg"))]),
        signed.clone(),
        "Error: failed to load keyring: openpgp: invalid data: tag byte does not have MSB set".into(),
    ));
    // A .prov that is no clear-signed message.
    let junk = tmp.path("junk");
    copy_signed(&signed, &junk, file);
    std::fs::write(junk.join(format!("{file}.prov")), "hello\n").unwrap();
    cases.push((v(&["verify", file, "--keyring", s(&signer.public)]), junk.clone(), "Error: signature block not found".into()));
    // Renamed archive: the .prov names another file.
    let renamed = tmp.path("renamed");
    std::fs::create_dir_all(&renamed).unwrap();
    std::fs::copy(signed.join(file), renamed.join("other-1.0.0.tgz")).unwrap();
    std::fs::copy(signed.join(format!("{file}.prov")), renamed.join("other-1.0.0.tgz.prov")).unwrap();
    cases.push((
        v(&["verify", "other-1.0.0.tgz", "--keyring", s(&signer.public)]),
        renamed.clone(),
        "Error: provenance does not contain a SHA for a file named \"other-1.0.0.tgz\"".into(),
    ));

    let helm = helm();
    for (args, dir, want) in &cases {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(err(&ours(dir, &a)), *want, "{args:?}");
        if let Some(h) = &helm {
            assert_eq!(err(&run(h, dir, &a, None)), *want, "helm {args:?}");
        }
    }

    // Signing: no such key, a public keyring, an ambiguous name; the key named by fingerprint works.
    assert_eq!(err(&sign("Carol", &signer.secret, "x")), "Error: private key not found");
    assert_eq!(
        err(&sign("Alice", &signer.public, "x")),
        "Error: provided key is not a private key. Try providing a keyring with secret keys"
    );
    let both = tmp.path("both-secring.gpg");
    let mut data = std::fs::read(&signer.secret).unwrap();
    data.extend(std::fs::read(&other.secret).unwrap());
    std::fs::write(&both, data).unwrap();
    assert_eq!(err(&sign("example.com", &both, "x")), "Error: more than one key contain the id \"example.com\"");
    ok(&sign("Bob <bob@example.com>", &both, "bob"));
    ok(&ours(&tmp.path("bob"), &["verify", file, "--keyring", s(&other.public)]));
    ok(&sign(&signer.fingerprint, &both, "byfpr"));
    ok(&ours(&tmp.path("byfpr"), &["verify", file, "--keyring", s(&signer.public)]));
    if let Some(h) = &helm {
        let e = err(&run(h, &tmp.0, &["package", s(&dir), "-d", "x", "--sign", "--key", "example.com", "--keyring", s(&both)], None));
        assert_eq!(e, "Error: more than one key contain the id \"example.com\"");
        let e = err(&run(h, &tmp.0, &["package", s(&dir), "-d", "x", "--sign", "--key", "Alice", "--keyring", s(&signer.public)], None));
        assert_eq!(e, "Error: provided key is not a private key. Try providing a keyring with secret keys");
    }
}
