//! Packaging (`chart::save`) against Helm's own archive of tests/charts/pkgdemo (recorded by
//! tests/regen-golden-package): the same tar stream, reproducible bytes, and a faithful round trip.

use std::io::Read;
use std::path::{Path, PathBuf};

use kubehelm::chart::{self, save};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

const HELM_ARCHIVE: &str = "tests/testdata/pkgdemo-1.2.3-rc.1+build.5.tgz";

#[test]
fn tar_stream_is_helms_byte_for_byte() {
    // Helm's archive was made with every file's mtime (and Chart.lock's `generated`) at 1000000000, by
    // Helm v4.1 (its gzip header's Extra field predates v4.3's RFC 1952 subfield).
    kubehelm::compat::set(kubehelm::compat::HelmCompat::V4_1);
    let helm = std::fs::read(root().join(HELM_ARCHIVE)).unwrap();
    let c = chart::load_dir(&root().join("tests/charts/pkgdemo")).unwrap();
    let ours = save::save_archive(&c, &save::SaveOptions { mtime: 1_000_000_000 }).unwrap();
    // The gzip header (up to the deflate data) is Helm's too.
    assert_eq!(&ours[..58], &helm[..58]);
    let (a, b) = (gunzip(&ours), gunzip(&helm));
    if a != b {
        let at = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        panic!(
            "tar streams differ at byte {at} (block {}): ours {:?} helm {:?}",
            at / 512,
            String::from_utf8_lossy(&a[at - at % 512..(at - at % 512 + 512).min(a.len())]),
            String::from_utf8_lossy(&b[at - at % 512..(at - at % 512 + 512).min(b.len())])
        );
    }
}

#[test]
fn archive_loads_back_to_the_same_chart() {
    let dir = chart::load_dir(&root().join("tests/charts/pkgdemo")).unwrap();
    let bytes = save::save_archive(&dir, &save::SaveOptions::default()).unwrap();
    let back = chart::load_archive(&bytes).unwrap();
    assert_eq!(back.metadata, dir.metadata);
    assert_eq!(back.values, dir.values);
    assert_eq!(back.raw_values, dir.raw_values);
    assert_eq!(back.schema, dir.schema);
    assert_eq!(back.templates, dir.templates);
    assert_eq!(back.files, dir.files);
    // Chart.lock is re-marshalled, so `generated` comes back as Go prints a time.
    let (a, b) = (back.lock.unwrap(), dir.lock.unwrap());
    assert_eq!((a.digest, a.dependencies), (b.digest, b.dependencies));
    assert_eq!((a.generated.as_str(), b.generated.as_str()), ("2001-09-09T01:46:40Z", "2001-09-09T01:46:40.000Z"));
    assert_eq!(back.dependencies.len(), 1);
    assert_eq!(back.dependencies[0].templates, dir.dependencies[0].templates);
    // Helm's archive of the same folder loads to the same chart as ours.
    let helm = chart::load_archive(&std::fs::read(root().join(HELM_ARCHIVE)).unwrap()).unwrap();
    assert_eq!(helm.metadata, back.metadata);
    assert_eq!(helm.templates, back.templates);
    assert_eq!(helm.files, back.files);
    assert_eq!(helm.raw_values, back.raw_values);
}

#[test]
fn new_mtimes_give_the_same_bytes() {
    // The Helm mode is process-wide and the tests run in parallel: pin the one the test above sets, so the
    // gzip header cannot change between the two archives.
    kubehelm::compat::set(kubehelm::compat::HelmCompat::V4_1);
    let tmp = tempdir("mtimes");
    copy_dir(&root().join("tests/charts/pkgdemo"), &tmp.join("pkgdemo"));
    let first = save::save_archive(&chart::load_dir(&tmp.join("pkgdemo")).unwrap(), &save::SaveOptions::default()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    touch_all(&tmp.join("pkgdemo"));
    let second = save::save_archive(&chart::load_dir(&tmp.join("pkgdemo")).unwrap(), &save::SaveOptions::default()).unwrap();
    assert_eq!(first, second);
    let (path, written) = save::save(&chart::load_dir(&tmp.join("pkgdemo")).unwrap(), &tmp.join("out/nested"), &save::SaveOptions::default()).unwrap();
    assert_eq!(path, tmp.join("out/nested/pkgdemo-1.2.3-rc.1+build.5.tgz"));
    assert_eq!(std::fs::read(&path).unwrap(), first);
    assert_eq!(written, first);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn save_refuses_a_file_as_destination() {
    let tmp = tempdir("dest");
    std::fs::write(tmp.join("f"), "x").unwrap();
    let c = chart::load_dir(&root().join("tests/charts/pkgdemo")).unwrap();
    let e = save::save(&c, &tmp.join("f"), &save::SaveOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), format!("is not a directory: {}", tmp.join("f").display()));
    let _ = std::fs::remove_dir_all(&tmp);
}

pub fn tempdir(tag: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("kubehelm-save-{}-{}", tag, std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn touch_all(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            touch_all(&e.path());
        } else {
            let data = std::fs::read(e.path()).unwrap();
            std::fs::write(e.path(), data).unwrap();
        }
    }
}
