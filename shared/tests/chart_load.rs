//! Loading charts from folders and archives, then dependencies and coalescing, checked against what
//! Helm 4.1.4 does with the same small charts (expected values were taken from `helm template`).

use std::io::Write;
use std::path::{Path, PathBuf};

use kubehelm::chart::{self, Chart};
use kubehelm::values;
use serde_json::{json, Value};

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata").join(name)
}

fn names(files: &[chart::File]) -> Vec<&str> {
    files.iter().map(|f| f.name.as_str()).collect()
}

#[test]
fn folder_layout_like_helm() {
    let c = chart::load(&testdata("parent")).unwrap();
    assert_eq!(c.name(), "parent");
    assert_eq!(c.metadata.app_version, "1.1"); // appVersion: 1.10 is a YAML float
    assert_eq!(c.metadata.api_version, "v2");
    // .helmignore: ignored/ and *.bak; templates/.hidden by the default rule; templates/sub/.hidden2 kept.
    assert_eq!(names(&c.templates), vec!["templates/cm.yaml", "templates/sub/.hidden2"]);
    assert_eq!(names(&c.files), vec![".helmignore", "README.md", "crds/README.md", "crds/crd.yaml"]);
    assert_eq!(c.crd_files().into_iter().map(|(n, _)| n).collect::<Vec<_>>(), vec!["parent/crds/crd.yaml"]);
    assert_eq!(c.dependencies.len(), 1); // charts/_skipped is not a chart
    assert_eq!(c.dependencies[0].name(), "sub");
    assert_eq!(Value::Object(c.values.clone()), json!({"a": 1.0, "list": [1.0, 2.0], "b": {"c": 2.0}, "sub": {"enabled": true}}));
    assert!(c.raw_values.is_some());
}

/// Every number as f64, so expectations can be written with `json!` integers.
fn floats(v: Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64().unwrap_or(0.0)),
        Value::Array(a) => Value::Array(a.into_iter().map(floats).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, floats(v))).collect()),
        other => other,
    }
}

fn render_values(mut c: Chart, user: Value) -> (Chart, Value) {
    let user = user.as_object().cloned().unwrap_or_default();
    values::process_dependencies(&mut c, &user).unwrap();
    let v = values::coalesce(&c, &user).unwrap();
    (c, floats(Value::Object(v)))
}

#[test]
fn dependencies_and_values_like_helm_template() {
    let c = chart::load(&testdata("parent")).unwrap();
    let (c, v) = render_values(c, json!({}));
    let mut deps: Vec<&str> = c.dependencies.iter().map(|d| d.name()).collect();
    deps.sort();
    assert_eq!(deps, vec!["other", "sub"]);
    assert_eq!(
        v,
        floats(json!({"a":1,"b":{"c":2},"fromSub":true,"list":[1,2],
               "other":{"enabled":true,"exports":{"data":{"fromSub":true}},"global":{"deep":{"x":{"true":1}}}},
               "sub":{"enabled":true,"exports":{"data":{"fromSub":true}},"global":{"deep":{"x":{"true":1}}}}}))
    );

    let c = chart::load(&testdata("parent")).unwrap();
    let mut user = serde_json::Map::new();
    for s in ["tags.extra=true", "sub.enabled=false"] {
        values::strvals::parse_into(s, &mut user, &mut values::strvals::Mode::Typed).unwrap();
    }
    let (c, v) = render_values(c, Value::Object(user));
    assert_eq!(c.dependencies.iter().map(|d| d.name()).collect::<Vec<_>>(), vec!["other"]);
    assert_eq!(
        v,
        floats(json!({"a":1,"b":{"c":2},"fromSub":true,"list":[1,2],
               "other":{"enabled":true,"exports":{"data":{"fromSub":true}},"global":{"deep":{"x":{"true":1}}}},
               "sub":{"enabled":false},"tags":{"extra":true}}))
    );
}

fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    {
        let mut t = tar::Builder::new(&mut gz);
        for (name, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            // Write the raw name so hostile paths are not normalised by the tar crate.
            let bytes = name.as_bytes();
            let field = &mut h.as_old_mut().name;
            field[..bytes.len()].copy_from_slice(bytes);
            h.set_cksum();
            t.append(&h, *data).unwrap();
        }
        t.finish().unwrap();
    }
    gz.finish().unwrap()
}

const CHART_YAML: &[u8] = b"apiVersion: v2\nname: packed\nversion: 1.0.0\n";

#[test]
fn archive_loads_in_memory() {
    let bytes = tgz(&[
        ("packed/Chart.yaml", CHART_YAML),
        ("packed/values.yaml", b"\xEF\xBB\xBFx: 1\n"),
        ("packed/templates/a.yaml", b"a: b\n"),
        ("packed/charts/inner-0.1.0.tgz", &tgz(&[("inner/Chart.yaml", b"apiVersion: v2\nname: inner\nversion: 0.1.0\n")])),
        ("packed/charts/x.prov", b"sig"),
    ]);
    let c = chart::load_archive(&bytes).unwrap();
    assert_eq!(c.name(), "packed");
    assert_eq!(c.values["x"], json!(1.0));
    assert_eq!(names(&c.templates), vec!["templates/a.yaml"]);
    assert_eq!(names(&c.files), vec!["charts/x.prov"]);
    assert_eq!(c.dependencies[0].name(), "inner");

    let dir = std::env::temp_dir().join(format!("kubehelm-chart-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("packed-1.0.0.tgz");
    std::fs::File::create(&path).unwrap().write_all(&bytes).unwrap();
    assert_eq!(chart::load(&path).unwrap().name(), "packed");
    let yaml = dir.join("values.yaml");
    std::fs::write(&yaml, "a: 1").unwrap();
    assert_eq!(
        chart::load(&yaml).unwrap_err().to_string(),
        format!("file '{}' seems to be a YAML file, but expected a gzipped archive", yaml.display())
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hostile_archives_are_rejected() {
    let cases: &[(&[(&str, &[u8])], &str)] = &[
        (&[("x/../../etc/passwd", b"x")], "chart illegally references parent directory"),
        (&[("x//etc/passwd", b"x")], "chart illegally contains absolute paths"),
        (&[("Chart.yaml", CHART_YAML)], "chart illegally contains content outside the base directory: \"Chart.yaml\""),
        (&[("x\\c:\\evil", b"x")], "chart contains illegally named files"),
        (&[("x/templates/a.yaml", b"a")], "unable to detect chart version, no Chart.yaml found"),
        (&[("x/values.yaml", b"a: 1")], "unable to detect chart version, no Chart.yaml found"),
    ];
    for (entries, want) in cases {
        let err = chart::load_archive(&tgz(entries)).unwrap_err().to_string();
        assert!(err.ends_with(want), "{entries:?}: {err}");
    }
    let big = vec![b'a'; 5 * 1024 * 1024 + 1];
    let err = chart::load_archive(&tgz(&[("x/big", &big)])).unwrap_err().to_string();
    assert_eq!(err, "unable to load chart archive: decompressed chart file \"x/big\" is larger than the maximum file size 5242880");
    assert_eq!(
        chart::load_archive(b"not gzip at all").unwrap_err().to_string(),
        "stream does not appear to be a valid chart file (details: gzip: invalid header)"
    );
    assert_eq!(chart::load_archive(&tgz(&[])).unwrap_err().to_string(), "unable to load chart archive: no files in chart archive");
}

#[test]
fn chart_yaml_errors_as_helm_prints_them() {
    let e = |chart_yaml: &[u8]| {
        chart::load_archive(&tgz(&[("x/Chart.yaml", chart_yaml)])).unwrap_err().to_string()
    };
    assert_eq!(e(b"apiVersion: v2\nversion: 1.0.0\n"), "validation: chart.metadata.name is required");
    assert_eq!(e(b"apiVersion: v2\nname: x\n"), "validation: chart.metadata.version is required");
    assert_eq!(e(b"apiVersion: v2\nname: x\nversion: 1.0.0\ntype: foo\n"), "validation: chart.metadata.type must be application or library");
    assert_eq!(e(b"apiVersion: v9\nname: x\nversion: 1.0.0\n"), "unsupported chart version");
    assert_eq!(e(b"- a\n"), "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type loader.chartBase");
    assert_eq!(e(b"a: [\n"), "cannot load Chart.yaml: error converting YAML to JSON: yaml: line 1: did not find expected node content");
    let values_err = chart::load_archive(&tgz(&[("x/Chart.yaml", CHART_YAML), ("x/values.yaml", b"just a string\n")]))
        .unwrap_err()
        .to_string();
    assert_eq!(values_err, "cannot load values.yaml: cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go value of type map[string]interface {}");
    let sub_err = chart::load_archive(&tgz(&[
        ("x/Chart.yaml", CHART_YAML),
        ("x/charts/bad/Chart.yaml", b"apiVersion: v2\nversion: 1.0.0\n"),
    ]))
    .unwrap_err()
    .to_string();
    assert_eq!(sub_err, "error unpacking subchart bad in packed: validation: chart.metadata.name is required");
}

#[test]
fn v1_requirements_become_dependencies() {
    let c = chart::load_archive(&tgz(&[
        ("old/Chart.yaml", b"name: old\nversion: 1.0.0\n"),
        ("old/requirements.yaml", b"dependencies:\n- name: dep\n  version: 1.0.0\n  repository: https://example.com\n"),
        ("old/requirements.lock", b"dependencies: []\ndigest: sha256:abc\ngenerated: \"2020-01-01T00:00:00Z\"\n"),
    ]))
    .unwrap();
    assert_eq!(c.metadata.api_version, "v1");
    assert_eq!(c.metadata.dependencies[0].name, "dep");
    assert_eq!(names(&c.files), vec!["requirements.yaml", "requirements.lock"]);
    assert_eq!(c.lock.as_ref().unwrap().digest, "sha256:abc");
}

#[test]
fn archive_loader_never_panics() {
    let good = tgz(&[("packed/Chart.yaml", CHART_YAML), ("packed/values.yaml", b"a: {b: [1, 2]}\n")]);
    let mut seed: u64 = 0x2545F4914F6CDD1D;
    for round in 0..3000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut bytes = good.clone();
        let flips = 1 + (seed % 8) as usize;
        for k in 0..flips {
            let pos = ((seed >> (k * 7)) as usize) % bytes.len();
            bytes[pos] ^= (seed >> 3) as u8 | 1;
        }
        if round % 5 == 0 {
            bytes.truncate((seed as usize) % bytes.len());
        }
        let _ = chart::load_archive(&bytes);
    }
}
