//! Writing a chart as a .tgz in the layout of Helm's `chartutil.Save` (and a folder as `SaveDir`), but
//! reproducibly: the same chart gives the same bytes whatever the file times and the clock.
//!
//! Entry order and header fields follow Go's `archive/tar` writer as Helm drives it (USTAR, a PAX
//! `path` record only for names USTAR cannot hold, mode 0644, uid/gid 0); the gzip header carries Helm's
//! Extra and Comment. Every entry's mtime is `SOURCE_DATE_EPOCH` when set, else [`DEFAULT_MTIME`]; the
//! gzip mtime is 0, as Go writes it. The deflate stream is flate2's (level 6), so digests are ours,
//! not Helm's, but stable.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::archive::go_clean;
use super::{go_base, go_os_error, Chart, Error, Lock, Metadata, API_VERSION_V1, API_VERSION_V2};

/// The gzip header Extra field Helm writes into every chart archive (v4.1's form; see
/// `compat::HelmCompat::gzip_extra` for the version in effect).
pub const HELM_GZIP_EXTRA: &[u8] = b"+aHR0cHM6Ly95b3V0dS5iZS96OVV6MWljandyTQo=";
/// The gzip header Comment Helm writes into every chart archive.
pub const HELM_GZIP_COMMENT: &str = "Helm";
/// The entry mtime when `SOURCE_DATE_EPOCH` is not set: the Unix epoch, independent of any file.
pub const DEFAULT_MTIME: u64 = 0;
/// The deflate level (Go's `DefaultCompression` is level 6 too).
const COMPRESSION_LEVEL: u32 = 6;
/// The largest mtime a USTAR header holds (11 octal digits).
const MAX_USTAR_TIME: u64 = 0o77777777777;

/// How archives are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveOptions {
    /// Seconds since 1970 written as every entry's modification time.
    pub mtime: u64,
}

impl Default for SaveOptions {
    fn default() -> Self {
        SaveOptions { mtime: DEFAULT_MTIME }
    }
}

impl SaveOptions {
    /// The options the environment asks for: `SOURCE_DATE_EPOCH` (reproducible-builds.org) when set.
    pub fn from_env() -> Result<Self, Error> {
        match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(v) if !v.trim().is_empty() => Ok(SaveOptions { mtime: parse_source_date_epoch(&v)? }),
            _ => Ok(SaveOptions::default()),
        }
    }
}

fn parse_source_date_epoch(v: &str) -> Result<u64, Error> {
    let t = v.trim();
    match t.parse::<u64>() {
        Ok(n) if t.bytes().all(|b| b.is_ascii_digit()) && n <= MAX_USTAR_TIME => Ok(n),
        _ => Err(Error::msg(format!(
            "SOURCE_DATE_EPOCH must be a whole number of seconds since 1970 (at most {}), got {}",
            MAX_USTAR_TIME,
            super::metadata_quote(v)
        ))),
    }
}

/// `NAME-VERSION.tgz`, the file name Helm gives a chart archive.
pub fn archive_file_name(chart: &Chart) -> String {
    format!("{}-{}.tgz", chart.name(), chart.metadata.version)
}

/// Chart.yaml as Helm's `SaveChartfile` and `Save` write it: the metadata through sigs.k8s.io/yaml
/// (keys sorted, empty fields left out); a v1 chart's dependencies (from requirements.yaml) are left out.
pub fn chart_yaml(md: &Metadata) -> Result<String, Error> {
    let mut v = serde_json::to_value(md).map_err(|e| Error::msg(e.to_string()))?;
    if md.api_version == API_VERSION_V1 {
        if let Some(m) = v.as_object_mut() {
            m.remove("dependencies");
        }
    }
    goyaml::try_to_string(&v).map_err(|e| Error::msg(e.message))
}

/// Chart.lock as `yaml.Marshal(chart.Lock)` writes it: `generated` printed back as Go prints a time.
pub fn lock_yaml(lock: &Lock) -> Result<String, Error> {
    let mut v = serde_json::to_value(lock).map_err(|e| Error::msg(e.to_string()))?;
    if let Some(m) = v.as_object_mut() {
        m.insert("generated".into(), go_time_text(&lock.generated).into());
    }
    goyaml::try_to_string(&v).map_err(|e| Error::msg(e.message))
}

/// An RFC 3339 time as Go's `time.Time.MarshalJSON` prints it back after parsing: fraction without
/// trailing zeros, a zero offset as `Z`. The zero time for "". Text that is not a time stays as it is.
fn go_time_text(s: &str) -> String {
    if s.is_empty() {
        return "0001-01-01T00:00:00Z".into();
    }
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let shape = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape {
        return s.to_string();
    }
    let mut rest = &s[19..];
    let mut frac = "";
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        frac = &r[..n];
        rest = &r[n..];
    }
    let zone = match rest {
        "Z" | "z" | "+00:00" | "-00:00" => "Z".to_string(),
        z if z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) && z.as_bytes()[3] == b':' => z.to_string(),
        _ => return s.to_string(),
    };
    let frac = frac.trim_end_matches('0');
    let frac = if frac.len() > 9 { &frac[..9] } else { frac };
    let mut out = format!("{}T{}", &s[..10], &s[11..19]);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out.push_str(&zone);
    out
}

/// Helm's `validateName`: a chart name must be its own base name.
fn validate_name(name: &str) -> Result<(), Error> {
    if go_base(name) != name {
        return Err(Error::msg(format!("{} is not a valid chart name", super::metadata_quote(name))));
    }
    Ok(())
}

/// The bytes of the chart archive Helm's `Save` would write (after `Chart.Validate`), reproducibly.
pub fn save_archive(chart: &Chart, opts: &SaveOptions) -> Result<Vec<u8>, Error> {
    let mut md = chart.metadata.clone();
    md.validate().map_err(|e| e.wrap("chart validation"))?;
    let mut top = chart.clone();
    top.metadata = md;
    let tar = tar_bytes(&top, opts)?;
    gzip(&tar)
}

/// The uncompressed tar stream of a chart archive (what `save_archive` compresses).
pub fn tar_bytes(chart: &Chart, opts: &SaveOptions) -> Result<Vec<u8>, Error> {
    let mut w = TarWriter { out: Vec::new(), mtime: opts.mtime.min(MAX_USTAR_TIME), names: Default::default() };
    write_chart(&mut w, chart, "")?;
    w.finish();
    Ok(w.out)
}

fn gzip(tar: &[u8]) -> Result<Vec<u8>, Error> {
    gzip_as(tar, crate::compat::current())
}

/// The archive's gzip stream as the given Helm version writes it (only the header's Extra field differs).
fn gzip_as(tar: &[u8], compat: crate::compat::HelmCompat) -> Result<Vec<u8>, Error> {
    let mut gz = flate2::GzBuilder::new()
        .extra(compat.gzip_extra().to_vec())
        .comment(HELM_GZIP_COMMENT)
        .mtime(0)
        .operating_system(255)
        .write(Vec::with_capacity(tar.len() / 4 + 64), flate2::Compression::new(COMPRESSION_LEVEL));
    gz.write_all(tar).map_err(|e| Error::msg(e.to_string()))?;
    gz.finish().map_err(|e| Error::msg(e.to_string()))
}

/// Unix seconds as an RFC 3339 UTC time (`2023-11-14T22:13:20Z`).
fn unix_rfc3339(secs: u64) -> String {
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // civil date from days since 1970-01-01 (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

/// Helm's `writeTarContents`: Chart.yaml, Chart.lock (v2), values.yaml, values.schema.json,
/// templates, files, then each subchart as a folder under `charts/`.
fn write_chart(w: &mut TarWriter, c: &Chart, prefix: &str) -> Result<(), Error> {
    validate_name(c.name())?;
    let base = join(prefix, c.name());
    w.entry(&join(&base, "Chart.yaml"), chart_yaml(&c.metadata)?.as_bytes())?;
    if c.metadata.api_version == API_VERSION_V2 {
        if let Some(lock) = &c.lock {
            // Helm v4.3's StampModTimes: with SOURCE_DATE_EPOCH, the lock's `generated` is that time too
            // (an epoch of 0 cannot be told from "not set" here, and is left alone)
            if w.mtime != DEFAULT_MTIME && crate::compat::current().stamps_lock_generated() {
                let stamped = Lock { generated: unix_rfc3339(w.mtime), ..lock.clone() };
                w.entry(&join(&base, "Chart.lock"), lock_yaml(&stamped)?.as_bytes())?;
            } else {
                w.entry(&join(&base, "Chart.lock"), lock_yaml(lock)?.as_bytes())?;
            }
        }
    }
    if let Some(values) = &c.raw_values {
        w.entry(&join(&base, "values.yaml"), values)?;
    }
    if let Some(schema) = &c.schema {
        if serde_json::from_slice::<serde::de::IgnoredAny>(schema).is_err() {
            return Err(Error::msg("invalid JSON in values.schema.json"));
        }
        w.entry(&join(&base, "values.schema.json"), schema)?;
    }
    for f in c.templates.iter().chain(c.files.iter()) {
        w.entry(&join(&base, &f.name), &f.data)?;
    }
    let charts = join(&base, "charts");
    for dep in &c.dependencies {
        write_chart(w, dep, &charts)?;
    }
    Ok(())
}

/// Go's `filepath.Join` for `/` paths.
fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        return go_clean(b);
    }
    go_clean(&format!("{}/{}", a, b))
}

/// Helm's `Save`: validates the chart, writes `NAME-VERSION.tgz` into `out_dir` (created when missing)
/// and returns its path (`out_dir` joined as Go joins it, so relative stays relative). The archive is
/// built in memory first: nothing is written when the chart cannot be saved.
pub fn save(chart: &Chart, out_dir: &Path, opts: &SaveOptions) -> Result<(PathBuf, Vec<u8>), Error> {
    let bytes = save_archive(chart, opts)?;
    let dir_text = out_dir.to_string_lossy();
    let file = PathBuf::from(join(&dir_text, &archive_file_name(chart)));
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
    match std::fs::metadata(&dir) {
        Ok(m) if !m.is_dir() => return Err(Error::msg(format!("is not a directory: {}", dir.display()))),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&dir).map_err(|e| Error::msg(go_os_error("mkdir", &dir, &e)))?;
        }
        Err(e) => return Err(Error::msg(go_os_error("stat", &dir, &e))),
    }
    std::fs::write(&file, &bytes).map_err(|e| Error::msg(go_os_error("open", &file, &e)))?;
    Ok((file, bytes))
}

/// Helm's `SaveDir`: the chart as files in `dest/NAME/` (Chart.yaml re-marshalled, values.yaml raw,
/// schema, templates and files; each subchart as an archive in `charts/`).
pub fn save_dir(chart: &Chart, dest: &Path, opts: &SaveOptions) -> Result<(), Error> {
    validate_name(chart.name())?;
    let outdir = dest.join(chart.name());
    if let Ok(m) = std::fs::metadata(&outdir) {
        if !m.is_dir() {
            return Err(Error::msg(format!("file {} already exists and is not a directory", outdir.display())));
        }
    }
    std::fs::create_dir_all(&outdir).map_err(|e| Error::msg(go_os_error("mkdir", &outdir, &e)))?;
    write_file(&outdir.join("Chart.yaml"), chart_yaml(&chart.metadata)?.as_bytes())?;
    if let Some(values) = &chart.raw_values {
        write_file(&outdir.join("values.yaml"), values)?;
    }
    if let Some(schema) = &chart.schema {
        write_file(&outdir.join("values.schema.json"), schema)?;
    }
    for f in chart.templates.iter().chain(chart.files.iter()) {
        let rel = go_clean(&f.name);
        if rel.starts_with("..") || rel.starts_with('/') {
            return Err(Error::msg(format!("chart file {} is outside the chart folder", super::metadata_quote(&f.name))));
        }
        write_file(&outdir.join(rel), &f.data)?;
    }
    let charts = outdir.join("charts");
    for dep in &chart.dependencies {
        save(dep, &charts, opts).map_err(|e| e.wrap(format!("saving {}/charts/{}", chart.name(), dep.name())))?;
    }
    Ok(())
}

/// What `helm package` changes and where it writes (Helm's `action.Package`).
#[derive(Debug, Clone, Default)]
pub struct PackageOptions {
    /// `--version`: the chart version to write (a semantic version).
    pub version: Option<String>,
    /// `--app-version`: the appVersion to write.
    pub app_version: Option<String>,
    /// `-d/--destination`; `.` (Helm's default) means the current folder, made absolute.
    pub destination: String,
    /// Entry times of the archive.
    pub save: SaveOptions,
}

/// A packaged chart: where it was written, its bytes, and the name and version it was saved with.
#[derive(Debug, Clone)]
pub struct Packaged {
    pub path: PathBuf,
    pub archive: Vec<u8>,
    pub name: String,
    pub version: String,
}

/// Helm's `Package.Run` for a chart folder: load, apply `--version`/`--app-version`, check that every
/// Chart.yaml dependency is in charts/, then `Save` into the destination.
pub fn package(chart_dir: &Path, opts: &PackageOptions) -> Result<Packaged, Error> {
    let mut chart = super::load_dir(chart_dir)?;
    if let Some(v) = opts.version.as_deref().filter(|v| !v.is_empty()) {
        chart.metadata.version = v.to_string();
    }
    gosemver::Version::parse(&chart.metadata.version).map_err(|e| Error::msg(e.to_string()))?;
    if let Some(v) = opts.app_version.as_deref().filter(|v| !v.is_empty()) {
        chart.metadata.app_version = v.to_string();
    }
    let missing: Vec<&str> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|d| !chart.dependencies.iter().any(|c| c.name() == d.name))
        .map(|d| d.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(Error::msg(format!("found in Chart.yaml, but missing in charts/ directory: {}", missing.join(", "))));
    }
    let dest = if opts.destination == "." || opts.destination.is_empty() {
        std::env::current_dir().map_err(|e| Error::msg(format!("getwd: {}", e)))?
    } else {
        PathBuf::from(&opts.destination)
    };
    let (path, archive) = save(&chart, &dest, &opts.save).map_err(|e| e.wrap("failed to save"))?;
    Ok(Packaged { path, archive, name: chart.metadata.name.clone(), version: chart.metadata.version.clone() })
}

fn write_file(path: &Path, data: &[u8]) -> Result<(), Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::msg(go_os_error("mkdir", dir, &e)))?;
    }
    std::fs::write(path, data).map_err(|e| Error::msg(go_os_error("open", path, &e)))
}

/// A tar stream written as Go's `archive/tar.Writer` writes Helm's headers.
struct TarWriter {
    out: Vec<u8>,
    mtime: u64,
    /// Names written so far: two subcharts of one name would make an archive no loader should accept.
    names: std::collections::HashSet<String>,
}

const BLOCK: usize = 512;
const NAME_SIZE: usize = 100;
const PREFIX_SIZE: usize = 155;

impl TarWriter {
    fn entry(&mut self, name: &str, data: &[u8]) -> Result<(), Error> {
        if !self.names.insert(name.to_string()) {
            return Err(Error::msg(format!("the archive would hold {} twice", super::metadata_quote(name))));
        }
        if name.is_ascii() && name.len() <= NAME_SIZE {
            self.header(name, "", data.len() as u64, self.mtime, b'0', true);
        } else if let Some((prefix, suffix)) = split_ustar_path(name) {
            self.header(suffix, prefix, data.len() as u64, self.mtime, b'0', true);
        } else {
            // PAX: a `path` record in an extended header, then the main header with a best-effort name.
            let record = pax_record("path", name);
            let (dir, file) = match name.rfind('/') {
                Some(i) => (&name[..i + 1], &name[i + 1..]),
                None => ("", name),
            };
            let mut pax_name = to_ascii(&join(dir, &format!("PaxHeaders.0/{}", file)));
            pax_name.truncate(NAME_SIZE);
            let pax_name = pax_name.trim_end_matches('/').to_string();
            self.header(&pax_name, "", record.len() as u64, 0, b'x', false);
            self.data(record.as_bytes());
            self.header(&to_ascii(name), "", data.len() as u64, self.mtime, b'0', true);
        }
        self.data(data);
        Ok(())
    }

    /// One header block. `full` is Go's `templateV7Plus` (mode 0644, device numbers written);
    /// otherwise `writeRawFile`'s (mode 0, device fields left empty).
    fn header(&mut self, name: &str, prefix: &str, size: u64, mtime: u64, flag: u8, full: bool) {
        let mut b = [0u8; BLOCK];
        format_string(&mut b[0..100], name);
        format_octal(&mut b[100..108], if full { 0o644 } else { 0 });
        format_octal(&mut b[108..116], 0);
        format_octal(&mut b[116..124], 0);
        format_octal(&mut b[124..136], size);
        format_octal(&mut b[136..148], mtime);
        b[156] = flag;
        if full {
            format_octal(&mut b[329..337], 0);
            format_octal(&mut b[337..345], 0);
        }
        format_string(&mut b[345..500], prefix);
        b[257..263].copy_from_slice(b"ustar\0");
        b[263..265].copy_from_slice(b"00");
        let sum: u64 = b.iter().enumerate().map(|(i, c)| if (148..156).contains(&i) { 32 } else { *c as u64 }).sum();
        format_octal(&mut b[148..155], sum);
        b[155] = b' ';
        self.out.extend_from_slice(&b);
    }

    fn data(&mut self, data: &[u8]) {
        self.out.extend_from_slice(data);
        let pad = (BLOCK - data.len() % BLOCK) % BLOCK;
        self.out.extend(std::iter::repeat_n(0u8, pad));
    }

    fn finish(&mut self) {
        self.out.extend(std::iter::repeat_n(0u8, 2 * BLOCK));
    }
}

/// Go's `formatter.formatString`: copied, NUL-terminated when shorter; a cut name does not end in `/`.
fn format_string(field: &mut [u8], s: &str) {
    let b = s.as_bytes();
    let n = b.len().min(field.len());
    field[..n].copy_from_slice(&b[..n]);
    if b.len() < field.len() {
        field[b.len()] = 0;
    }
    if b.len() > field.len() && field[field.len() - 1] == b'/' {
        let kept = s[..field.len() - 1].trim_end_matches('/').len();
        field[kept] = 0;
    }
}

/// Go's `formatter.formatOctal`: zero-padded octal leaving room for a NUL.
fn format_octal(field: &mut [u8], x: u64) {
    let digits = format!("{:o}", x);
    let width = field.len() - 1;
    let text = if digits.len() < width { format!("{}{}", "0".repeat(width - digits.len()), digits) } else { digits };
    format_string(field, &text);
}

/// Go's `splitUSTARPath`.
fn split_ustar_path(name: &str) -> Option<(&str, &str)> {
    let mut length = name.len();
    if length <= NAME_SIZE || !name.is_ascii() {
        return None;
    } else if length > PREFIX_SIZE + 1 {
        length = PREFIX_SIZE + 1;
    } else if name.as_bytes()[length - 1] == b'/' {
        length -= 1;
    }
    let i = name[..length].rfind('/')?;
    let nlen = name.len() - i - 1;
    if i == 0 || nlen > NAME_SIZE || nlen == 0 || i > PREFIX_SIZE {
        return None;
    }
    Some((&name[..i], &name[i + 1..]))
}

/// Go's `toASCII`: non-ASCII characters (and NUL) dropped.
fn to_ascii(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii() && *c != '\0').collect()
}

/// Go's `formatPAXRecord`: `"%d %s=%s\n"` where the length counts itself.
fn pax_record(k: &str, v: &str) -> String {
    let mut size = k.len() + v.len() + 3;
    size += size.to_string().len();
    let mut record = format!("{} {}={}\n", size, k, v);
    if record.len() != size {
        size = record.len();
        record = format!("{} {}={}\n", size, k, v);
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::File;

    fn small_chart() -> Chart {
        let mut c = Chart::default();
        c.metadata.api_version = "v2".into();
        c.metadata.name = "demo".into();
        c.metadata.version = "1.2.3".into();
        c.raw_names.push("values.yaml".into());
        c.raw_values = Some(b"a: 1\n".to_vec());
        c.templates.push(File { name: "templates/cm.yaml".into(), data: b"kind: ConfigMap\n".to_vec().into() });
        c
    }

    #[test]
    fn header_fields_as_go_writes_them() {
        let tar = tar_bytes(&small_chart(), &SaveOptions { mtime: 1_000_000_000 }).unwrap();
        let h = &tar[..512];
        assert_eq!(&h[..17], b"demo/Chart.yaml\0\0");
        assert_eq!(&h[100..108], b"0000644\0");
        assert_eq!(&h[124..136], b"00000000051\0");
        assert_eq!(&h[136..148], b"07346545000\0");
        assert_eq!(h[155], b' ');
        assert_eq!(h[154], 0);
        assert_eq!(&h[257..265], b"ustar\x0000");
        assert_eq!(&h[329..345], b"0000000\x000000000\0");
        assert_eq!(&tar[512..512 + 41], b"apiVersion: v2\nname: demo\nversion: 1.2.3\n");
        assert!(tar.ends_with(&[0u8; 1024]));
        assert_eq!(tar.len() % 512, 0);
    }

    #[test]
    fn long_and_non_ascii_names() {
        let long = format!("{}/{}", "d".repeat(120), "f.yaml");
        assert_eq!(split_ustar_path(&long), Some((&long[..120], "f.yaml")));
        assert_eq!(split_ustar_path("short"), None);
        assert_eq!(split_ustar_path(&"x".repeat(101)), None);
        assert_eq!(pax_record("path", "a"), "9 path=a\n");
        for n in [80, 89, 90, 91, 92, 993] {
            let r = pax_record("path", &"a".repeat(n));
            let (len, _) = r.split_once(' ').unwrap();
            assert_eq!(len.parse::<usize>().unwrap(), r.len(), "{n}");
        }
        let mut c = small_chart();
        c.files.push(File { name: "héllo.txt".into(), data: b"x".to_vec().into() });
        let bytes = save_archive(&c, &SaveOptions::default()).unwrap();
        let files = crate::chart::load_archive_files(&bytes).unwrap();
        assert!(files.iter().any(|f| f.name == "héllo.txt"));
    }

    #[test]
    fn gzip_header_like_helm() {
        use crate::compat::HelmCompat;
        let tar = tar_bytes(&small_chart(), &SaveOptions::default()).unwrap();
        let bytes = gzip_as(&tar, HelmCompat::V4_1).unwrap();
        assert_eq!(&bytes[..10], &[0x1f, 0x8b, 8, 0x14, 0, 0, 0, 0, 0, 0xff]);
        assert_eq!(&bytes[10..12], &[41, 0]);
        assert_eq!(&bytes[12..53], HELM_GZIP_EXTRA);
        assert_eq!(&bytes[53..58], b"Helm\0");
        // Helm v4.3: XLEN 44, one RFC 1952 subfield `rr` of 40 bytes.
        let bytes = gzip_as(&tar, HelmCompat::V4_3).unwrap();
        assert_eq!(&bytes[10..12], &[44, 0]);
        assert_eq!(&bytes[12..16], b"rr\x28\x00");
        assert_eq!(&bytes[16..56], &HELM_GZIP_EXTRA[1..]);
        assert_eq!(&bytes[56..61], b"Helm\0");
    }

    #[test]
    fn same_bytes_every_time_and_mtime_follows_option() {
        let a = save_archive(&small_chart(), &SaveOptions::default()).unwrap();
        let b = save_archive(&small_chart(), &SaveOptions::default()).unwrap();
        assert_eq!(a, b);
        let c = save_archive(&small_chart(), &SaveOptions { mtime: 5 }).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn validation_errors() {
        let mut c = small_chart();
        c.metadata.version = "x".into();
        assert_eq!(
            save_archive(&c, &SaveOptions::default()).unwrap_err().to_string(),
            "chart validation: validation: chart.metadata.version \"x\" is invalid"
        );
        let mut c = small_chart();
        c.schema = Some(b"{".to_vec());
        assert_eq!(save_archive(&c, &SaveOptions::default()).unwrap_err().to_string(), "invalid JSON in values.schema.json");
        assert!(parse_source_date_epoch("12").is_ok());
        assert!(parse_source_date_epoch("-1").is_err());
        assert!(parse_source_date_epoch("1e9").is_err());
    }

    /// Helm v4.3.2 with SOURCE_DATE_EPOCH=1700000000 writes `generated: "2023-11-14T22:13:20Z"` into the
    /// archive's Chart.lock; v4.1 keeps the lock's own time; without an epoch it is never changed.
    #[test]
    fn source_date_epoch_stamps_the_lock_as_v43() {
        let mut c = small_chart();
        c.lock = Some(Lock { generated: "2026-01-02T03:04:05.5Z".into(), digest: "sha256:x".into(), dependencies: vec![] });
        let tar = tar_bytes(&c, &SaveOptions { mtime: 1_700_000_000 }).unwrap();
        let text = String::from_utf8_lossy(&tar);
        let want = if crate::compat::current().stamps_lock_generated() { "2023-11-14T22:13:20Z" } else { "2026-01-02T03:04:05.5Z" };
        assert!(text.contains(&format!("generated: \"{want}\"")), "{text}");
        let tar = tar_bytes(&c, &SaveOptions::default()).unwrap();
        assert!(String::from_utf8_lossy(&tar).contains("generated: \"2026-01-02T03:04:05.5Z\""));
        assert!(crate::compat::HelmCompat::V4_3.stamps_lock_generated() && !crate::compat::HelmCompat::V4_1.stamps_lock_generated());
    }

    #[test]
    fn unix_times_in_rfc3339() {
        assert_eq!(unix_rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(unix_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(unix_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn lock_times_as_go_prints_them() {
        assert_eq!(go_time_text("2024-01-02T03:04:05.120000Z"), "2024-01-02T03:04:05.12Z");
        assert_eq!(go_time_text("2024-01-02T03:04:05.000+00:00"), "2024-01-02T03:04:05Z");
        assert_eq!(go_time_text("2024-01-02T03:04:05+02:00"), "2024-01-02T03:04:05+02:00");
        assert_eq!(go_time_text(""), "0001-01-01T00:00:00Z");
        assert_eq!(go_time_text("garbage"), "garbage");
    }
}
