//! Files written whole or not at all: a temp file beside the target, synced, then renamed over it
//! (Helm's `fileutil.AtomicWriteFile`), so a cache or Chart.lock is never left half-written.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh name beside `target` (same folder, so the rename stays on one file system).
pub fn temp_sibling(target: &Path, tag: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let base = target.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let dir = target.parent().unwrap_or_else(|| Path::new("."));
    dir.join(format!(".{base}.{tag}-{}-{n}-{nanos:x}", std::process::id()))
}

/// Writes `data` to `path` atomically with permission bits `mode` (unix). The parent folder must exist.
pub fn write_atomic(path: &Path, data: &[u8], mode: u32) -> std::io::Result<()> {
    let tmp = temp_sibling(path, "tmp");
    let result = (|| {
        let mut f = fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        drop(f);
        set_mode(&tmp, mode)?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Go's `*PathError` text for an I/O failure: `open /x/y: no such file or directory`.
pub fn os_error(op: &str, path: &Path, e: &std::io::Error) -> String {
    crate::chart::go_os_error(op, path, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_file_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("kubehelm-fsutil-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let p = dir.join("index.yaml");
        write_atomic(&p, b"one", 0o644).unwrap();
        write_atomic(&p, b"two", 0o644).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        // A missing folder is an error, not a panic, and leaves nothing behind.
        assert!(write_atomic(&dir.join("no/such/file"), b"x", 0o644).is_err());
        let _ = fs::remove_dir_all(&dir);
    }
}
