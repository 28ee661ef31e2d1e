//! Reading a chart archive (.tgz) in memory as Helm's `pkg/chart/loader/archive` does: never extracted
//! to disk, the first path component stripped, absolute paths, `..`, drive letters rejected, 100 MiB
//! total / 5 MiB per file, PAX headers skipped, BOM stripped. Stricter than Helm, before any chart is
//! built: links, devices and other non-regular entries, duplicate names and names that are not UTF-8
//! are refused, and the decompressed stream (headers and skipped entries included) is bounded.

use std::io::Read;

use super::Error;

/// Helm's `MaxDecompressedChartSize` (100 MiB).
pub const MAX_DECOMPRESSED_CHART_SIZE: u64 = 100 * 1024 * 1024;
/// Helm's `MaxDecompressedFileSize` (5 MiB).
pub const MAX_DECOMPRESSED_FILE_SIZE: u64 = 5 * 1024 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A file read from an archive or folder, before it is sorted into a chart (`archive.BufferedFile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufferedFile {
    pub name: String,
    pub data: Vec<u8>,
}

/// The most decompressed tar bytes read (headers, padding and skipped entries included): twice the chart
/// limit, so that no entry (a PAX header, a folder with a huge size) makes the reader inflate a bomb.
pub const MAX_DECOMPRESSED_STREAM_SIZE: u64 = 2 * MAX_DECOMPRESSED_CHART_SIZE;

/// Reads at most `remaining` bytes, then fails (instead of ending quietly as `Read::take` does).
struct Bounded<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.remaining == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(format!(
                    "decompressed chart is larger than the maximum size {}",
                    MAX_DECOMPRESSED_CHART_SIZE
                ))),
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

/// `archive.LoadArchiveFiles`: the files of a gzipped tar, names relative to the chart folder.
pub fn load_archive_files(bytes: &[u8]) -> Result<Vec<BufferedFile>, Error> {
    if bytes.len() < 10 || bytes[0] != 0x1f || bytes[1] != 0x8b || bytes[2] != 8 {
        return Err(Error::msg(if bytes.is_empty() { "EOF" } else { GZIP_HEADER_ERROR }));
    }
    let gz = flate2::read::MultiGzDecoder::new(bytes);
    let mut archive = tar::Archive::new(Bounded { inner: gz, remaining: MAX_DECOMPRESSED_STREAM_SIZE });
    let mut seen = std::collections::HashSet::new();
    let mut files = Vec::new();
    let mut remaining = MAX_DECOMPRESSED_CHART_SIZE;
    let entries = archive.entries().map_err(io_err)?;
    for entry in entries {
        let mut entry = entry.map_err(io_err)?;
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
            return Err(Error::msg(format!(
                "decompressed chart is larger than the maximum size {}",
                MAX_DECOMPRESSED_CHART_SIZE
            )));
        }
        if size > MAX_DECOMPRESSED_FILE_SIZE {
            return Err(Error::msg(format!(
                "decompressed chart file {} is larger than the maximum file size {}",
                super::metadata::go_quote(&raw_name),
                MAX_DECOMPRESSED_FILE_SIZE
            )));
        }
        let mut data = Vec::new();
        (&mut entry).take(remaining).read_to_end(&mut data).map_err(io_err)?;
        let written = data.len() as u64;
        remaining -= written;
        if written < size || remaining == 0 {
            return Err(Error::msg(format!(
                "decompressed chart is larger than the maximum size {}",
                MAX_DECOMPRESSED_CHART_SIZE
            )));
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
