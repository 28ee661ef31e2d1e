//! Hostile input, generated here: every class of issue 12 that is ours to answer at chart load, match,
//! validation or template time ends with a clear message (or the right output) within a time bound, and
//! the memory-bound classes within a peak-memory bound (peak RSS through /usr/bin/time; skipped with a
//! message when it is missing). Sizes are small enough to be quick when the code is right and far past
//! what exponential or unbounded code would finish. The fuzz properties run here on random input too.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{write, Tmp};

#[path = "../../../fuzz/hostile_checks.rs"]
mod hostile_checks;

/// One run of our binary: its output, wall time and (when /usr/bin/time is there) peak RSS in MiB.
struct Run {
    out: Output,
    took: Duration,
    peak_mib: Option<u64>,
}

impl Run {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }

    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }

    /// Exit code 1 (never a signal, never an abort), stderr holding `needle`, within `secs` seconds.
    fn fails_with(&self, needle: &str, secs: u64) -> &Self {
        assert_eq!(self.out.status.code(), Some(1), "exit status {:?}; stderr: {}", self.out.status, self.stderr());
        assert!(self.stderr().contains(needle), "stderr lacks {needle:?}: {}", self.stderr());
        self.within(secs)
    }

    fn succeeds(&self, secs: u64) -> &Self {
        assert_eq!(self.out.status.code(), Some(0), "exit status {:?}; stderr: {}", self.out.status, self.stderr());
        self.within(secs)
    }

    fn within(&self, secs: u64) -> &Self {
        assert!(self.took < Duration::from_secs(secs), "took {:?} (bound {secs} s)", self.took);
        self
    }

    fn peak_below(&self, mib: u64) -> &Self {
        match self.peak_mib {
            Some(p) => assert!(p < mib, "peak RSS {p} MiB, bound {mib} MiB"),
            None => eprintln!("hostile: /usr/bin/time is missing (apt-get install time): peak memory not checked"),
        }
        self
    }
}

fn chart_bin(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let home = dir.join("home");
    let time = Path::new("/usr/bin/time");
    let mut c = if time.exists() {
        let mut c = Command::new(time);
        c.args(["-f", "hostile-peak-kib=%M", env!("CARGO_BIN_EXE_kubectl-chart")]);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_kubectl-chart"))
    };
    c.current_dir(dir).args(args).stdin(Stdio::null());
    for (k, v) in common::helm_env(&home) {
        c.env(k, v);
    }
    for k in ["KUBECTL_CHART_MAX_TOTAL_MIB", "KUBECTL_CHART_MAX_FILES", "KUBECTL_CHART_MAX_DEPTH"] {
        c.env_remove(k);
    }
    c.env_remove("KUBECTL_CHART_SCHEMA_MAX_STEPS").env_remove("KUBECTL_CHART_SCHEMA_FETCH_REFS");
    for (k, v) in env {
        c.env(k, v);
    }
    let start = Instant::now();
    let mut out = c.output().unwrap();
    let took = start.elapsed();
    let mut peak_mib = None;
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    if let Some(i) = err.rfind("hostile-peak-kib=") {
        peak_mib = err[i + "hostile-peak-kib=".len()..].trim().parse::<u64>().ok().map(|k| k / 1024);
        out.stderr = err[..i].as_bytes().to_vec();
        // /usr/bin/time reports a child killed by a signal on stderr and exits 128+n; keep that visible.
        if err[..i].contains("Command terminated by signal") || err[..i].contains("Command exited with non-zero status")
        {
            let lines: Vec<&str> = err[..i].lines().filter(|l| !l.starts_with("Command exited")).collect();
            out.stderr = lines.join("\n").into_bytes();
        }
    }
    Run { out, took, peak_mib }
}

fn chart_yaml(dir: &Path, name: &str) {
    write(&dir.join("Chart.yaml"), &format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n"));
}

/// A gzipped tar of `(path, bytes)` entries, as `helm package` lays a chart out (`NAME/...`).
fn tgz(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut t = tar::Builder::new(gz);
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        t.append_data(&mut h, name, &data[..]).unwrap();
    }
    t.into_inner().unwrap().finish().unwrap()
}

fn chart_entries(name: &str) -> Vec<(String, Vec<u8>)> {
    vec![
        (format!("{name}/Chart.yaml"), format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n").into_bytes()),
        (format!("{name}/templates/cm.yaml"), b"kind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}\n".to_vec()),
    ]
}

// ---- 1: linear-time matching --------------------------------------------------------------------------

#[test]
fn glob_show_only_and_helmignore_patterns_match_in_linear_time() {
    let t = Tmp::new("hostile-glob");
    let c = t.path("c");
    chart_yaml(&c, "c");
    // Names of 200 'a's, nested: any backtracking matcher needs C(200, 12) steps on these patterns.
    let long = "a".repeat(200);
    write(&c.join(format!("files/{long}/{long}/{long}")), "x");
    write(&c.join(format!("files/{long}.txt")), "y");
    let stars = "*a".repeat(12);
    let supers = "**a".repeat(12);
    write(&c.join(".helmignore"), &format!("{stars}b\n/files/{stars}c/\n"));
    write(
        &c.join("templates/g.yaml"),
        &format!(
            "kind: ConfigMap\ndata:\n  stars: \"{{{{ len (.Files.Glob \"files/{stars}b\") }}}}\"\n  supers: \"{{{{ len (.Files.Glob \"{supers}b\") }}}}\"\n  all: \"{{{{ len (.Files.Glob \"{supers}**\") }}}}\"\n"
        ),
    );
    write(&c.join(format!("templates/{long}.yaml")), "kind: Secret\n");
    let r = chart_bin(t.0.as_path(), &["template", "c"], &[]);
    r.succeeds(10);
    let out = r.stdout();
    assert!(out.contains("stars: \"0\"") && out.contains("supers: \"0\"") && out.contains("all: \"2\""), "{out}");
    let r = chart_bin(t.0.as_path(), &["template", "c", "--show-only", &format!("templates/{stars}b.yaml")], &[]);
    r.fails_with(&format!("could not find template templates/{stars}b.yaml in chart"), 10);
    let r = chart_bin(t.0.as_path(), &["template", "c", "--show-only", &format!("templates/{stars}.yaml")], &[]);
    r.succeeds(10);
    assert!(r.stdout().contains("kind: Secret"), "{}", r.stdout());
}

// ---- 2: one budget for a whole chart load -----------------------------------------------------------

#[test]
fn subchart_archive_bomb_is_refused_by_the_total_budget() {
    let t = Tmp::new("hostile-bomb");
    // 70 subchart archives of 4 KiB each, every one within Helm's per-archive and per-file limits,
    // inflate to 280 MiB together: more than the 256 MiB a whole load may read.
    let mut sub = chart_entries("sub");
    sub.push(("sub/files/zero.bin".into(), vec![0u8; 4 << 20]));
    let sub = tgz(&sub);
    let mut top = chart_entries("top");
    for i in 0..70 {
        top.push((format!("top/charts/sub{i}.tgz"), sub.clone()));
    }
    std::fs::write(t.path("top.tgz"), tgz(&top)).unwrap();
    assert!(std::fs::metadata(t.path("top.tgz")).unwrap().len() < 2 << 20);
    let r = chart_bin(t.0.as_path(), &["template", "top.tgz"], &[]);
    r.fails_with("chart and its subcharts decompress to more than the total limit of 268435456 bytes (256 MiB; KUBECTL_CHART_MAX_TOTAL_MIB raises it)", 30)
        .peak_below(700);
    // A lower limit refuses earlier, and holds less.
    let r = chart_bin(t.0.as_path(), &["template", "top.tgz"], &[("KUBECTL_CHART_MAX_TOTAL_MIB", "16")]);
    r.fails_with("more than the total limit of 16777216 bytes (16 MiB", 10).peak_below(120);
}

#[test]
fn file_count_and_nesting_depth_are_capped_across_nested_archives() {
    let t = Tmp::new("hostile-depth");
    // 1,030 charts, each archive inside its parent's charts/.
    let mut inner = tgz(&chart_entries("c1030"));
    for i in (1..1030).rev() {
        let mut e = chart_entries(&format!("c{i}"));
        e.push((format!("c{i}/charts/c{}.tgz", i + 1), inner));
        inner = tgz(&e);
    }
    std::fs::write(t.path("deep.tgz"), &inner).unwrap();
    let r = chart_bin(t.0.as_path(), &["template", "deep.tgz"], &[]);
    r.fails_with(
        "subchart c1026.tgz in c1025 is nested 1025 levels deep, more than the limit of 1024 (KUBECTL_CHART_MAX_DEPTH raises it)",
        30,
    )
    .peak_below(400);
    assert!(r.stderr().len() < 2000, "one message, not a chain of 1,000 contexts: {}", r.stderr().len());

    // 3 archives of 400 files each against a limit of 1,000 files.
    let mut leaf = chart_entries("leaf");
    for i in 0..400 {
        leaf.push((format!("leaf/files/f{i}"), Vec::new()));
    }
    let leaf = tgz(&leaf);
    let mut top = chart_entries("top");
    for i in 0..3 {
        top.push((format!("top/charts/leaf{i}.tgz"), leaf.clone()));
    }
    std::fs::write(t.path("many.tgz"), tgz(&top)).unwrap();
    let r = chart_bin(t.0.as_path(), &["template", "many.tgz"], &[("KUBECTL_CHART_MAX_FILES", "1000")]);
    r.fails_with(
        "chart and its subcharts hold more than 1000 files, the limit (KUBECTL_CHART_MAX_FILES raises it)",
        10,
    );
    chart_bin(t.0.as_path(), &["template", "many.tgz"], &[]).succeeds(10);
}

// ---- 3: a chart nested 1,000 subcharts deep ------------------------------------------------------------

#[test]
fn a_chart_nested_1000_deep_loads_and_renders() {
    let t = Tmp::new("hostile-nested");
    let mut inner = tgz(&chart_entries("c1000"));
    for i in (1..1000).rev() {
        let mut e = chart_entries(&format!("c{i}"));
        e.push((format!("c{i}/charts/c{}.tgz", i + 1), inner));
        inner = tgz(&e);
    }
    std::fs::write(t.path("deep.tgz"), &inner).unwrap();
    let r = chart_bin(t.0.as_path(), &["template", "deep.tgz"], &[]);
    r.succeeds(60).peak_below(NESTED_1000_PEAK_MIB);
    assert_eq!(r.stdout().matches("kind: ConfigMap").count(), 1000);
}

/// The peak a 1,000-deep chart may take (Helm v4.1.4: about 400 MiB).
const NESTED_1000_PEAK_MIB: u64 = 1024;

// ---- 4 and 7: bounded schema validation, reference cycles, other documents -----------------------------

fn schema_chart(dir: &Path, schema: &str, values: &str) {
    chart_yaml(dir, "s");
    write(&dir.join("values.yaml"), values);
    write(&dir.join("values.schema.json"), schema);
    write(&dir.join("templates/cm.yaml"), "kind: ConfigMap\n");
}

#[test]
fn schema_validation_is_bounded_and_explains_itself() {
    let t = Tmp::new("hostile-schema");
    // 40 levels of anyOf over two $refs each: 2^40 evaluations for a validator that tries them all.
    let mut defs = String::new();
    for i in 0..40 {
        defs.push_str(&format!(
            "\"d{i}\": {{\"anyOf\": [{{\"$ref\": \"#/$defs/d{n}\"}}, {{\"$ref\": \"#/$defs/d{n}\"}}, {{\"type\": \"string\"}}]}},",
            n = i + 1
        ));
    }
    let schema = format!("{{\"$defs\": {{{defs} \"d40\": {{\"type\": \"string\"}}}}, \"properties\": {{\"a\": {{\"$ref\": \"#/$defs/d0\"}}}}}}");
    schema_chart(&t.path("exp"), &schema, "a: 1\n");
    let r = chart_bin(t.0.as_path(), &["template", "exp"], &[]);
    r.fails_with("validating the values would take more than 1000000 evaluation steps", 20).peak_below(300);

    // $ref cycles: Helm's words.
    schema_chart(&t.path("cycle"), r##"{"properties": {"a": {"$ref": "#/properties/a"}}}"##, "a: 1\n");
    let r = chart_bin(t.0.as_path(), &["template", "cycle"], &[]);
    r.fails_with(
        "s:\n- at '/a': both /properties/a/$ref and /properties/a resolve to \"file:///values.schema.json#/properties/a\" causing reference cycle",
        10,
    );

    // Another document: refused in words, unless asked for.
    let other = t.path("other.json");
    write(&other, r#"{"required": ["needed"]}"#);
    let url = format!("file://{}", other.display());
    schema_chart(&t.path("remote"), &format!("{{\"$ref\": \"{url}\"}}"), "a: 1\n");
    let r = chart_bin(t.0.as_path(), &["template", "remote"], &[]);
    r.fails_with(&format!("values.schema.json refers to another schema document, \"{url}\""), 10);
    assert!(r.stderr().contains("KUBECTL_CHART_SCHEMA_FETCH_REFS=1"), "{}", r.stderr());
    let r = chart_bin(t.0.as_path(), &["template", "remote"], &[("KUBECTL_CHART_SCHEMA_FETCH_REFS", "1")]);
    r.fails_with("- at '': missing property 'needed'", 10);
}

// ---- 5: odd but legal chart folders --------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn odd_names_deep_folders_and_symlinks_load_as_helm_loads_them() {
    use std::os::unix::ffi::OsStrExt;
    let t = Tmp::new("hostile-odd");
    let c = t.path("c");
    chart_yaml(&c, "c");
    write(&c.join(".helmignore"), "ignored*\n");
    std::fs::write(c.join(std::ffi::OsStr::from_bytes(b"files-bad\xff.txt")), "odd").unwrap();
    std::fs::write(c.join(std::ffi::OsStr::from_bytes(b"ignored\xfe.txt")), "skipped").unwrap();
    let mut deep = c.join("deep");
    for _ in 0..200 {
        deep.push("d");
    }
    write(&deep.join("f.txt"), "bottom");
    let outside = t.path("outside");
    write(&outside.join("s.txt"), "linked");
    std::os::unix::fs::symlink(&outside, c.join("ext")).unwrap();
    let deep_name = format!("deep/{}f.txt", "d/".repeat(200));
    write(
        &c.join("templates/cm.yaml"),
        &format!(
            "kind: ConfigMap\ndata:\n  n: \"{{{{ len (.Files.Glob \"**\") }}}}\"\n  deep: {{{{ .Files.Get \"{deep_name}\" | quote }}}}\n  ext: {{{{ .Files.Get \"ext/s.txt\" | quote }}}}\n"
        ),
    );
    let r = chart_bin(t.0.as_path(), &["template", "c"], &[]);
    r.succeeds(10);
    let out = r.stdout();
    // .helmignore, deep/…/f.txt, ext/s.txt, files-bad\u{fffd}.txt (the ignored one is not there).
    assert!(out.contains("n: \"4\"") && out.contains("deep: \"bottom\"") && out.contains("ext: \"linked\""), "{out}");
    let notice = format!(
        "level=INFO msg=\"found symbolic link in path. Contents of linked file included and used\" path={} resolved={}",
        c.join("ext").display(),
        outside.canonicalize().unwrap().display()
    );
    assert!(r.stderr().contains(&notice), "{}", r.stderr());

    // A symbolic link back up is a loop: an error naming the link, quickly.
    std::os::unix::fs::symlink("..", c.join("templates/loop")).unwrap();
    let r = chart_bin(t.0.as_path(), &["template", "c"], &[]);
    r.fails_with(
        &format!("error evaluating symlink {}: too many levels of symbolic links", c.join("templates/loop").display()),
        10,
    );
}

// ---- 7: nesting limits of YAML and fromJson ------------------------------------------------------------

#[test]
fn deep_json_and_yaml_are_errors_not_aborts() {
    let t = Tmp::new("hostile-nesting");
    let c = t.path("c");
    chart_yaml(&c, "c");
    // Helm's fromJson puts the error under "Error"; the texts are encoding/json's (checked with Helm v4.1.4).
    write(
        &c.join("templates/cm.yaml"),
        concat!(
            "{{ $deep := printf \"%s%s\" (repeat 10001 \"[\") (repeat 10001 \"]\") }}kind: ConfigMap\ndata:\n",
            "  lax: {{ fromJson $deep | toJson | quote }}\n",
            "  ok: {{ fromJsonArray (printf \"%s%s\" (repeat 10000 \"[\") (repeat 10000 \"]\")) | toJson | len | quote }}\n",
            "  obj: {{ fromJson (printf \"%s%s\" (repeat 10001 \"{\\\"a\\\":\") (repeat 10001 \"}\")) | toJson | quote }}\n",
        ),
    );
    let r = chart_bin(t.0.as_path(), &["template", "c"], &[]);
    r.succeeds(10);
    let want = "data:\n  lax: \"{\\\"Error\\\":\\\"invalid character '[' exceeded max depth\\\"}\"\n  ok: \"20000\"\n  obj: \"{\\\"Error\\\":\\\"invalid character '{' exceeded max depth\\\"}\"\n";
    assert!(r.stdout().contains(want), "{}", r.stdout());
    write(&c.join("templates/cm.yaml"), "{{ mustFromJson (repeat 1000000 \"[\") }}");
    chart_bin(t.0.as_path(), &["template", "c"], &[]).fails_with("invalid character '[' exceeded max depth", 10);
    write(&c.join("templates/cm.yaml"), "kind: ConfigMap\n");
    write(&c.join("values.yaml"), &format!("{}x: 1{}\n", "[".repeat(100_000), "]".repeat(100_000)));
    chart_bin(t.0.as_path(), &["template", "c"], &[]).fails_with("exceeded max depth of", 10);
}

// ---- the fuzz properties on random input ---------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// `seed` with a few random byte edits, insertions, deletions and splices of its own bytes.
    fn mutate(&mut self, seed: &[u8], alphabet: &[u8]) -> Vec<u8> {
        let mut v = seed.to_vec();
        for _ in 0..1 + self.below(6) {
            let at = self.below(v.len() + 1);
            match self.below(4) {
                0 if at < v.len() => v[at] = alphabet[self.below(alphabet.len())],
                1 => v.insert(at, alphabet[self.below(alphabet.len())]),
                2 if at < v.len() => {
                    v.remove(at);
                }
                _ if !seed.is_empty() => {
                    let from = self.below(seed.len());
                    let len = self.below(16).min(seed.len() - from);
                    let piece = seed[from..from + len].to_vec();
                    v.splice(at..at, piece);
                }
                _ => {}
            }
        }
        v
    }
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds").join(target);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| std::fs::read(e.ok()?.path()).ok()).collect())
        .unwrap_or_default();
    out.push(Vec::new());
    out
}

#[test]
fn fuzz_properties_hold_on_random_input() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let checks: [(&str, fn(&[u8]), &[u8]); 5] = [
        ("set_parser", hostile_checks::set_parser, b"a.b[0]=,{}\\\"' 1x-"),
        ("schema_validation", hostile_checks::schema_validation, b"{}[]\":,$ref#/anyOf0123 \0"),
        ("index_yaml", hostile_checks::index_yaml, b"apiVersion: entries-[]{}:\n  \"'0.1"),
        (
            "release_record",
            hostile_checks::release_record,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
        ),
        ("glob_matchers", hostile_checks::glob_matchers, b"ab/*?[]!{},\\^-\0"),
    ];
    let start = Instant::now();
    for (name, check, alphabet) in checks {
        let seeds = seeds(name);
        for i in 0..1500 {
            let seed = &seeds[i % seeds.len()];
            let input = rng.mutate(seed, alphabet);
            let r = std::panic::catch_unwind(|| check(&input));
            assert!(r.is_ok(), "{name} failed on {:?}", String::from_utf8_lossy(&input));
        }
    }
    // Random globs against random names, short enough for the backtracking reference.
    for _ in 0..20_000 {
        let len = rng.below(10);
        let p: Vec<u8> = (0..len).map(|_| b"ab/*?[]!\\"[rng.below(9)]).collect();
        let len = rng.below(10);
        let n: Vec<u8> = (0..len).map(|_| b"ab/"[rng.below(3)]).collect();
        let mut input = p;
        input.push(0);
        input.extend(n);
        hostile_checks::glob_matchers(&input);
    }
    assert!(start.elapsed() < Duration::from_secs(120), "took {:?}", start.elapsed());
    let _ = std::io::stderr().flush();
}
