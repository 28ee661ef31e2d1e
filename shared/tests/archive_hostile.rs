//! Hostile chart archives are refused whole, before a chart is built (links, devices, duplicates,
//! non-UTF-8 names, bombs), and the loader survives random and mutated input (the same function the
//! cargo-fuzz target in fuzz/ runs).

use std::io::Write;

use kubehelm::chart;

#[path = "../../fuzz/check.rs"]
mod check;

/// A tar entry: raw name, type flag, data, link name.
type Entry<'a> = (&'a [u8], u8, &'a [u8], &'a [u8]);

/// One raw tar header with any name bytes, type flag and link name (the tar crate would tidy them).
fn header(name: &[u8], flag: u8, size: u64, link: &[u8]) -> [u8; 512] {
    let mut b = [0u8; 512];
    b[..name.len()].copy_from_slice(name);
    b[100..108].copy_from_slice(b"0000644\0");
    b[108..116].copy_from_slice(b"0000000\0");
    b[116..124].copy_from_slice(b"0000000\0");
    b[124..136].copy_from_slice(format!("{:011o}\0", size).as_bytes());
    b[136..148].copy_from_slice(b"00000000000\0");
    b[156] = flag;
    b[157..157 + link.len()].copy_from_slice(link);
    b[257..265].copy_from_slice(b"ustar\x0000");
    let sum: u32 = b.iter().enumerate().map(|(i, c)| if (148..156).contains(&i) { 32 } else { *c as u32 }).sum();
    b[148..156].copy_from_slice(format!("{:06o}\0 ", sum).as_bytes());
    b
}

fn tar(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, flag, data, link) in entries {
        out.extend_from_slice(&header(name, *flag, data.len() as u64, link));
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

const CHART_YAML: &[u8] = b"apiVersion: v2\nname: x\nversion: 1.0.0\n";

fn refused(extra: &[Entry]) -> String {
    let mut entries: Vec<Entry> = vec![(b"x/Chart.yaml", b'0', CHART_YAML, b"")];
    entries.extend_from_slice(extra);
    chart::load_archive(&gz(&tar(&entries))).unwrap_err().to_string()
}

#[test]
fn links_devices_and_pipes_are_refused() {
    let cases: &[(u8, &str)] = &[
        (b'2', "a symbolic link"),
        (b'1', "a hard link"),
        (b'3', "a device file"),
        (b'4', "a device file"),
        (b'6', "a named pipe"),
        (b'V', "an entry that is not a regular file"),
    ];
    for (flag, what) in cases {
        let e = refused(&[(b"x/templates/evil.yaml", *flag, b"", b"/etc/passwd")]);
        assert_eq!(e, format!("unable to load chart archive: chart illegally contains {what}: \"x/templates/evil.yaml\""));
    }
    // A plain chart with the same layout loads: the refusals are about the entries, not the names.
    let ok = tar(&[(b"x/Chart.yaml", b'0', CHART_YAML, b""), (b"x/templates/a.yaml", b'0', b"a: 1\n", b"")]);
    assert_eq!(chart::load_archive(&gz(&ok)).unwrap().templates.len(), 1);
}

#[test]
fn duplicates_and_bad_names_are_refused() {
    assert_eq!(
        refused(&[(b"x/templates/a.yaml", b'0', b"a: 1", b""), (b"x/templates/./a.yaml", b'0', b"a: 2", b"")]),
        "unable to load chart archive: chart illegally contains the file \"templates/a.yaml\" twice"
    );
    assert_eq!(
        refused(&[(b"x/Chart.yaml", b'0', CHART_YAML, b"")]),
        "unable to load chart archive: chart illegally contains the file \"Chart.yaml\" twice"
    );
    assert_eq!(
        refused(&[(b"x/templates/\xff.yaml", b'0', b"a: 1", b"")]),
        "unable to load chart archive: chart illegally contains a file name that is not UTF-8: \"x/templates/\u{fffd}.yaml\""
    );
    assert!(refused(&[(b"x/../../etc/cron.d/evil", b'0', b"a", b"")]).ends_with("chart illegally references parent directory"));
    assert!(refused(&[(b"x//etc/evil", b'0', b"a", b"")]).ends_with("chart illegally contains absolute paths"));
    let big = vec![b'a'; 5 * 1024 * 1024 + 1];
    assert!(refused(&[(b"x/big", b'0', &big, b"")]).ends_with("is larger than the maximum file size 5242880"));
}

#[test]
fn bombs_stop_at_the_stream_bound() {
    // A folder entry claiming 210 MiB: the data is never stored, but inflating it would take the time
    // and the stream bound stops the reader. Built from gzip members of 1 MiB zeros (MultiGz).
    let mut bytes = gz(&tar(&[(b"x/Chart.yaml", b'0', CHART_YAML, b"")])[..1024]);
    let mut dir = header(b"x/dir/", b'5', 210 << 20, b"");
    dir[100..108].copy_from_slice(b"0000755\0");
    let sum: u32 = dir.iter().enumerate().map(|(i, c)| if (148..156).contains(&i) { 32 } else { *c as u32 }).sum();
    dir[148..156].copy_from_slice(format!("{:06o}\0 ", sum).as_bytes());
    bytes.extend(gz(&dir));
    let zeros = gz(&vec![0u8; 1 << 20]);
    for _ in 0..210 {
        bytes.extend_from_slice(&zeros);
    }
    assert!(bytes.len() < 3 << 20, "the bomb itself is small: {}", bytes.len());
    let e = chart::load_archive(&bytes).unwrap_err().to_string();
    assert!(e.contains("larger than the maximum size 104857600"), "{e}");
}

#[test]
fn fuzz_target_survives_random_and_mutated_input() {
    let seeds = [
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/testdata/pkgdemo-1.2.3-rc.1+build.5.tgz")).unwrap(),
        gz(&tar(&[(b"x/Chart.yaml", b'0', CHART_YAML, b""), (b"x/values.yaml", b'0', b"a: {b: [1, 2]}\n", b"")])),
        kubehelm::stream::encode(&kubehelm::stream::ChartArchive::new("x", "1.0.0", b"\x1f\x8b\x08\0".to_vec()))
            .into_bytes(),
    ];
    let mut state: u64 = 0x9E3779B97F4A7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..1500 {
        // Random bytes, sometimes behind a gzip magic.
        let len = (next() % 600) as usize;
        let mut random: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 2 == 0 && random.len() > 3 {
            random[..3].copy_from_slice(&[0x1f, 0x8b, 0x08]);
        }
        check::archive_loader(&random);
        // Mutations of real inputs: flips, truncation, splices.
        let mut m = seeds[round % seeds.len()].clone();
        for _ in 0..1 + next() % 6 {
            let at = (next() as usize) % m.len();
            m[at] ^= (next() as u8) | 1;
        }
        match round % 4 {
            0 => m.truncate((next() as usize) % m.len()),
            1 => {
                let at = (next() as usize) % m.len();
                let chunk: Vec<u8> = m[at..].iter().take(64).copied().collect();
                m.splice(at..at, chunk);
            }
            _ => {}
        }
        check::archive_loader(&m);
    }
    // The unmutated seeds load and round-trip.
    check::archive_loader(&seeds[0]);
    assert!(chart::load_archive(&seeds[0]).is_ok());
}
