//! `kubectl chart create` and `kubectl chart package` against golden files from the reference Helm
//! (tests/golden/create, tests/golden/package, tests/testdata; re-recorded by tests/regen-golden-package),
//! and the ChartArchive pipe into `template -` / `show chart -`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use kubehelm_test_support::Tmp;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn golden(rel: &str) -> String {
    std::fs::read_to_string(root().join("tests/golden").join(rel)).unwrap()
}

fn chart_cmd(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-chart"));
    // compared with Helm v4.1.4 (the reference Helm and the recorded archives): its mode
    c.current_dir(dir).env_remove("HELM_NAMESPACE").env_remove("SOURCE_DATE_EPOCH").env("KUBEHELM_COMPAT", "v4.1");
    c
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &Path)], stdin: Option<&[u8]>) -> Output {
    let mut c = chart_cmd(dir);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(data) = stdin {
        let mut w = child.stdin.take().unwrap();
        w.write_all(data).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Every file under `dir` (dotfiles included), relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(base, &e.path(), out);
            } else {
                out.push(e.path().strip_prefix(base).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn same_tree(got: &Path, want: &Path) {
    assert_eq!(files(got), files(want), "file lists differ");
    for f in files(want) {
        assert_eq!(std::fs::read(got.join(&f)).unwrap(), std::fs::read(want.join(&f)).unwrap(), "{f} differs");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn create_writes_helms_scaffold_and_it_renders_as_helm_renders_it() {
    let tmp = Tmp::new("create");
    let out = run(&tmp.0, &["create", "mychart"], &[], None);
    assert_eq!(ok(&out), golden("create/mychart.stdout"));
    same_tree(&tmp.0.join("mychart"), &root().join("tests/golden/create/mychart"));
    assert!(tmp.0.join("mychart/charts").is_dir());
    let rendered = run(&tmp.0, &["template", "rel", "mychart"], &[], None);
    assert_eq!(ok(&rendered), golden("create/mychart-template.out"));
    // A second create overwrites, warning on stdout as Helm does.
    let again = ok(&run(&tmp.0, &["create", "mychart"], &[], None));
    assert!(again.starts_with("Creating mychart\nWARNING: File \""), "{again}");
    assert!(again.contains("mychart/Chart.yaml\" already exists. Overwriting.\n"));
    // A nested path: the last element is the name.
    std::fs::create_dir_all(tmp.0.join("sub")).unwrap();
    ok(&run(&tmp.0, &["create", "sub/other"], &[], None));
    assert!(std::fs::read_to_string(tmp.0.join("sub/other/Chart.yaml")).unwrap().contains("name: other\n"));
}

#[test]
fn create_from_a_starter_as_helm_does() {
    let tmp = Tmp::new("starter");
    let data = tmp.0.join("data");
    copy_dir(&root().join("tests/charts/starter"), &data.join("starters/starter"));
    let out = run(&tmp.0, &["create", "fromstarter", "--starter", "starter"], &[("HELM_DATA_HOME", &data)], None);
    assert_eq!(ok(&out), golden("create/fromstarter.stdout"));
    let want = root().join("tests/golden/create/fromstarter");
    same_tree(&tmp.0.join("fromstarter"), &want);
    let rendered = run(&tmp.0, &["template", "rel", "fromstarter"], &[], None);
    assert_eq!(ok(&rendered), golden("create/fromstarter-template.out"));
    // By absolute path, and through XDG_DATA_HOME/helm when HELM_DATA_HOME is not set.
    let abs = data.join("starters/starter");
    ok(&run(&tmp.0, &["create", "byabs/fromstarter", "-p", abs.to_str().unwrap()], &[], None));
    same_tree(&tmp.0.join("byabs/fromstarter"), &want);
    let xdg = tmp.0.join("xdg");
    copy_dir(&root().join("tests/charts/starter"), &xdg.join("helm/starters/s2"));
    let mut c = chart_cmd(&tmp.0);
    c.args(["create", "byxdg/fromstarter", "-p", "s2"]).env_remove("HELM_DATA_HOME").env("XDG_DATA_HOME", &xdg);
    assert!(c.output().unwrap().status.success());
    same_tree(&tmp.0.join("byxdg/fromstarter"), &want);
}

#[test]
fn create_errors_as_helm_prints_them() {
    let tmp = Tmp::new("create-errors");
    std::fs::write(tmp.0.join("afile"), "").unwrap();
    let data = tmp.0.join("data");
    let long = "a".repeat(251);
    let cases: &[(&str, &[&str])] = &[
        ("bad-name", &["foo bar"]),
        ("too-long", &[&long]),
        ("not-a-dir", &["afile"]),
        ("missing-parent", &["nothere/chart"]),
        ("parent-is-file", &["afile/chart"]),
        ("missing-starter", &["x", "--starter", "nosuchstarter"]),
    ];
    for (name, args) in cases {
        let mut full = vec!["create"];
        full.extend_from_slice(args);
        let out = run(&tmp.0, &full, &[("HELM_DATA_HOME", &data)], None);
        let t = tmp.0.to_string_lossy().into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).replace(&t, "TMP");
        let stdout = String::from_utf8_lossy(&out.stdout).replace(&t, "TMP");
        assert_eq!(out.status.code().unwrap().to_string(), golden(&format!("create/{name}.code")).trim(), "{name}");
        assert_eq!(stderr, golden(&format!("create/{name}.err")), "{name}");
        assert_eq!(stdout, golden(&format!("create/{name}.stdout")), "{name}");
    }
}

#[test]
fn a_hostile_starter_writes_nothing() {
    let tmp = Tmp::new("hostile-starter");
    // A starter archive whose template is a symbolic link.
    let mut tar = Vec::new();
    for (name, flag, data) in [("s/Chart.yaml", b'0', &b"apiVersion: v2\nname: s\nversion: 1.0.0\n"[..]), ("s/templates/x.yaml", b'2', &b""[..])] {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
        h[136..148].copy_from_slice(b"00000000000\0");
        h[156] = flag;
        h[157..168].copy_from_slice(b"/etc/passwd");
        h[257..265].copy_from_slice(b"ustar\x0000");
        let sum: u32 = h.iter().enumerate().map(|(i, c)| if (148..156).contains(&i) { 32 } else { *c as u32 }).sum();
        h[148..156].copy_from_slice(format!("{:06o}\0 ", sum).as_bytes());
        tar.extend_from_slice(&h);
        tar.extend_from_slice(data);
        tar.resize(tar.len().div_ceil(512) * 512, 0);
    }
    tar.extend_from_slice(&[0u8; 1024]);
    let mut gz = flate2_like_gzip(&tar);
    let starter = tmp.0.join("evil.tgz");
    std::fs::write(&starter, &mut gz).unwrap();
    let out = run(&tmp.0, &["create", "victim", "-p", starter.to_str().unwrap()], &[], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("Error: could not load "));
    assert!(!tmp.0.join("victim").exists());
}

/// A gzip stream without a compressor: stored deflate blocks (enough for a test fixture).
fn flate2_like_gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let chunks: Vec<&[u8]> = data.chunks(65535).collect();
    for (i, c) in chunks.iter().enumerate() {
        out.push(if i + 1 == chunks.len() { 1 } else { 0 });
        let n = c.len() as u16;
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&(!n).to_le_bytes());
        out.extend_from_slice(c);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in data {
        crc ^= *b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn package_pipes_into_template_and_show() {
    let tmp = Tmp::new("package");
    let chart = root().join("tests/charts/pkgdemo");
    let out = run(&tmp.0, &["package", chart.to_str().unwrap()], &[], None);
    let doc = ok(&out);
    let file = tmp.0.join("pkgdemo-1.2.3-rc.1+build.5.tgz");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("Successfully packaged chart and saved it to: {}\n", file.display())
    );
    assert!(doc.starts_with("---\napiVersion: kubectl-helm.dev/v1alpha1\nkind: ChartArchive\nmetadata:\n  name: pkgdemo\n  version: 1.2.3-rc.1+build.5\ndigest: sha256:"), "{doc}");
    let bytes = std::fs::read(&file).unwrap();
    let decoded = kubehelm::stream::decode(&doc).unwrap();
    assert_eq!(decoded.archive, bytes, "the document carries the exact file bytes");
    // The archive, through the pipe or as a file, renders and shows as Helm renders and shows the folder.
    let template = ok(&run(&tmp.0, &["template", "rel", "-"], &[], Some(doc.as_bytes())));
    assert_eq!(template, golden("package/pkgdemo-template.out"));
    let template = ok(&run(&tmp.0, &["template", "rel", file.to_str().unwrap()], &[], None));
    assert_eq!(template, golden("package/pkgdemo-template.out"));
    let show = ok(&run(&tmp.0, &["show", "chart", "-"], &[], Some(&bytes)));
    assert_eq!(show, golden("package/pkgdemo-show-chart.out"));
    // A tampered document is refused.
    let b64 = doc.lines().find_map(|l| l.strip_prefix("archive: ")).unwrap();
    let flipped = if b64.as_bytes()[100] == b'A' { "B" } else { "A" };
    let tampered = doc.replacen(&b64[100..101], flipped, 1);
    let tampered = if tampered == doc { doc.replace(b64, &format!("{}{}{}", &b64[..100], flipped, &b64[101..])) } else { tampered };
    let bad = run(&tmp.0, &["template", "rel", "-"], &[], Some(tampered.as_bytes()));
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("digest mismatch"), "{}", String::from_utf8_lossy(&bad.stderr));
    // The reference Helm reads our archive as it reads the folder (when it is installed: $HELM).
    if let Some(helm) = std::env::var_os("HELM").filter(|h| Path::new(h).exists()) {
        let h = |args: &[&str]| String::from_utf8(Command::new(&helm).args(args).output().unwrap().stdout).unwrap();
        assert_eq!(h(&["template", "rel", file.to_str().unwrap()]), golden("package/pkgdemo-template.out"));
        assert_eq!(h(&["show", "chart", file.to_str().unwrap()]), golden("package/pkgdemo-show-chart.out"));
    }
}

#[test]
fn helms_own_archive_renders_as_helm_renders_it() {
    let tmp = Tmp::new("helm-archive");
    let helm_tgz = root().join("tests/testdata/pkgdemo-1.2.3-rc.1+build.5.tgz");
    let out = ok(&run(&tmp.0, &["template", "rel", helm_tgz.to_str().unwrap()], &[], None));
    assert_eq!(out, golden("package/pkgdemo-tgz-template.out"));
    let bytes = std::fs::read(&helm_tgz).unwrap();
    let out = ok(&run(&tmp.0, &["template", "rel", "-"], &[], Some(&bytes)));
    assert_eq!(out, golden("package/pkgdemo-tgz-template.out"));
    let out = ok(&run(&tmp.0, &["show", "chart", helm_tgz.to_str().unwrap()], &[], None));
    assert_eq!(out, golden("package/pkgdemo-tgz-show-chart.out"));
}

#[test]
fn packaging_is_reproducible_and_honours_source_date_epoch() {
    let tmp = Tmp::new("repro");
    copy_dir(&root().join("tests/charts/pkgdemo"), &tmp.0.join("c"));
    let pkg = |extra: &[&str], env: Option<&str>| {
        let mut c = chart_cmd(&tmp.0);
        c.args(["package", "c", "-d", "out", "-o", "yaml"]).args(extra);
        if let Some(e) = env {
            c.env("SOURCE_DATE_EPOCH", e);
        }
        let o = c.output().unwrap();
        ok(&o);
        assert_eq!(
            String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or(""),
            "Successfully packaged chart and saved it to: out/pkgdemo-1.2.3-rc.1+build.5.tgz"
        );
        std::fs::read(tmp.0.join("out/pkgdemo-1.2.3-rc.1+build.5.tgz")).unwrap()
    };
    let first = pkg(&[], None);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for f in files(&tmp.0.join("c")) {
        let p = tmp.0.join("c").join(f);
        let data = std::fs::read(&p).unwrap();
        std::fs::write(&p, data).unwrap();
    }
    assert_eq!(pkg(&[], None), first, "new mtimes, same bytes");
    let dated = pkg(&[], Some("1000000000"));
    assert_ne!(dated, first);
    assert_eq!(pkg(&[], Some("1000000000")), dated);
    // --version and --app-version land in the archive's Chart.yaml and name.
    let mut c = chart_cmd(&tmp.0);
    let o = c.args(["package", "c", "-d", "out", "--version", "2.0.0", "--app-version", "9.9"]).output().unwrap();
    let doc = ok(&o);
    let a = kubehelm::stream::decode(&doc).unwrap();
    assert_eq!((a.name.as_str(), a.version.as_str()), ("pkgdemo", "2.0.0"));
    let chart = kubehelm::chart::load_archive(&a.archive).unwrap();
    assert_eq!(chart.metadata.app_version, "9.9");
    assert!(tmp.0.join("out/pkgdemo-2.0.0.tgz").exists());
    // Errors as Helm words them.
    let e = |args: &[&str]| String::from_utf8(chart_cmd(&tmp.0).args(args).output().unwrap().stderr).unwrap();
    assert_eq!(e(&["package", "nothere"]), "Error: stat nothere: no such file or directory\n");
    assert_eq!(e(&["package", "c", "--version", "bad"]), "Error: invalid semantic version\n");
    // No path: the chart in the current folder (here there is none).
    assert_eq!(e(&["package"]), format!("Error: unable to detect chart at {}/Chart.yaml: open {}/Chart.yaml: no such file or directory\n", tmp.0.display(), tmp.0.display()));
    let inside = chart_cmd(&tmp.0.join("c")).args(["package", "-o", "yaml"]).output().unwrap();
    let doc = kubehelm::stream::decode(&ok(&inside)).unwrap();
    assert_eq!((doc.name.as_str(), doc.version.as_str()), ("pkgdemo", "1.2.3-rc.1+build.5"));
    assert_eq!(String::from_utf8_lossy(&inside.stderr), "Successfully packaged chart pkgdemo-1.2.3-rc.1+build.5 to stdout\n");
    assert!(!tmp.0.join("c/pkgdemo-1.2.3-rc.1+build.5.tgz").exists(), "the archive only went down the pipe");
    // -u updates dependencies (here a file:// subchart) before packaging, quietly as Helm does.
    assert!(e(&["package", "c", "-u"]).starts_with("Successfully packaged chart and saved it to: "));
    std::fs::remove_dir_all(tmp.0.join("c/charts")).unwrap();
    assert_eq!(e(&["package", "c"]), "Error: found in Chart.yaml, but missing in charts/ directory: sub\n");
}
