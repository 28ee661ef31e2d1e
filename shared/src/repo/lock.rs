//! The lock Helm takes around `repositories.yaml` changes (`repo add`): an exclusive `flock` on the
//! file beside it with the extension replaced by `.lock` (`repositories.lock`), tried every second for
//! up to 30 s. Both tools use the same lock file, so a Helm and a kubectl-repo running at once do not
//! lose each other's entries.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{fsutil, Error};

/// Held while it lives; dropping it unlocks.
pub struct RepoFileLock {
    _file: File,
    pub path: PathBuf,
}

/// The lock file Helm derives from the repositories file: `repositories.yaml` → `repositories.lock`.
pub fn lock_path(repo_file: &Path) -> PathBuf {
    let s = repo_file.to_string_lossy();
    let base_start = s.rfind('/').map(|i| i + 1).unwrap_or(0);
    match s[base_start..].rfind('.') {
        // filepath.Ext: from the last dot of the last element; a name that is only an extension keeps it.
        Some(i) if base_start + i > 0 && s.len() - (base_start + i) < s.len() => {
            PathBuf::from(format!("{}.lock", &s[..base_start + i]))
        }
        _ => PathBuf::from(format!("{s}.lock")),
    }
}

impl RepoFileLock {
    /// Takes the lock for `repo_file`, waiting up to `wait`.
    pub fn acquire(repo_file: &Path, wait: Duration) -> Result<RepoFileLock, Error> {
        let path = lock_path(repo_file);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::new(fsutil::os_error("mkdir", dir, &e)))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| Error::new(fsutil::os_error("open", &path, &e)))?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(RepoFileLock { _file: file, path }),
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::new(format!(
                        "timed out waiting for the lock {}",
                        path.display()
                    )))
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Error::new(format!("lock {}: {e}", path.display())))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_lock_names() {
        assert_eq!(
            lock_path(Path::new("/h/repositories.yaml")),
            PathBuf::from("/h/repositories.lock")
        );
        assert_eq!(
            lock_path(Path::new("/h/repos")),
            PathBuf::from("/h/repos.lock")
        );
        assert_eq!(
            lock_path(Path::new("/h.d/repos")),
            PathBuf::from("/h.d/repos.lock")
        );
    }

    #[test]
    fn second_locker_waits_then_times_out() {
        let d = std::env::temp_dir().join(format!("kubehelm-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let f = d.join("repositories.yaml");
        let held = RepoFileLock::acquire(&f, Duration::from_secs(1)).unwrap();
        let e = RepoFileLock::acquire(&f, Duration::from_millis(300))
            .err()
            .unwrap();
        assert!(e.to_string().contains("timed out"), "{e}");
        drop(held);
        RepoFileLock::acquire(&f, Duration::from_millis(300)).unwrap();
        let _ = std::fs::remove_dir_all(&d);
    }
}
