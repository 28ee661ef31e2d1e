//! `search repo` as Helm's `pkg/cmd/search` does it (the same lines, scores, order and version
//! filtering), over a compact search cache of our own kept beside Helm's files:
//! `$HELM_REPOSITORY_CACHE/NAME-index.search`.
//!
//! Helm parses every `NAME-index.yaml` in full on every search (seconds and hundreds of MB on big
//! indexes). The cache holds only what search shows and matches (name, version, app version,
//! description, keywords) in a flat length-prefixed file that is read in one go. It carries a stamp of
//! the index file it was made from (size, mtime, SHA-256): when size and mtime still match it is used
//! as is; when they differ the index is hashed, and only a different digest makes it rebuilt from the
//! index. Helm's own files are never changed by it. It also keeps the HTTP validators (ETag,
//! Last-Modified) of the download the index came from, for conditional `update` requests.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gosemver::{Constraints, Version};
use sha2::{Digest, Sha256};

use super::index::IndexFile;
use super::paths::cache_index_file;
use super::url::go_clean;
use super::{fsutil, Error};

const MAGIC: &[u8] = b"kubectl-repo search cache v1\n";
/// Helm's `searchMaxScore`.
pub const MAX_SCORE: usize = 25;
const SEP: char = '\u{b}';
const VER_SEP: &str = "$$";

/// The file name of a repository's search cache.
pub fn cache_file_name(repo: &str) -> String {
    format!("{repo}-index.search")
}

/// The state of the index file a cache was made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stamp {
    pub size: u64,
    pub mtime_secs: i64,
    pub mtime_nanos: u32,
    pub sha256: [u8; 32],
}

fn stat_parts(path: &Path) -> std::io::Result<(u64, i64, u32)> {
    let md = std::fs::metadata(path)?;
    let (secs, nanos) = match md.modified()?.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        Err(e) => (-(e.duration().as_secs() as i64), 0),
    };
    Ok((md.len(), secs, nanos))
}

impl Stamp {
    /// The stamp of `path` with the digest of `data` (its content).
    pub fn of(path: &Path, data: &[u8]) -> std::io::Result<Stamp> {
        let (size, mtime_secs, mtime_nanos) = stat_parts(path)?;
        Ok(Stamp {
            size,
            mtime_secs,
            mtime_nanos,
            sha256: Sha256::digest(data).into(),
        })
    }
}

/// One chart version as search sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// `REPO/CHART` (path-cleaned, as Helm's `path.Join`), the NAME column.
    pub name: String,
    /// The line Helm matches against: `chart \v repo/chart \v description \v keywords`.
    pub line: String,
    pub version: String,
    pub app_version: String,
    pub description: String,
}

/// A repository's search cache.
#[derive(Debug, Clone, Default)]
pub struct SearchCache {
    pub stamp: Stamp,
    pub etag: String,
    pub last_modified: String,
    pub records: Vec<Record>,
}

/// Helm's `indstr`.
fn index_line(repo: &str, chart: &str, description: &str, keywords: &[String]) -> String {
    format!(
        "{chart}{SEP}{repo}/{chart}{SEP}{description}{SEP}{}",
        keywords.join(" ")
    )
}

impl SearchCache {
    /// The records of a loaded index, as Helm's `AddRepo(name, index, all=true)` makes its lines.
    pub fn records_of(repo: &str, index: &IndexFile) -> Vec<Record> {
        let mut out = Vec::new();
        for (name, versions) in &index.entries {
            if versions.is_empty() {
                continue;
            }
            let fname = go_clean(&format!("{repo}/{name}"));
            for cv in versions {
                let md = &cv.metadata;
                out.push(Record {
                    name: fname.clone(),
                    line: index_line(repo, &md.name, &md.description, &md.keywords),
                    version: md.version.clone(),
                    app_version: md.app_version.clone(),
                    description: md.description.clone(),
                });
            }
        }
        out
    }

    fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(64 + self.records.len() * 160);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&self.stamp.size.to_le_bytes());
        b.extend_from_slice(&self.stamp.mtime_secs.to_le_bytes());
        b.extend_from_slice(&self.stamp.mtime_nanos.to_le_bytes());
        b.extend_from_slice(&self.stamp.sha256);
        put_str(&mut b, &self.etag);
        put_str(&mut b, &self.last_modified);
        b.extend_from_slice(&(self.records.len() as u32).to_le_bytes());
        for r in &self.records {
            for s in [&r.name, &r.line, &r.version, &r.app_version, &r.description] {
                put_str(&mut b, s);
            }
        }
        b
    }

    fn decode(data: &[u8]) -> Option<SearchCache> {
        let mut r = Reader { data, pos: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return None;
        }
        let size = u64::from_le_bytes(r.take(8)?.try_into().ok()?);
        let mtime_secs = i64::from_le_bytes(r.take(8)?.try_into().ok()?);
        let mtime_nanos = u32::from_le_bytes(r.take(4)?.try_into().ok()?);
        let sha256: [u8; 32] = r.take(32)?.try_into().ok()?;
        let etag = r.string()?;
        let last_modified = r.string()?;
        let n = u32::from_le_bytes(r.take(4)?.try_into().ok()?) as usize;
        let mut records = Vec::with_capacity(n.min(data.len() / 20));
        for _ in 0..n {
            records.push(Record {
                name: r.string()?,
                line: r.string()?,
                version: r.string()?,
                app_version: r.string()?,
                description: r.string()?,
            });
        }
        if r.pos != data.len() {
            return None;
        }
        Some(SearchCache {
            stamp: Stamp {
                size,
                mtime_secs,
                mtime_nanos,
                sha256,
            },
            etag,
            last_modified,
            records,
        })
    }

    /// Reads a cache file; `None` when it is missing, foreign or damaged.
    pub fn read(path: &Path) -> Option<SearchCache> {
        std::fs::read(path).ok().and_then(|d| Self::decode(&d))
    }

    /// Writes the cache atomically (a reader never sees half a file).
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        fsutil::write_atomic(path, &self.encode(), 0o644)
            .map_err(|e| Error::new(fsutil::os_error("open", path, &e)))
    }

    /// Whether the cache still describes the index at `index_path`. A changed size or mtime makes the
    /// index hashed; an equal digest keeps the cache (its stamp is then refreshed, best effort).
    pub fn matches(&mut self, index_path: &Path, cache_path: &Path) -> bool {
        let Ok((size, secs, nanos)) = stat_parts(index_path) else {
            return false;
        };
        if size == self.stamp.size
            && secs == self.stamp.mtime_secs
            && nanos == self.stamp.mtime_nanos
        {
            return true;
        }
        if size != self.stamp.size {
            return false;
        }
        let Ok(data) = std::fs::read(index_path) else {
            return false;
        };
        let digest: [u8; 32] = Sha256::digest(&data).into();
        if digest != self.stamp.sha256 {
            return false;
        }
        self.stamp.mtime_secs = secs;
        self.stamp.mtime_nanos = nanos;
        let _ = self.write(cache_path);
        true
    }
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    b.extend_from_slice(&(s.len() as u32).to_le_bytes());
    b.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn string(&mut self) -> Option<String> {
        let n = u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
}

/// Builds (or rebuilds) the search cache of repository `repo` from its cached index file, keeping
/// the given HTTP validators. The index is parsed once here.
pub fn build_cache(
    cache_dir: &Path,
    repo: &str,
    index: &IndexFile,
    index_data: &[u8],
    etag: &str,
    last_modified: &str,
) -> Result<SearchCache, Error> {
    let index_path = cache_dir.join(cache_index_file(repo));
    let stamp = Stamp::of(&index_path, index_data)
        .map_err(|e| Error::new(fsutil::os_error("stat", &index_path, &e)))?;
    let c = SearchCache {
        stamp,
        etag: etag.to_string(),
        last_modified: last_modified.to_string(),
        records: SearchCache::records_of(repo, index),
    };
    c.write(&cache_dir.join(cache_file_name(repo)))?;
    Ok(c)
}

/// The search records of repository `repo`: from its search cache when that still matches the index
/// file, else from the index (Helm's `LoadIndexFile`, with its errors), rebuilding the cache.
pub fn load_records(cache_dir: &Path, repo: &str) -> Result<Vec<Record>, Error> {
    let index_path = cache_dir.join(cache_index_file(repo));
    let cache_path = cache_dir.join(cache_file_name(repo));
    if let Some(mut c) = SearchCache::read(&cache_path) {
        if c.matches(&index_path, &cache_path) {
            return Ok(c.records);
        }
    }
    let data = std::fs::read(&index_path).map_err(|e| {
        Error::new(fsutil::os_error("open", &index_path, &e))
            .with_not_found(e.kind() == std::io::ErrorKind::NotFound)
    })?;
    let index = IndexFile::load(&data, &index_path.display().to_string())
        .map_err(|e| Error::new(format!("error loading {}: {e}", index_path.display())))?;
    // A cache that cannot be written (read-only cache folder) only costs speed.
    match build_cache(cache_dir, repo, &index, &data, "", "") {
        Ok(c) => Ok(c.records),
        Err(_) => Ok(SearchCache::records_of(repo, &index)),
    }
}

/// Removes a repository's search cache (with `repo remove`).
pub fn remove_cache(cache_dir: &Path, repo: &str) {
    let _ = std::fs::remove_file(cache_dir.join(cache_file_name(repo)));
}

/// The path of a repository's search cache.
pub fn cache_path(cache_dir: &Path, repo: &str) -> PathBuf {
    cache_dir.join(cache_file_name(repo))
}

/// One search result (Helm's `search.Result`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit<'a> {
    pub name: &'a str,
    pub score: usize,
    pub version: &'a str,
    pub app_version: &'a str,
    pub description: &'a str,
}

/// What `search repo` was asked.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// The keywords joined by a space; `None` lists everything.
    pub keyword: Option<String>,
    pub regexp: bool,
    /// `--version`; empty: `>0.0.0`, or `>0.0.0-0` with `devel`.
    pub version: String,
    pub devel: bool,
    /// `-l/--versions`: every matching version, not only the newest per chart.
    pub versions: bool,
}

/// `calcScore`: how many separators come before the match.
fn score(index: usize, line: &str) -> usize {
    line.as_bytes()[..index.min(line.len())]
        .iter()
        .filter(|&&b| b == SEP as u8)
        .count()
}

/// Go's strings.ToLower for the text of an index (ASCII fast path).
fn lower_into(s: &str, buf: &mut String) {
    buf.clear();
    if s.is_ascii() {
        buf.push_str(s);
        buf.make_ascii_lowercase();
    } else {
        for c in s.chars() {
            buf.extend(c.to_lowercase());
        }
    }
}

/// Helm's `search repo` over the records of each repository (in repositories.yaml order): the matching
/// chart versions, sorted by score, name and version (newest first), with the version constraint
/// applied and, without `versions`, only the first version kept per chart.
pub fn search<'a>(repos: &'a [Vec<Record>], q: &Query) -> Result<Vec<Hit<'a>>, Error> {
    let version = if !q.version.is_empty() {
        q.version.clone()
    } else if q.devel {
        ">0.0.0-0".to_string()
    } else {
        ">0.0.0".to_string()
    };
    // Helm keys its lines by `NAME$$VERSION`: a later duplicate replaces an earlier one.
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    let mut hits: Vec<Hit<'a>> = Vec::new();
    let mut push = |hits: &mut Vec<Hit<'a>>, r: &'a Record, score: usize| {
        let name = r.name.split(VER_SEP).next().unwrap_or(&r.name);
        let hit = Hit {
            name,
            score,
            version: &r.version,
            app_version: &r.app_version,
            description: &r.description,
        };
        match seen.get(&(r.name.as_str(), r.version.as_str())) {
            Some(&i) => hits[i] = hit,
            None => {
                seen.insert((r.name.as_str(), r.version.as_str()), hits.len());
                hits.push(hit);
            }
        }
    };
    match &q.keyword {
        None => {
            for r in repos.iter().flatten() {
                push(&mut hits, r, 0);
            }
        }
        Some(term) if q.regexp => {
            let re = regex::Regex::new(term).map_err(|e| Error::new(go_regexp_error(term, &e)))?;
            for r in repos.iter().flatten() {
                if let Some(m) = re.find(&r.line) {
                    let s = score(m.start(), &r.line);
                    if s < MAX_SCORE {
                        push(&mut hits, r, s);
                    }
                }
            }
        }
        Some(term) => {
            let mut t = String::new();
            lower_into(term, &mut t);
            let mut buf = String::new();
            for r in repos.iter().flatten() {
                lower_into(&r.line, &mut buf);
                if let Some(i) = buf.find(t.as_str()) {
                    let s = score(i, &buf);
                    if s < MAX_SCORE {
                        push(&mut hits, r, s);
                    }
                }
            }
        }
    }
    // Parse each version once for the sort and the constraint.
    let mut keyed: Vec<(Hit<'a>, Option<Version>)> = hits
        .into_iter()
        .map(|h| {
            let v = Version::parse(h.version).ok();
            (h, v)
        })
        .collect();
    keyed.sort_by(|(a, va), (b, vb)| {
        a.score
            .cmp(&b.score)
            .then_with(|| a.name.cmp(b.name))
            .then_with(|| match (va, vb) {
                (Some(x), Some(y)) => y.compare(x),
                _ => Ordering::Equal,
            })
    });
    let constraint = Constraints::parse(&version)
        .map_err(|e| Error::new(format!("an invalid version/constraint format: {e}")))?;
    let mut found: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (h, v) in keyed {
        if !q.versions && found.contains(h.name) {
            continue;
        }
        let Some(v) = v else { continue };
        if constraint.check(&v) {
            found.insert(h.name);
            out.push(h);
        }
    }
    Ok(out)
}

/// Go's regexp compile error text: `error parsing regexp: missing closing ): `(a``.
fn go_regexp_error(term: &str, e: &regex::Error) -> String {
    let text = e.to_string();
    let detail = if text.contains("unclosed group") {
        format!("missing closing ): `{term}`")
    } else if text.contains("unclosed character class") {
        format!(
            "missing closing ]: `{}`",
            &term[term.rfind('[').unwrap_or(0)..]
        )
    } else if text.contains("repetition operator missing expression") {
        format!(
            "missing argument to repetition operator: `{}`",
            term.chars().find(|c| "*+?".contains(*c)).unwrap_or('*')
        )
    } else if text.contains("unopened group") {
        format!("unexpected ): `{term}`")
    } else {
        format!("invalid regexp: `{term}`")
    };
    format!("error parsing regexp: {detail}")
}

/// gosuri/uitable as Helm's search and list tables use it: each column as wide as its widest line,
/// at most `max_width` (0: no limit); longer cells cut to `max_width - 3` plus `...`; cells padded,
/// joined by tabs; Helm's EncodeTable adds the final newline.
pub fn table(rows: &[Vec<&str>], max_width: usize) -> String {
    use crate::release::print::{resize, text_width as width};
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            let mut w = c.split('\n').map(width).max().unwrap_or(0);
            if max_width != 0 && w > max_width {
                w = max_width;
            }
            widths[i] = widths[i].max(w);
        }
    }
    let mut out = String::new();
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| resize(c, widths[i]))
            .collect();
        let split: Vec<Vec<&str>> = cells.iter().map(|c| c.split('\n').collect()).collect();
        let count = split.iter().map(Vec::len).max().unwrap_or(1);
        for x in 0..count {
            let line: Vec<String> = split
                .iter()
                .enumerate()
                .map(|(y, parts)| match parts.get(x) {
                    Some(p) => resize(p, widths[y]),
                    None => " ".repeat(widths[y].max(1)),
                })
                .collect();
            out.push_str(&line.join("\t"));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str, version: &str, desc: &str, kw: &[&str]) -> Record {
        let (repo, chart) = name.split_once('/').unwrap();
        let kws: Vec<String> = kw.iter().map(|s| s.to_string()).collect();
        Record {
            name: name.into(),
            line: index_line(repo, chart, desc, &kws),
            version: version.into(),
            app_version: "1".into(),
            description: desc.into(),
        }
    }

    #[test]
    fn helm_order_and_filtering() {
        let repos = vec![vec![
            rec(
                "r/alpine",
                "0.2.0",
                "Deploy a basic Alpine Linux pod",
                &["linux"],
            ),
            rec(
                "r/alpine",
                "0.1.0",
                "Deploy a basic Alpine Linux pod",
                &["linux"],
            ),
            rec(
                "r/alpine",
                "0.3.0-rc.1",
                "Deploy a basic Alpine Linux pod",
                &["linux"],
            ),
            rec(
                "r/mariadb",
                "0.3.0",
                "Chart for MariaDB",
                &["mysql", "database"],
            ),
            rec("r/nginx", "1.0.0", "web server, not alpine", &[]),
        ]];
        let q = |k: &str| Query {
            keyword: Some(k.into()),
            ..Default::default()
        };
        let names = |hits: Vec<Hit>| {
            hits.iter()
                .map(|h| format!("{}@{}", h.name, h.version))
                .collect::<Vec<_>>()
        };
        // Name matches score 0, description matches 2: alpine first.
        assert_eq!(
            names(search(&repos, &q("alpine")).unwrap()),
            ["r/alpine@0.2.0", "r/nginx@1.0.0"]
        );
        let mut all = q("alpine");
        all.versions = true;
        assert_eq!(
            names(search(&repos, &all).unwrap()),
            ["r/alpine@0.2.0", "r/alpine@0.1.0", "r/nginx@1.0.0"]
        );
        all.devel = true;
        assert_eq!(
            names(search(&repos, &all).unwrap())[0],
            "r/alpine@0.3.0-rc.1"
        );
        assert_eq!(
            names(search(&repos, &q("DATABASE")).unwrap()),
            ["r/mariadb@0.3.0"]
        );
        let mut re = q("^ma.*db");
        re.regexp = true;
        assert_eq!(names(search(&repos, &re).unwrap()), ["r/mariadb@0.3.0"]);
        re.keyword = Some("(".into());
        assert_eq!(
            search(&repos, &re).unwrap_err().to_string(),
            "error parsing regexp: missing closing ): `(`"
        );
        let mut bad = q("x");
        bad.version = "!!".into();
        assert!(search(&repos, &bad)
            .unwrap_err()
            .to_string()
            .starts_with("an invalid version/constraint format"));
        let none = Query::default();
        assert_eq!(search(&repos, &none).unwrap().len(), 3);
    }

    #[test]
    fn cache_round_trip_and_damage() {
        let c = SearchCache {
            stamp: Stamp {
                size: 3,
                mtime_secs: 4,
                mtime_nanos: 5,
                sha256: [7; 32],
            },
            etag: "\"e\"".into(),
            last_modified: String::new(),
            records: vec![rec("r/a", "1.0.0", "d", &["k"])],
        };
        let b = c.encode();
        let back = SearchCache::decode(&b).unwrap();
        assert_eq!(
            (back.stamp, back.etag, back.records),
            (c.stamp.clone(), c.etag.clone(), c.records.clone())
        );
        assert!(SearchCache::decode(&b[..b.len() - 1]).is_none());
        assert!(SearchCache::decode(b"garbage").is_none());
    }

    #[test]
    fn uitable_cuts_at_max_width() {
        let t = table(&[vec!["NAME", "DESCRIPTION"], vec!["a", "0123456789"]], 8);
        assert_eq!(
            t,
            "NAME\tDESCRIPTION\na   \t01234...\n".replace("DESCRIPTION", "DESCR...")
        );
    }
}
