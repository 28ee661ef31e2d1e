//! Chart repositories over HTTP, as Helm's `pkg/repo/v1`, `pkg/getter` and `pkg/helmpath` have them:
//! `index.yaml` ([`IndexFile`]), `repositories.yaml` ([`RepoFile`]), the cache layout and file
//! locations ([`paths`]), the HTTP getter with Helm's TLS and credential rules ([`http`]), and URL
//! resolution as Go's `net/url` does it ([`url`]).
//!
//! ```no_run
//! use kubehelm::repo::{self, paths::Settings, RepoFile};
//! let settings = Settings::from_env();
//! let repos = RepoFile::load_or_empty(&settings.repository_config).unwrap();
//! for e in &repos.repositories {
//!     let cached = repo::download_index_file(e, &settings.repository_cache).unwrap();
//!     let index = repo::IndexFile::load_file(&cached).unwrap();
//!     let nginx = index.get("nginx", "~1.2").unwrap();
//!     println!("{}", repo::url::resolve_reference_url(&e.url, &nginx.urls[0]).unwrap());
//! }
//! ```

mod chartrepo;
pub mod fsutil;
pub mod http;
pub mod index;
pub mod lock;
pub mod paths;
pub mod repofile;
pub mod search;
pub mod url;

pub use chartrepo::{
    check_repository_url, download_index_file, entry_get_options, fetch_index, find_chart_in_repo_url, update_index_file,
    Updated,
};
pub use index::{index_directory, ChartVersion, IndexFile};
pub use repofile::{Entry, RepoFile};

use std::fmt;

/// A repository error, already in Helm's words (it names the file or URL involved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
    /// The failure is a missing file (Go's `fs.ErrNotExist`), which some callers treat as empty.
    pub not_found: bool,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Error {
        Error { message: message.into(), not_found: false }
    }

    pub(crate) fn with_not_found(mut self, not_found: bool) -> Error {
        self.not_found = not_found;
        self
    }

    /// `context: self`, as Go's `fmt.Errorf("context: %w")`.
    pub fn wrap(self, context: &str) -> Error {
        Error { message: format!("{context}: {}", self.message), not_found: self.not_found }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(s: String) -> Error {
        Error::new(s)
    }
}

/// Now, as Go's `time.Now()` marshals to JSON (RFC 3339 with trimmed nanoseconds), in UTC.
pub fn now_rfc3339() -> String {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    format_rfc3339_nano(d.as_secs() as i64, d.subsec_nanos())
}

/// Unix seconds + nanoseconds as Go's `time.RFC3339Nano` in UTC (`2024-01-02T03:04:05.5Z`).
pub fn format_rfc3339_nano(secs: i64, nanos: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if mo <= 2 { y + 1 } else { y };
    let mut out = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}");
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339() {
        assert_eq!(super::format_rfc3339_nano(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(super::format_rfc3339_nano(1_700_000_000, 120_000_000), "2023-11-14T22:13:20.12Z");
        assert_eq!(super::format_rfc3339_nano(951_782_400, 5), "2000-02-29T00:00:00.000000005Z");
    }
}
