//! Templates that include each other in a cycle stop at Helm's recursion limit with Helm's message, in
//! memory linear in the depth reached (each level of the error holds only its own part). Five names in
//! a cycle nest 5,000 levels deep: whole texts at every level took 4.7 GB here (Helm: 2.35 GB).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn cycle_chart(dir: &Path, names: usize) {
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(dir.join("Chart.yaml"), "apiVersion: v2\nname: cyc\nversion: 0.1.0\n").unwrap();
    let mut helpers = String::new();
    for i in 0..names {
        helpers.push_str(&format!("{{{{- define \"t{i}\" -}}}}x{{{{ include \"t{}\" . }}}}{{{{- end -}}}}\n", (i + 1) % names));
    }
    std::fs::write(dir.join("templates/_h.tpl"), helpers).unwrap();
    std::fs::write(dir.join("templates/cm.yaml"), "a: {{ include \"t0\" . }}\n").unwrap();
}

/// Runs `kubectl chart template .` in `dir`: exit code, stderr, wall time, peak RSS in MiB when
/// /usr/bin/time is there.
fn template(dir: &Path) -> (i32, String, Duration, Option<u64>) {
    let bin = env!("CARGO_BIN_EXE_kubectl-chart");
    let time = Path::new("/usr/bin/time");
    let started = Instant::now();
    let out = if time.exists() {
        Command::new(time).args(["-f", "PEAK_KB=%M", bin, "template", "."]).current_dir(dir).output()
    } else {
        Command::new(bin).args(["template", "."]).current_dir(dir).output()
    }
    .expect("kubectl-chart runs");
    let elapsed = started.elapsed();
    let mut stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut peak = None;
    if let Some(i) = stderr.rfind("PEAK_KB=") {
        peak = stderr[i + 8..].trim().parse::<u64>().ok().map(|kb| kb / 1024);
        stderr.truncate(i);
    }
    let code = out.status.code().unwrap_or(-1);
    (code, stderr, elapsed, peak)
}

#[test]
fn a_five_name_include_cycle_stops_in_linear_memory() {
    let dir = std::env::temp_dir().join(format!("kubehelm-include-cycle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    cycle_chart(&dir, 5);
    let (code, stderr, elapsed, peak) = template(&dir);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("Error: template: cyc/templates/cm.yaml:1:6: executing \"cyc/templates/cm.yaml\" at <include \"t0\" .>: error calling include: template: cyc/templates/_h.tpl:1:23: executing \"t0\" at <include \"t1\" .>: error calling include: "), "{}", &stderr[..stderr.len().min(600)]);
    assert!(stderr.contains("rendering template has a nested reference name: t0: unable to execute template"));
    // 5,000 levels of about 110 bytes each: the message itself is linear
    assert_eq!(stderr.matches("error calling include: ").count(), 5006, "levels in the message");
    if let Some(mib) = peak {
        assert!(mib < 400, "peak RSS {mib} MiB");
    } else {
        eprintln!("include_cycle: /usr/bin/time is missing: peak memory not checked");
    }
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
