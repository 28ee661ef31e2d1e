//! Helm's content cache for downloaded charts (`downloader.DiskCache`): files keyed by a SHA-256,
//! `<root>/<first byte as hex>/<hex digest>.chart` and `….prov`, each written atomically.

use std::path::{Path, PathBuf};

use super::Error;
use crate::repo::fsutil;

/// What a cache file holds (Helm's `CacheChart` / `CacheProv` suffixes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Chart,
    Prov,
}

impl Kind {
    fn suffix(self) -> &'static str {
        match self {
            Kind::Chart => ".chart",
            Kind::Prov => ".prov",
        }
    }
}

/// A SHA-256 key as 32 bytes.
pub type Key = [u8; 32];

/// The cache folder (`HELM_CONTENT_CACHE`).
#[derive(Debug, Clone)]
pub struct DiskCache {
    pub root: PathBuf,
}

/// A lookup that found nothing usable (Go's `os.IsNotExist` on the `Get` error).
#[derive(Debug)]
pub enum Miss {
    /// No file, or an empty one (Helm treats empty files as absent).
    NotFound,
    /// Anything else, in Go's words (`is a directory`, a stat failure).
    Failed(Error),
}

impl DiskCache {
    pub fn new(root: &Path) -> DiskCache {
        DiskCache { root: root.to_path_buf() }
    }

    /// `fileName`: `<root>/<xx>/<hex>.chart`.
    pub fn file_name(&self, key: &Key, kind: Kind) -> PathBuf {
        let hex = hex(key);
        self.root.join(&hex[..2]).join(format!("{hex}{}", kind.suffix()))
    }

    /// `DiskCache.Get`: the path of a non-empty cached file.
    pub fn get(&self, key: &Key, kind: Kind) -> Result<PathBuf, Miss> {
        let p = self.file_name(key, kind);
        match std::fs::metadata(&p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Miss::NotFound),
            Err(e) => Err(Miss::Failed(Error::new(fsutil::os_error("stat", &p, &e)))),
            Ok(m) if m.is_dir() => Err(Miss::Failed(Error::new("is a directory"))),
            Ok(m) if m.len() == 0 => Err(Miss::NotFound),
            Ok(_) => Ok(p),
        }
    }

    /// `DiskCache.Put`: stores `data` whole (temp file and rename) and returns its path.
    pub fn put(&self, key: &Key, data: &[u8], kind: Kind) -> Result<PathBuf, Error> {
        let p = self.file_name(key, kind);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::new(fsutil::os_error("mkdir", dir, &e)))?;
        }
        fsutil::write_atomic(&p, data, 0o644).map_err(|e| Error::new(fsutil::os_error("open", &p, &e)))?;
        Ok(p)
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Key {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_empty_files() {
        let dir = std::env::temp_dir().join(format!("kubehelm-content-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let c = DiskCache::new(&dir);
        let key = sha256(b"chart bytes");
        let name = c.file_name(&key, Kind::Chart);
        let h = hex(&key);
        assert_eq!(name, dir.join(&h[..2]).join(format!("{h}.chart")));
        assert!(matches!(c.get(&key, Kind::Chart), Err(Miss::NotFound)));
        assert_eq!(c.put(&key, b"chart bytes", Kind::Chart).unwrap(), name);
        assert_eq!(c.get(&key, Kind::Chart).unwrap(), name);
        assert!(matches!(c.get(&key, Kind::Prov), Err(Miss::NotFound)));
        // An empty file counts as absent, as in Helm.
        std::fs::write(c.file_name(&key, Kind::Prov), b"").unwrap();
        assert!(matches!(c.get(&key, Kind::Prov), Err(Miss::NotFound)));
        // Nothing but the two files: no temp files left behind.
        assert_eq!(std::fs::read_dir(name.parent().unwrap()).unwrap().count(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
