//! The three plugins as a kubectl suite, end to end: invoked only as `kubectl chart …`, `kubectl release …`
//! and `kubectl repo …` (kubectl finds them on PATH), in shell pipelines with kubectl itself, in the
//! examples makefile, through kubectl's shell completion, and installed by krew from `make dist`'s output.
//!
//! Needs `kubectl` (skips without it), the local cluster from `tests/cluster` (skips with KUBEHELM_E2E=0 or
//! without the Kubernetes binaries), `make`, and for the krew test krew built from the Go module proxy into
//! `${XDG_CACHE_HOME:-~/.cache}/kubehelm-test-bins` (skips when Go is missing).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{kubeconfig, namespace, repo};
use serde_json::Value;

/// The folder of the plugin binaries cargo built (target/release).
fn built() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_kubectl-release"))
        .parent()
        .expect("target folder")
        .to_path_buf()
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A scratch folder removed at the end.
struct Tmp(PathBuf);

impl Tmp {
    fn new(tag: &str) -> Tmp {
        let p = std::env::temp_dir().join(format!("kubehelm-suite-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Tmp(p)
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A bin folder with exactly the three plugins (links to the built binaries) and their kubectl completion
/// helpers, as an install has them: PATH gets it in front of the system's folders.
fn plugin_bin(tmp: &Path) -> PathBuf {
    let bin = tmp.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for p in ["chart", "release", "repo"] {
        let exe = built().join(format!("kubectl-{p}"));
        assert!(
            exe.is_file(),
            "{} is missing: build the workspace (cargo build --release --workspace)",
            exe.display()
        );
        std::os::unix::fs::symlink(&exe, bin.join(format!("kubectl-{p}"))).unwrap();
    }
    bin
}

/// PATH: `first`, then the system folders that exist (no stray plugins or unreadable folders).
fn path_with(first: &[&Path]) -> String {
    let mut parts: Vec<String> = first
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    for d in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        let ds = d.to_string_lossy().into_owned();
        let plugin_dir = std::fs::read_dir(&d)
            .map(|rd| {
                rd.flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with("kubectl-"))
            })
            .unwrap_or(true);
        if d.is_dir() && !plugin_dir && !parts.contains(&ds) {
            parts.push(ds);
        }
    }
    // kubectl itself must stay reachable
    if let Some(k) = which("kubectl") {
        let dir = k.parent().unwrap().to_string_lossy().into_owned();
        if !parts.contains(&dir) {
            parts.push(dir);
        }
    }
    parts.join(":")
}

fn which(tool: &str) -> Option<PathBuf> {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

struct Sh {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs a bash script (with pipefail) in `dir`, the plugins on PATH, Helm's folders inside `tmp`.
fn sh(tmp: &Path, path: &str, kubeconfig: Option<&Path>, dir: &Path, script: &str) -> Sh {
    let mut c = Command::new("bash");
    c.args(["-c", &format!("set -o pipefail\n{script}")])
        .current_dir(dir)
        .env("PATH", path);
    c.env("HELM_CONFIG_HOME", tmp.join("helm/config"))
        .env("HELM_CACHE_HOME", tmp.join("helm/cache"))
        .env("HELM_DATA_HOME", tmp.join("helm/data"));
    c.env_remove("HELM_NAMESPACE")
        .env_remove("HELM_DRIVER")
        .env_remove("KUBECTL_RELEASE_TRACE");
    match kubeconfig {
        Some(k) => c.env("KUBECONFIG", k),
        None => c.env_remove("KUBECONFIG"),
    };
    let out = c.stdin(Stdio::null()).output().expect("bash runs");
    Sh {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(r: Sh, what: &str) -> String {
    assert_eq!(
        r.code, 0,
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        r.code, r.stdout, r.stderr
    );
    r.stdout
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// tests/charts/release-basic, without the ConfigMap's `.Release.Revision` line (which changes at every
/// upgrade), so that "no change" can be checked.
fn copy_chart(to: &Path) {
    copy_dir(&repo().join("tests/charts/release-basic"), to);
    let cm = to.join("templates/configmap.yaml");
    let text = std::fs::read_to_string(&cm).unwrap();
    let kept: String = text
        .lines()
        .filter(|l| !l.contains(".Release.Revision"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(kept, text, "the revision line is gone");
    std::fs::write(cm, kept).unwrap();
}

fn kubectl_ok() -> bool {
    if have("kubectl") {
        true
    } else {
        eprintln!("SKIP: no kubectl on PATH");
        false
    }
}

#[test]
fn pipelines_through_kubectl() {
    if !kubectl_ok() {
        return;
    }
    let Some(kc) = kubeconfig(true) else { return };
    let tmp = Tmp::new("pipes");
    let bin = plugin_bin(&tmp.0);
    let path = path_with(&[&bin]);
    let ns = namespace("suite");
    let chart = tmp.0.join("release-basic");
    copy_chart(&chart);
    let run = |dir: &Path, script: &str| sh(&tmp.0, &path, Some(&kc), dir, script);

    // kubectl finds all three, without a warning
    let plugins = run(&tmp.0, "kubectl plugin list");
    assert_eq!(plugins.code, 0, "{}{}", plugins.stdout, plugins.stderr);
    for p in ["chart", "release", "repo"] {
        assert!(
            plugins
                .stdout
                .contains(&format!("{}/kubectl-{p}\n", bin.display())),
            "{}",
            plugins.stdout
        );
    }
    assert!(
        !plugins.stdout.contains("warning") && !plugins.stderr.contains("warning"),
        "{}{}",
        plugins.stdout,
        plugins.stderr
    );
    for p in ["chart", "release", "repo"] {
        let v = ok(run(&tmp.0, &format!("kubectl {p} --version")), "--version");
        // `kubectl chart 0.1.0` (kubectl repo names itself `kubectl-repo`)
        assert!(
            [
                format!("kubectl {p} {}\n", env!("CARGO_PKG_VERSION")),
                format!("kubectl-{p} {}\n", env!("CARGO_PKG_VERSION"))
            ]
            .contains(&v),
            "{v}"
        );
    }

    // the card's pipe, exactly as written, inside the chart folder: the release is named after the chart
    let out = ok(
        run(
            &chart,
            &format!(
                "kubectl chart package | kubectl release install -n {ns} --create-namespace --wait"
            ),
        ),
        "kubectl chart package | kubectl release install",
    );
    assert!(out.starts_with("NAME: release-basic\n"), "{out}");
    assert!(out.contains("STATUS: deployed\nREVISION: 1\n"), "{out}");
    let left: Vec<_> = std::fs::read_dir(&chart)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        !left.iter().any(|n| n.to_string_lossy().ends_with(".tgz")),
        "no archive left in the chart folder: {left:?}"
    );

    // the stored manifest is what the cluster runs: kubectl diff finds no drift (exit 0, nothing printed)
    let drift = run(
        &tmp.0,
        &format!("kubectl release get manifest release-basic -n {ns} | kubectl diff -n {ns} -f -"),
    );
    assert_eq!(
        (drift.code, drift.stdout.as_str()),
        (0, ""),
        "kubectl diff found drift:\n{}",
        drift.stderr
    );
    // ... and notices a change made behind the release's back (kubectl diff: exit 1 = differences)
    ok(run(&tmp.0, &format!("kubectl patch configmap release-basic-config -n {ns} --type merge -p '{{\"data\":{{\"greeting\":\"changed\"}}}}'")), "patch");
    let drift = run(
        &tmp.0,
        &format!("kubectl release get manifest release-basic -n {ns} | kubectl diff -n {ns} -f -"),
    );
    assert_eq!(drift.code, 1, "{}{}", drift.stdout, drift.stderr);
    assert!(
        drift.stdout.contains("-  greeting: changed"),
        "{}",
        drift.stdout
    );

    // rendered manifests go straight into the API server's dry run
    let applied = ok(
        run(&chart, &format!("kubectl chart template release-basic . -n {ns} | kubectl apply --dry-run=server -n {ns} -f -")),
        "kubectl chart template | kubectl apply --dry-run=server -f -",
    );
    assert!(
        applied.contains("deployment.apps/release-basic-web")
            && applied.contains("(server dry run)"),
        "{applied}"
    );

    // documents other tools read: JSON for a JSON reader, YAML for kubectl
    let reader = "python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[0][\"name\"], d[0][\"status\"], d[0][\"revision\"])'";
    let listed = ok(
        run(
            &tmp.0,
            &format!("kubectl release list -n {ns} -o json | {reader}"),
        ),
        "list -o json",
    );
    assert_eq!(listed.trim(), "release-basic deployed 1");
    let hist_reader = "python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[-1][\"revision\"], d[-1][\"status\"])'";
    let hist = ok(
        run(
            &tmp.0,
            &format!("kubectl release history release-basic -n {ns} -o json | {hist_reader}"),
        ),
        "history -o json",
    );
    assert_eq!(hist.trim(), "1 1 deployed");
    let status: Value = serde_json::from_str(&ok(
        run(
            &tmp.0,
            &format!("kubectl release status release-basic -n {ns} -o json"),
        ),
        "status -o json",
    ))
    .unwrap();
    assert_eq!(
        (status["name"].as_str(), status["info"]["status"].as_str()),
        (Some("release-basic"), Some("deployed"))
    );
    if have("jq") {
        let v = ok(run(&tmp.0, &format!("kubectl release get values release-basic -n {ns} --all -o json | jq -r .replicas")), "jq");
        assert_eq!(v.trim(), "1");
    }
    // a planned change as JSON, and exit status 2 with --detailed-exitcode
    let plan = run(&chart, &format!("kubectl release diff upgrade release-basic . -n {ns} --set greeting=planned -o json --detailed-exitcode"));
    assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    assert!(
        plan.as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "ConfigMap" && c["change"] == "modified"),
        "{plan}"
    );
    let same = run(
        &chart,
        &format!("kubectl release diff upgrade release-basic . -n {ns} --detailed-exitcode"),
    );
    assert_eq!(
        (same.code, same.stdout.as_str()),
        (0, ""),
        "{}",
        same.stderr
    );

    // kubectl's global flags: --context, --request-timeout, --as (impersonation reaches the API server)
    let ctx = ok(
        run(&tmp.0, "kubectl config current-context"),
        "current-context",
    );
    let q = ok(
        run(
            &tmp.0,
            &format!(
                "kubectl release list -q -n {ns} --context {} --request-timeout 20s -v 0",
                ctx.trim()
            ),
        ),
        "global flags",
    );
    assert_eq!(q.trim(), "release-basic");
    let bad = run(
        &tmp.0,
        &format!("kubectl release list -n {ns} --context no-such-context"),
    );
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    let imp = run(
        &tmp.0,
        &format!("kubectl release list -n {ns} --as nobody-at-all"),
    );
    assert_eq!(
        imp.code, 1,
        "impersonating a user without rights is refused: {}{}",
        imp.stdout, imp.stderr
    );
    assert!(imp.stderr.contains("nobody-at-all"), "{}", imp.stderr);
    // KUBECONFIG with several files: the first sets the current context
    let kc_text = std::fs::read_to_string(&kc).unwrap();
    std::fs::write(
        tmp.0.join("empty.kubeconfig"),
        "apiVersion: v1\nkind: Config\n",
    )
    .unwrap();
    let multi = format!(
        "{}:{}",
        tmp.0.join("empty.kubeconfig").display(),
        kc.display()
    );
    let q = ok(
        run(
            &tmp.0,
            &format!("KUBECONFIG={multi} kubectl release list -q -n {ns}"),
        ),
        "KUBECONFIG a:b",
    );
    assert_eq!(q.trim(), "release-basic");
    assert!(kc_text.contains("current-context"));

    // usage errors exit 1, so that 2 only ever means "differences found"
    let usage = run(&tmp.0, "kubectl release list --no-such-flag");
    assert_eq!(usage.code, 1, "{}", usage.stderr);

    // completion through kubectl: the helpers on PATH answer for `kubectl chart|release <TAB>`
    for p in ["chart", "release"] {
        ok(
            run(
                &tmp.0,
                &format!("kubectl {p} completion install --dir {}", bin.display()),
            ),
            "completion install",
        );
    }
    let c = ok(
        run(&tmp.0, "kubectl __complete chart tem"),
        "kubectl __complete chart",
    );
    assert_eq!(c, "template\tRender chart templates locally and print the manifests, as `helm template` does\n:4\n");
    let c = ok(
        run(
            &tmp.0,
            &format!("kubectl __complete release status -n {ns} ''"),
        ),
        "kubectl __complete release status",
    );
    assert!(
        c.starts_with("release-basic\trevision 1, deployed\n") && c.ends_with(":4\n"),
        "{c}"
    );
    let c = ok(
        run(
            &tmp.0,
            &format!(
                "kubectl __complete release get manifest -n {}",
                &ns[..ns.len() - 2]
            ),
        ),
        "namespaces",
    );
    assert!(c.lines().any(|l| l == ns), "{c}");
    let c = ok(
        run(
            &tmp.0,
            &format!("kubectl_complete-release rollback release-basic -n {ns} ''"),
        ),
        "revisions",
    );
    assert_eq!(c, "1\tdeployed\n:36\n");

    ok(run(&tmp.0, &format!("kubectl release uninstall release-basic -n {ns} && kubectl delete namespace {ns} --wait=false")), "uninstall");
}

#[test]
fn the_examples_makefile() {
    if !kubectl_ok() {
        return;
    }
    if !have("make") {
        eprintln!("SKIP: no make");
        return;
    }
    let Some(kc) = kubeconfig(true) else { return };
    let tmp = Tmp::new("make");
    let bin = plugin_bin(&tmp.0);
    let path = path_with(&[&bin]);
    let ns = namespace("make");
    let chart = tmp.0.join("release-basic");
    copy_chart(&chart);
    let examples = repo().join("examples");
    let make = |targets: &str, extra: &str| {
        sh(
            &tmp.0,
            &path,
            Some(&kc),
            &tmp.0,
            &format!(
                "make -s -C {} {targets} CHART={} NAMESPACE={ns} OUT={} TIMEOUT=2m {extra}",
                examples.display(),
                chart.display(),
                tmp.0.join("rendered").display()
            ),
        )
    };
    // first deploy: lint, template into a folder, diff (an install: everything added), upgrade --install --wait
    let out = ok(make("deploy", ""), "make deploy");
    assert!(
        out.contains(&format!(
            "{ns}, release-basic-config, ConfigMap (v1) has been added:"
        )),
        "{out}"
    );
    assert!(out.contains("STATUS: deployed"), "{out}");
    let rendered = tmp
        .0
        .join("rendered/release-basic/templates/deployment.yaml");
    assert!(
        std::fs::read_to_string(&rendered)
            .unwrap()
            .contains("kind: Deployment"),
        "{}",
        rendered.display()
    );
    // the cluster matches the chart: check passes; a new value is drift that check reports with exit 2
    ok(make("check", ""), "make check");
    std::fs::write(tmp.0.join("next.yaml"), "greeting: next\n").unwrap();
    let drift = make(
        "check",
        &format!("VALUES={}", tmp.0.join("next.yaml").display()),
    );
    assert_ne!(drift.code, 0, "{}", drift.stdout);
    assert!(
        drift
            .stdout
            .lines()
            .any(|l| l.starts_with('+') && l.contains("greeting: \"next\"")),
        "{}",
        drift.stdout
    );
    // deploying the new values: revision 2, and the status document says so
    ok(
        make(
            "deploy",
            &format!("VALUES={}", tmp.0.join("next.yaml").display()),
        ),
        "make deploy (upgrade)",
    );
    let status: Value = serde_json::from_str(&ok(make("status", ""), "make status")).unwrap();
    assert_eq!(
        (
            status["version"].as_i64(),
            status["info"]["status"].as_str()
        ),
        (Some(2), Some("deployed"))
    );
    assert_eq!(status["config"]["greeting"], "next");
    let run = |script: &str| sh(&tmp.0, &path, Some(&kc), &tmp.0, script);
    ok(run(&format!("kubectl release uninstall release-basic -n {ns} && kubectl delete namespace {ns} --wait=false")), "uninstall");
}

#[test]
fn completion_helpers_and_shell_scripts() {
    let tmp = Tmp::new("complete");
    let bin = plugin_bin(&tmp.0);
    let path = path_with(&[&bin]);
    let run = |script: &str| sh(&tmp.0, &path, None, &tmp.0, script);
    for p in ["chart", "release"] {
        ok(
            run(&format!(
                "kubectl-{p} completion install --dir {}",
                bin.display()
            )),
            "completion install",
        );
        let helper = bin.join(format!("kubectl_complete-{p}"));
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&helper).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o755);
    }
    // Helm's repositories and the cache, for chart names
    let helm = tmp.0.join("helm");
    std::fs::create_dir_all(helm.join("config")).unwrap();
    std::fs::create_dir_all(helm.join("cache/repository")).unwrap();
    std::fs::write(
        helm.join("config/repositories.yaml"),
        "apiVersion: \"\"\ngenerated: \"0001-01-01T00:00:00Z\"\nrepositories:\n- name: bitnami\n  url: https://charts.example.com/bitnami\n",
    )
    .unwrap();
    std::fs::write(
        helm.join("cache/repository/bitnami-charts.txt"),
        "nginx\nnginx-ingress-controller\nredis\n",
    )
    .unwrap();

    let c = ok(run("kubectl_complete-chart ''"), "subcommands");
    assert!(
        c.starts_with("template\t") && c.contains("\ncompletion\t") && c.ends_with(":4\n"),
        "{c}"
    );
    assert_eq!(ok(run("kubectl_complete-chart template ''"), "charts"), "bitnami/\thttps://charts.example.com/bitnami\noci://\tChart OCI prefix\nhttps://\tChart URL prefix\nhttp://\tChart URL prefix\n./\tRelative path prefix\n/\tAbsolute path prefix\n:2\n");
    assert_eq!(
        ok(
            run("kubectl_complete-chart template web bitnami/ng"),
            "repo charts"
        ),
        "bitnami/nginx\nbitnami/nginx-ingress-controller\n:4\n"
    );
    assert_eq!(
        ok(run("kubectl_complete-chart show values bitnami/r"), "show"),
        "bitnami/redis\n:4\n"
    );
    assert_eq!(
        ok(run("kubectl_complete-chart package ''"), "folders"),
        ":16\n"
    );
    assert_eq!(
        ok(run("kubectl_complete-chart verify ''"), "archives"),
        "tgz\n:8\n"
    );
    assert_eq!(
        ok(run("kubectl_complete-chart template --kube-v"), "flags"),
        "--kube-version\tKubernetes version used for Capabilities.KubeVersion\n:4\n"
    );
    assert_eq!(
        ok(run("kubectl_complete-release install -o j"), "-o values"),
        "json\n:4\n"
    );
    assert_eq!(
        ok(
            run("kubectl_complete-release history web --output=y"),
            "--flag=value"
        ),
        "--output=yaml\n:4\n"
    );
    assert_eq!(
        ok(
            run("kubectl_complete-release upgrade web bitnami/re"),
            "upgrade chart"
        ),
        "bitnami/redis\n:4\n"
    );
    assert_eq!(
        ok(
            run("kubectl-release __completeNoDesc get ma"),
            "no descriptions"
        ),
        "manifest\n:4\n"
    );
    // no cluster: release names are simply not offered (no error, no file names)
    assert_eq!(
        ok(
            run(&format!(
                "HOME={} KUBECONFIG=/nonexistent kubectl_complete-release status ''",
                tmp.0.display()
            )),
            "no cluster"
        ),
        ":4\n"
    );
    // the helper is a small script that finds its plugin beside it
    let script = ok(
        run("kubectl chart completion kubectl 2>/dev/null || kubectl-chart completion kubectl"),
        "script",
    );
    assert!(
        script.starts_with("#!/bin/sh\n") && script.contains("kubectl-chart\" __complete \"$@\""),
        "{script}"
    );

    // the bash script for the binary used directly
    let bash = format!(
        "source <(kubectl-chart completion bash)\n\
         COMP_LINE='kubectl-chart template web bitnami/n'; COMP_POINT=${{#COMP_LINE}}; __kubectl_chart_complete; echo \"${{COMPREPLY[*]}}\"\n\
         COMP_LINE='kubectl-chart te'; COMP_POINT=${{#COMP_LINE}}; __kubectl_chart_complete; echo \"${{COMPREPLY[*]}}\"\n\
         COMP_LINE='kubectl-chart template --output-dir='; COMP_POINT=${{#COMP_LINE}}; __kubectl_chart_complete; echo \"${{#COMPREPLY[@]}}\"\n"
    );
    std::fs::write(tmp.0.join("complete.bash"), bash).unwrap();
    let out = ok(
        run(&format!("bash {}", tmp.0.join("complete.bash").display())),
        "bash completion",
    );
    assert_eq!(
        out.lines().take(2).collect::<Vec<_>>(),
        ["bitnami/nginx bitnami/nginx-ingress-controller", "template"],
        "{out}"
    );
    for shell in ["zsh", "fish"] {
        let s = ok(run(&format!("kubectl-release completion {shell}")), shell);
        assert!(
            s.contains("kubectl-release __complete") || s.contains("__complete"),
            "{s}"
        );
        if have(shell) {
            let check = if shell == "zsh" {
                "zsh -n"
            } else {
                "fish --no-execute"
            };
            std::fs::write(tmp.0.join(format!("s.{shell}")), &s).unwrap();
            ok(
                run(&format!(
                    "{check} {}",
                    tmp.0.join(format!("s.{shell}")).display()
                )),
                "syntax",
            );
        }
    }
}

/// `make dist`'s archives and manifests, installed offline by krew (built once from the Go module proxy).
#[test]
fn krew_installs_the_dist_output() {
    if !kubectl_ok() || !have("make") {
        return;
    }
    let Some(krew) = krew_binary() else { return };
    let tmp = Tmp::new("krew");
    let dist = tmp.0.join("dist");
    // the archives from the binaries cargo built for this test (CARGO=true: no nested cargo build)
    let r = Command::new("make")
        .args(["-s", "dist", "CARGO=true"])
        .arg(format!("DIST={}", dist.display()))
        .arg(format!(
            "DOWNLOAD_URL=https://downloads.example.com/v{}",
            env!("CARGO_PKG_VERSION")
        ))
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "make dist: {}{}",
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&r.stderr)
    );
    let version = env!("CARGO_PKG_VERSION");
    let krew_root = tmp.0.join("krew-root");
    let kbin = tmp.0.join("krew-bin");
    std::fs::create_dir_all(&kbin).unwrap();
    std::os::unix::fs::symlink(&krew, kbin.join("kubectl-krew")).unwrap();
    let path = path_with(&[&krew_root.join("bin"), &kbin]);
    for p in ["chart", "release", "repo"] {
        let archive = dist.join(format!("kubectl-{p}_v{version}_linux_amd64.tar.gz"));
        let manifest = dist.join(format!("{p}.yaml"));
        let text = std::fs::read_to_string(&manifest).unwrap();
        let sum = sha256_hex(&std::fs::read(&archive).unwrap());
        assert!(text.contains(&format!("    sha256: {sum}\n")), "{text}");
        assert!(
            text.contains(&format!("  name: {p}\n"))
                && text.contains(&format!("  version: v{version}\n")),
            "{text}"
        );
        assert!(text.contains(&format!("    uri: https://downloads.example.com/v{version}/kubectl-{p}_v{version}_linux_amd64.tar.gz\n")), "{text}");
        let listing = Command::new("tar")
            .arg("tzf")
            .arg(&archive)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&listing.stdout),
            format!("LICENSE\nREADME.md\nkubectl-{p}\nkubectl_complete-{p}\n")
        );
        let r = sh(
            &tmp.0,
            &path,
            None,
            &tmp.0,
            &format!(
                "KREW_ROOT={} kubectl krew install --manifest={} --archive={}",
                krew_root.display(),
                manifest.display(),
                archive.display()
            ),
        );
        assert_eq!(r.code, 0, "krew install {p}:\n{}\n{}", r.stdout, r.stderr);
        let v = ok(
            sh(
                &tmp.0,
                &path,
                None,
                &tmp.0,
                &format!("KREW_ROOT={} kubectl {p} --version", krew_root.display()),
            ),
            "installed plugin",
        );
        assert!(
            [
                format!("kubectl {p} {version}\n"),
                format!("kubectl-{p} {version}\n")
            ]
            .contains(&v),
            "{v}"
        );
        // the caveat's way to completion: the helper lands in krew's bin folder and works through kubectl
        if p != "repo" {
            ok(
                sh(
                    &tmp.0,
                    &path,
                    None,
                    &tmp.0,
                    &format!(
                        "KREW_ROOT={} kubectl {p} completion install",
                        krew_root.display()
                    ),
                ),
                "completion install",
            );
            assert!(krew_root
                .join(format!("bin/kubectl_complete-{p}"))
                .is_file());
        }
    }
    let c = ok(
        sh(&tmp.0, &path, None, &tmp.0, "kubectl __complete chart lin"),
        "kubectl __complete",
    );
    assert!(c.starts_with("lint\t"), "{c}");
    let list = sh(&tmp.0, &path, None, &tmp.0, "kubectl plugin list");
    for p in ["chart", "release", "repo"] {
        assert!(
            list.stdout.contains(&format!("kubectl-{p}\n")),
            "{}",
            list.stdout
        );
    }
    assert!(
        !list.stderr.contains("warning") && !list.stdout.contains("warning"),
        "{}{}",
        list.stdout,
        list.stderr
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    kubehelm::stream::sha256_digest(bytes)
        .trim_start_matches("sha256:")
        .to_string()
}

/// krew from the Go module proxy, built once into the test tool cache; `None` (skip) without Go.
fn krew_binary() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache")
        })
        .join("kubehelm-test-bins");
    let krew = cache.join("krew");
    if krew.is_file() {
        return Some(krew);
    }
    if !have("go") {
        eprintln!(
            "SKIP: krew is not built ({}) and there is no Go to build it",
            krew.display()
        );
        return None;
    }
    std::fs::create_dir_all(&cache).unwrap();
    let st = Command::new("go")
        .args(["install", "sigs.k8s.io/krew/cmd/krew@v0.4.3"])
        .env("GOBIN", &cache)
        .status()
        .unwrap();
    assert!(
        st.success() && krew.is_file(),
        "building krew from the Go module proxy failed"
    );
    Some(krew)
}
