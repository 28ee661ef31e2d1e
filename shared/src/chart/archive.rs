//! Reading a chart archive (.tgz) in memory as Helm's `pkg/chart/loader/archive` does: never extracted
//! to disk, the first path component stripped, absolute paths, `..`, drive letters rejected, 100 MiB
//! total / 5 MiB per file, PAX headers skipped, BOM stripped. Stricter than Helm, before any chart is
//! built: links, devices and other non-regular entries, duplicate names and names that are not UTF-8
//! are refused, and the decompressed stream (headers and skipped entries included) is bounded. One
//! [`Budget`] spans a whole chart load: total bytes, files and subchart nesting, across archives nested in
//! archives, so that no archive small enough to pass Helm's per-archive limits expands without bound.

use std::io::Read;

use super::Error;

/// Helm's `MaxDecompressedChartSize` (100 MiB).
pub const MAX_DECOMPRESSED_CHART_SIZE: u64 = 100 * 1024 * 1024;
/// Helm's `MaxDecompressedFileSize` (5 MiB).
pub const MAX_DECOMPRESSED_FILE_SIZE: u64 = 5 * 1024 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Default of [`LoadLimits::total_bytes`]: 256 MiB decompressed for a chart and all its subcharts.
pub const DEFAULT_MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;
/// Default of [`LoadLimits::files`].
pub const DEFAULT_MAX_FILES: u64 = 100_000;
/// Default of [`LoadLimits::depth`]: subcharts nested this deep load, one more level does not.
pub const DEFAULT_MAX_DEPTH: usize = 1_024;

/// The limits of one chart load (the chart, its subcharts, and archives nested in archives): on top of
/// Helm's own 100 MiB per archive and 5 MiB per file, which stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadLimits {
    /// Decompressed bytes of every file read, archives inside archives counted at every level.
    pub total_bytes: u64,
    /// Files read, at every level.
    pub files: u64,
    /// How deep subcharts may nest (the chart itself is level 0).
    pub depth: usize,
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits { total_bytes: DEFAULT_MAX_TOTAL_BYTES, files: DEFAULT_MAX_FILES, depth: DEFAULT_MAX_DEPTH }
    }
}

impl LoadLimits {
    /// The defaults, each overridden by its environment variable when that holds a positive number:
    /// `KUBECTL_CHART_MAX_TOTAL_MIB`, `KUBECTL_CHART_MAX_FILES`, `KUBECTL_CHART_MAX_DEPTH`.
    pub fn from_env() -> Self {
        fn var(name: &str) -> Option<u64> {
            std::env::var(name).ok()?.trim().parse::<u64>().ok().filter(|n| *n > 0)
        }
        let d = LoadLimits::default();
        LoadLimits {
            total_bytes: var("KUBECTL_CHART_MAX_TOTAL_MIB").map_or(d.total_bytes, |m| m.saturating_mul(1024 * 1024)),
            files: var("KUBECTL_CHART_MAX_FILES").unwrap_or(d.files),
            depth: var("KUBECTL_CHART_MAX_DEPTH").map_or(d.depth, |n| n.min(usize::MAX as u64) as usize),
        }
    }
}

/// What one chart load has used of its [`LoadLimits`].
#[derive(Debug)]
pub(crate) struct Budget {
    limits: LoadLimits,
    bytes: u64,
    files: u64,
    /// Set once a size, count or depth limit refused the load: such errors go up unwrapped and keep
    /// their text where Helm would print only "unable to load chart archive".
    pub(crate) exceeded: bool,
    /// Set when one of our own whole-load limits (not Helm's) refused it: its error is not wrapped in
    /// one "error unpacking subchart" context per level.
    pub(crate) whole_load: bool,
}

impl Budget {
    pub(crate) fn new(limits: LoadLimits) -> Self {
        Budget { limits, bytes: 0, files: 0, exceeded: false, whole_load: false }
    }

    pub(crate) fn fail(&mut self, message: String) -> Error {
        self.exceeded = true;
        Error::msg(message)
    }

    fn fail_whole(&mut self, message: String) -> Error {
        self.whole_load = true;
        self.fail(message)
    }

    fn remaining_bytes(&self) -> u64 {
        self.limits.total_bytes.saturating_sub(self.bytes)
    }

    fn total_error(&mut self) -> Error {
        let limit = self.limits.total_bytes;
        self.fail_whole(format!(
            "chart and its subcharts decompress to more than the total limit of {} bytes ({} MiB; \
             KUBECTL_CHART_MAX_TOTAL_MIB raises it)",
            limit,
            limit / (1024 * 1024)
        ))
    }

    /// Counts one more file of `size` bytes.
    pub(crate) fn take_file(&mut self, size: u64) -> Result<(), Error> {
        if self.files >= self.limits.files {
            let limit = self.limits.files;
            return Err(self.fail_whole(format!(
                "chart and its subcharts hold more than {} files, the limit (KUBECTL_CHART_MAX_FILES raises it)",
                limit
            )));
        }
        if size > self.remaining_bytes() {
            return Err(self.total_error());
        }
        self.files += 1;
        self.bytes += size;
        Ok(())
    }

    /// Checks the nesting level of the subchart `name` inside `parent`.
    pub(crate) fn enter(&mut self, depth: usize, name: &str, parent: &str) -> Result<(), Error> {
        if depth > self.limits.depth {
            let limit = self.limits.depth;
            return Err(self.fail_whole(format!(
                "subchart {} in {} is nested {} levels deep, more than the limit of {} \
                 (KUBECTL_CHART_MAX_DEPTH raises it)",
                name, parent, depth, limit
            )));
        }
        Ok(())
    }
}

/// A file read from an archive or folder, before it is sorted into a chart (`archive.BufferedFile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufferedFile {
    pub name: String,
    pub data: Vec<u8>,
}

/// The most decompressed tar bytes read (headers, padding and skipped entries included): twice the chart
/// limit, so that no entry (a PAX header, a folder with a huge size) makes the reader inflate a bomb.
pub const MAX_DECOMPRESSED_STREAM_SIZE: u64 = 2 * MAX_DECOMPRESSED_CHART_SIZE;

/// Reads at most `remaining` bytes, then fails with `message` (instead of ending quietly as
/// `Read::take` does).
struct Bounded<R> {
    inner: R,
    remaining: u64,
    message: String,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.remaining == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(self.message.clone())),
            };
        }
        let n = buf.len().min(self.remaining.min(usize::MAX as u64) as usize);
        let got = self.inner.read(&mut buf[..n])?;
        self.remaining -= got as u64;
        Ok(got)
    }
}

/// Whether an archive error is a gzip header error (Go's `gzip.ErrHeader`), which Helm reports apart.
pub(crate) const GZIP_HEADER_ERROR: &str = "gzip: invalid header";

fn io_err(e: std::io::Error) -> Error {
    let text = e.to_string();
    if e.kind() == std::io::ErrorKind::UnexpectedEof || text.contains("failed to fill whole buffer") {
        return Error::msg("unexpected EOF");
    }
    if text.contains("invalid gzip header") {
        return Error::msg(GZIP_HEADER_ERROR);
    }
    if text.contains("corrupt deflate stream") || text.contains("invalid") && text.contains("deflate") {
        return Error::msg("flate: corrupt input before offset 0");
    }
    Error::msg(text)
}

/// Go's `path.Clean`.
pub(crate) fn go_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            x => out.push(x),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{}", body),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

fn is_drive_path(n: &str) -> bool {
    let b = n.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/'
}

/// `archive.LoadArchiveFiles`: the files of a gzipped tar, names relative to the chart folder (with
/// the default [`LoadLimits`] of a whole load).
pub fn load_archive_files(bytes: &[u8]) -> Result<Vec<BufferedFile>, Error> {
    load_archive_files_with(bytes, &mut Budget::new(LoadLimits::from_env()))
}

/// [`load_archive_files`] charged to the budget of a wider load.
pub(crate) fn load_archive_files_with(bytes: &[u8], budget: &mut Budget) -> Result<Vec<BufferedFile>, Error> {
    if bytes.len() < 10 || bytes[0] != 0x1f || bytes[1] != 0x8b || bytes[2] != 8 {
        return Err(Error::msg(if bytes.is_empty() { "EOF" } else { GZIP_HEADER_ERROR }));
    }
    let gz = flate2::read::MultiGzDecoder::new(bytes);
    // The tar stream (headers, padding and skipped entries too) may not run far past what the file
    // budgets allow: the per-archive bound, or twice what is left of the whole load.
    let total_left = budget.remaining_bytes();
    let (stream_limit, message) = if total_left.saturating_mul(2).saturating_add(1 << 20) < MAX_DECOMPRESSED_STREAM_SIZE
    {
        let limit = budget.limits.total_bytes;
        (
            total_left * 2 + (1 << 20),
            format!(
                "chart and its subcharts decompress to more than the total limit of {} bytes ({} MiB; \
                 KUBECTL_CHART_MAX_TOTAL_MIB raises it)",
                limit,
                limit / (1024 * 1024)
            ),
        )
    } else {
        (
            MAX_DECOMPRESSED_STREAM_SIZE,
            format!("decompressed chart is larger than the maximum size {}", MAX_DECOMPRESSED_CHART_SIZE),
        )
    };
    let mut archive = tar::Archive::new(Bounded { inner: gz, remaining: stream_limit, message: message.clone() });
    let mut seen = std::collections::HashSet::new();
    let mut files = Vec::new();
    let mut remaining = MAX_DECOMPRESSED_CHART_SIZE;
    let entries = archive.entries().map_err(io_err)?;
    let stream_err = |e: std::io::Error, budget: &mut Budget| {
        if e.to_string() == message {
            budget.exceeded = true;
            budget.whole_load = message.contains("KUBECTL_CHART_MAX_TOTAL_MIB");
        }
        io_err(e)
    };
    for entry in entries {
        let mut entry = entry.map_err(|e| stream_err(e, budget))?;
        let header = entry.header();
        let typeflag = header.entry_type().as_byte();
        let raw_name = match std::str::from_utf8(&entry.path_bytes()) {
            Ok(n) => n.to_string(),
            Err(_) => {
                return Err(Error::msg(format!(
                    "chart illegally contains a file name that is not UTF-8: {}",
                    super::metadata::go_quote(&String::from_utf8_lossy(&entry.path_bytes()))
                )))
            }
        };
        let mode = header.mode().unwrap_or(0);
        let is_dir = typeflag == b'5'
            || (mode & 0o170000) == 0o040000
            || ((typeflag == 0 || typeflag == b'0') && raw_name.ends_with('/'));
        if is_dir {
            continue;
        }
        if matches!(typeflag, b'g' | b'x' | b'X') {
            continue;
        }
        if !matches!(typeflag, 0 | b'0' | b'7') {
            let what = match typeflag {
                b'1' => "a hard link",
                b'2' => "a symbolic link",
                b'3' | b'4' => "a device file",
                b'6' => "a named pipe",
                _ => "an entry that is not a regular file",
            };
            return Err(Error::msg(format!(
                "chart illegally contains {}: {}",
                what,
                super::metadata::go_quote(&raw_name)
            )));
        }
        let delimiter = if raw_name.contains('\\') { '\\' } else { '/' };
        let parts: Vec<&str> = raw_name.split(delimiter).collect();
        let n = parts[1..].join(&delimiter.to_string()).replace(delimiter, "/");
        if n.starts_with('/') {
            return Err(Error::msg("chart illegally contains absolute paths"));
        }
        let n = go_clean(&n);
        if n == "." {
            return Err(Error::msg(format!(
                "chart illegally contains content outside the base directory: {}",
                super::metadata::go_quote(&raw_name)
            )));
        }
        if n.starts_with("..") {
            return Err(Error::msg("chart illegally references parent directory"));
        }
        if is_drive_path(&n) {
            return Err(Error::msg("chart contains illegally named files"));
        }
        if parts[0] == "Chart.yaml" {
            return Err(Error::msg("chart yaml not in base directory"));
        }
        if !seen.insert(n.clone()) {
            return Err(Error::msg(format!(
                "chart illegally contains the file {} twice",
                super::metadata::go_quote(&n)
            )));
        }
        let size = entry.size();
        if size > remaining {
            return Err(budget
                .fail(format!("decompressed chart is larger than the maximum size {}", MAX_DECOMPRESSED_CHART_SIZE)));
        }
        if size > MAX_DECOMPRESSED_FILE_SIZE {
            return Err(budget.fail(format!(
                "decompressed chart file {} is larger than the maximum file size {}",
                super::metadata::go_quote(&raw_name),
                MAX_DECOMPRESSED_FILE_SIZE
            )));
        }
        budget.take_file(size)?;
        let mut data = Vec::with_capacity(size.min(1 << 20) as usize);
        (&mut entry).take(size.min(remaining)).read_to_end(&mut data).map_err(|e| stream_err(e, budget))?;
        let written = data.len() as u64;
        remaining -= written;
        if written < size || remaining == 0 {
            return Err(budget
                .fail(format!("decompressed chart is larger than the maximum size {}", MAX_DECOMPRESSED_CHART_SIZE)));
        }
        if data.starts_with(UTF8_BOM) {
            data.drain(..3);
        }
        files.push(BufferedFile { name: n, data });
    }
    if files.is_empty() {
        return Err(Error::msg("no files in chart archive"));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_like_go() {
        for (a, b) in [
            ("", "."),
            ("a/../..", ".."),
            ("../x", "../x"),
            ("/../x", "/x"),
            ("a/./b//c/", "a/b/c"),
            ("a/..", "."),
            ("..foo", "..foo"),
        ] {
            assert_eq!(go_clean(a), b, "{a}");
        }
    }

    #[test]
    fn not_gzip() {
        assert_eq!(load_archive_files(b"hello world, not gzip").unwrap_err().to_string(), "gzip: invalid header");
    }
}
