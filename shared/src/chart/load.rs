//! Loading charts from a folder, a .tgz file, archive bytes or in-memory files, as Helm's
//! `pkg/chart/loader` (version detection) and `pkg/chart/v2/loader` (the v1/v2 loader) do.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::archive::{
    load_archive_files_with, Budget, BufferedFile, LoadLimits, GZIP_HEADER_ERROR, MAX_DECOMPRESSED_FILE_SIZE,
};
use super::ignore::{Rules, HELM_IGNORE};
use super::metadata::{decode_chart_base, decode_lock, decode_metadata, go_quote};
use super::{go_ext, Chart, Error, File, Metadata, API_VERSION_V1};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Go's text for an OS error: `op path: reason`.
pub(crate) fn go_os_error(op: &str, path: &Path, e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    let reason = match e.kind() {
        NotFound => "no such file or directory".to_string(),
        PermissionDenied => "permission denied".to_string(),
        IsADirectory => "is a directory".to_string(),
        NotADirectory => "not a directory".to_string(),
        _ => {
            let s = e.to_string();
            let s = s.split(" (os error").next().unwrap_or(&s).to_string();
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                None => s,
            }
        }
    };
    format!("{} {}: {}", op, path.display(), reason)
}

fn yaml_text(data: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(data)
        .map_err(|_| Error::msg("error converting YAML to JSON: yaml: invalid leading UTF-8 octet"))
}

fn parse_yaml(data: &[u8]) -> Result<Value, Error> {
    let data = data.strip_prefix(UTF8_BOM).unwrap_or(data);
    goyaml::from_str(yaml_text(data)?).map_err(|e| Error::msg(e.to_string()))
}

/// `loader.Load`: a chart folder or a chart archive file.
pub fn load(path: &Path) -> Result<Chart, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::msg(go_os_error("stat", path, &e)))?;
    if meta.is_dir() {
        load_dir(path)
    } else {
        load_file(path)
    }
}

/// The apiVersion switch of Helm's top-level loader.
fn check_api_version(chart_yaml: &[u8]) -> Result<(), Error> {
    let v = parse_yaml(chart_yaml).map_err(|e| e.wrap("cannot load Chart.yaml"))?;
    let api = decode_chart_base(&v).map_err(|e| e.wrap("cannot load Chart.yaml"))?;
    match api.as_str() {
        "v1" | "v2" | "" => Ok(()),
        "v3" => Err(Error::msg("invalid chart apiVersion")),
        _ => Err(Error::msg("unsupported chart version")),
    }
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    match std::env::current_dir() {
        Ok(cwd) => cwd.join(path),
        Err(_) => path.to_path_buf(),
    }
}

/// `loader.LoadDir`: a chart folder, honouring `.helmignore`.
pub fn load_dir(dir: &Path) -> Result<Chart, Error> {
    let top = absolute(dir);
    let chart_yaml = top.join("Chart.yaml");
    let data = std::fs::read(&chart_yaml).map_err(|e| {
        Error::msg(format!(
            "unable to detect chart at {}: {}",
            chart_yaml.display(),
            go_os_error("open", &chart_yaml, &e)
        ))
    })?;
    check_api_version(&data)?;

    let mut rules = Rules::empty();
    let ignore_file = top.join(HELM_IGNORE);
    if ignore_file.exists() {
        let text = std::fs::read(&ignore_file).map_err(|e| Error::msg(go_os_error("open", &ignore_file, &e)))?;
        rules = Rules::parse(&text)?;
    }
    rules.add_defaults();

    let mut budget = Budget::new(LoadLimits::from_env());
    let mut files = Vec::new();
    let mut walk = Walk { rules: &rules, files: &mut files, budget: &mut budget, ancestors: Vec::new() };
    walk.dir(&top, "")?;
    load_files_with(files, &mut budget, 0)
}

/// `sympath.Walk` + the loader's walk function: lexical (byte) order, symlinks followed and reported
/// under the link's name with Helm's notice, ignored folders skipped whole. Names that are not UTF-8
/// are read from their real path and enter the chart with U+FFFD in place of the bad bytes. Folders
/// nest as deep as the file system allows; a symbolic link back into a folder being walked is a loop.
struct Walk<'a> {
    rules: &'a Rules,
    files: &'a mut Vec<BufferedFile>,
    budget: &'a mut Budget,
    /// (device, inode) of each folder from the top to the current one.
    ancestors: Vec<(u64, u64)>,
}

#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn file_id(_: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// slog's text handler quoting of an attribute value: bare unless it needs quotes.
fn slog_value(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| !c.is_whitespace() && c != '"' && c != '=' && !c.is_control()) {
        s.to_string()
    } else {
        go_quote(s)
    }
}

impl Walk<'_> {
    fn dir(&mut self, path: &Path, rel: &str) -> Result<(), Error> {
        let meta = std::fs::metadata(path).map_err(|e| Error::msg(go_os_error("stat", path, &e)))?;
        let id = file_id(&meta);
        if cfg!(unix) && self.ancestors.contains(&id) {
            return Err(Error::msg(format!(
                "error evaluating symlink {}: too many levels of symbolic links (it leads back into a folder \
                 that contains it)",
                path.display()
            )));
        }
        self.ancestors.push(id);
        let result = self.entries(path, rel);
        self.ancestors.pop();
        result
    }

    fn entries(&mut self, path: &Path, rel: &str) -> Result<(), Error> {
        let mut names: Vec<std::ffi::OsString> = Vec::new();
        let rd = std::fs::read_dir(path).map_err(|e| Error::msg(go_os_error("open", path, &e)))?;
        for entry in rd {
            let entry = entry.map_err(|e| Error::msg(go_os_error("readdirent", path, &e)))?;
            names.push(entry.file_name());
        }
        names.sort();
        for os_name in names {
            let full = path.join(&os_name);
            let name = os_name.to_string_lossy();
            let n = if rel.is_empty() { name.to_string() } else { format!("{}/{}", rel, name) };
            let lmeta = std::fs::symlink_metadata(&full).map_err(|e| Error::msg(go_os_error("lstat", &full, &e)))?;
            let meta = if lmeta.file_type().is_symlink() {
                let resolved = std::fs::canonicalize(&full).map_err(|e| {
                    Error::msg(format!(
                        "error evaluating symlink {}: {}",
                        full.display(),
                        go_os_error("lstat", &full, &e)
                    ))
                })?;
                eprintln!(
                    "level=INFO msg=\"found symbolic link in path. Contents of linked file included and used\" path={} resolved={}",
                    slog_value(&full.display().to_string()),
                    slog_value(&resolved.display().to_string())
                );
                std::fs::metadata(&full).map_err(|e| {
                    Error::msg(format!(
                        "error evaluating symlink {}: {}",
                        full.display(),
                        go_os_error("lstat", &full, &e)
                    ))
                })?
            } else {
                lmeta
            };
            if meta.is_dir() {
                if self.rules.ignore(&n, true) {
                    continue;
                }
                self.dir(&full, &n)?;
                continue;
            }
            if self.rules.ignore(&n, false) {
                continue;
            }
            if !meta.is_file() {
                return Err(Error::msg(format!(
                    "cannot load irregular file {} as it has file mode type bits set",
                    full.display()
                )));
            }
            if meta.len() > MAX_DECOMPRESSED_FILE_SIZE {
                return Err(self.budget.fail(format!(
                    "chart file {} is larger than the maximum file size {}",
                    go_quote(&name),
                    MAX_DECOMPRESSED_FILE_SIZE
                )));
            }
            self.budget.take_file(meta.len())?;
            let mut data = std::fs::read(&full)
                .map_err(|e| Error::msg(format!("error reading {}: {}", n, go_os_error("open", &full, &e))))?;
            if data.len() as u64 > MAX_DECOMPRESSED_FILE_SIZE {
                return Err(self.budget.fail(format!(
                    "chart file {} is larger than the maximum file size {}",
                    go_quote(&name),
                    MAX_DECOMPRESSED_FILE_SIZE
                )));
            }
            if data.starts_with(UTF8_BOM) {
                data.drain(..3);
            }
            self.files.push(BufferedFile { name: n, data });
        }
        Ok(())
    }
}

/// `loader.LoadFile`: a chart archive on disk.
pub fn load_file(path: &Path) -> Result<Chart, Error> {
    let data = std::fs::read(path).map_err(|e| Error::msg(go_os_error("open", path, &e)))?;
    let name = path.display().to_string();
    if !(data.len() >= 3 && data[..3] == [0x1f, 0x8b, 0x08]) {
        if name.ends_with(".yml") || name.ends_with(".yaml") {
            return Err(Error::msg(format!("file '{}' seems to be a YAML file, but expected a gzipped archive", name)));
        }
        return Err(Error::msg(format!(
            "file '{}' does not appear to be a gzipped archive; got '{}'",
            name,
            detect_content_type(&data)
        )));
    }
    let mut budget = Budget::new(LoadLimits::from_env());
    let files = load_archive_files_with(&data, &mut budget).map_err(|e| {
        if e.to_string() == GZIP_HEADER_ERROR {
            Error::msg(format!("file '{}' does not appear to be a valid chart file (details: {})", name, e))
        } else if budget.exceeded {
            // Helm prints no cause; a limit is worth naming.
            e.wrap("unable to load chart archive")
        } else {
            Error::msg("unable to load chart archive")
        }
    })?;
    dispatch_archive(files, &mut budget)
}

/// `loader.LoadArchive`: chart archive bytes (a stream).
pub fn load_archive(bytes: &[u8]) -> Result<Chart, Error> {
    let mut budget = Budget::new(LoadLimits::from_env());
    let files = load_archive_files_with(bytes, &mut budget).map_err(|e| {
        if e.to_string() == GZIP_HEADER_ERROR {
            Error::msg(format!("stream does not appear to be a valid chart file (details: {})", e))
        } else {
            e.wrap("unable to load chart archive")
        }
    })?;
    dispatch_archive(files, &mut budget)
}

fn dispatch_archive(files: Vec<BufferedFile>, budget: &mut Budget) -> Result<Chart, Error> {
    match files.iter().find(|f| f.name == "Chart.yaml") {
        Some(f) => check_api_version(&f.data)?,
        None => return Err(Error::msg("unable to detect chart version, no Chart.yaml found")),
    }
    load_files_with(files, budget, 0)
}

/// A little of Go's `http.DetectContentType`, for the "not a gzipped archive" message.
fn detect_content_type(data: &[u8]) -> &'static str {
    let head = &data[..data.len().min(512)];
    if head.is_empty() {
        return "text/plain; charset=utf-8";
    }
    if head.starts_with(b"PK\x03\x04") {
        return "application/zip";
    }
    if head.starts_with(b"%PDF-") {
        return "application/pdf";
    }
    if head.starts_with(b"\x89PNG\x0D\x0A\x1A\x0A") {
        return "image/png";
    }
    if head.starts_with(b"BZh") {
        return "application/x-bzip2";
    }
    let binary = head.iter().any(|b| matches!(b, 0x00..=0x08 | 0x0B | 0x0E..=0x1A | 0x1C..=0x1F));
    if binary {
        "application/octet-stream"
    } else {
        "text/plain; charset=utf-8"
    }
}

/// `loader.LoadValues`: every YAML document of `data` (split as k8s' YAMLReader splits them), merged
/// with `merge_maps`. Numbers are float64 (serde_json f64).
pub fn load_values(data: &[u8]) -> Result<Map<String, Value>, Error> {
    let mut values = Map::new();
    let docs = split_documents(data).map_err(|e| Error::msg(e).wrap("error reading yaml document"))?;
    for doc in docs {
        let v = goyaml::from_str(yaml_text(&doc)?)
            .map_err(|e| Error::msg(e.to_string()).wrap("cannot unmarshal yaml document"))?;
        match v {
            Value::Null => {}
            Value::Object(m) => values = merge_maps(values, m),
            other => {
                let kind = match other {
                    Value::Bool(_) => "bool",
                    Value::Number(_) => "number",
                    Value::String(_) => "string",
                    _ => "array",
                };
                return Err(Error::msg(format!(
                    "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    kind
                ))
                .wrap("cannot unmarshal yaml document"));
            }
        }
    }
    Ok(values)
}

/// k8s.io/apimachinery's `YAMLReader`: lines starting with `---` separate documents (only a comment
/// may follow), `\r\n` becomes `\n`, empty documents are dropped.
pub(crate) fn split_documents(data: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut docs = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|b| *b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(after) = line.strip_prefix(b"---") {
            let trimmed = String::from_utf8_lossy(after);
            let trimmed = trimmed.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(format!("invalid Yaml document separator: {}", trimmed));
            }
            if !buf.is_empty() {
                docs.push(std::mem::take(&mut buf));
            }
            continue;
        }
        buf.extend_from_slice(line);
        buf.push(b'\n');
    }
    if !buf.is_empty() {
        docs.push(buf);
    }
    Ok(docs)
}

/// `loader.MergeMaps`: b over a; maps merge recursively, everything else is replaced.
pub fn merge_maps(a: Map<String, Value>, b: Map<String, Value>) -> Map<String, Value> {
    let mut out = a;
    for (k, v) in b {
        match (out.get_mut(&k), v) {
            (Some(Value::Object(existing)), Value::Object(vm)) => {
                let e = std::mem::take(existing);
                *existing = merge_maps(e, vm);
            }
            (_, v) => {
                out.insert(k, v);
            }
        }
    }
    out
}

/// `loader.LoadFiles`: sorts in-memory files into a chart and loads the subcharts under charts/.
pub fn load_files(files: Vec<BufferedFile>) -> Result<Chart, Error> {
    load_files_with(files, &mut Budget::new(LoadLimits::from_env()), 0)
}

/// [`load_files`] for the chart at nesting level `depth` of a load whose budget is `budget`.
fn load_files_with(files: Vec<BufferedFile>, budget: &mut Budget, depth: usize) -> Result<Chart, Error> {
    let mut c = Chart::default();
    let mut have_metadata = false;
    for f in &files {
        c.raw_names.push(f.name.clone());
        if f.name == "Chart.yaml" {
            have_metadata = true;
            let v = parse_yaml(&f.data).map_err(|e| e.wrap("cannot load Chart.yaml"))?;
            decode_metadata(&v, &mut c.metadata).map_err(|e| e.wrap("cannot load Chart.yaml"))?;
            if c.metadata.api_version.is_empty() {
                c.metadata.api_version = API_VERSION_V1.to_string();
            }
        }
    }
    let mut subcharts: BTreeMap<String, Vec<BufferedFile>> = BTreeMap::new();
    for f in files {
        let name = f.name.as_str();
        if name == "Chart.yaml" {
            continue;
        } else if name == "Chart.lock" {
            let v = parse_yaml(&f.data).map_err(|e| e.wrap("cannot load Chart.lock"))?;
            c.lock = Some(decode_lock(&v).map_err(|e| e.wrap("cannot load Chart.lock"))?);
        } else if name == "values.yaml" {
            c.values = load_values(&f.data).map_err(|e| e.wrap("cannot load values.yaml"))?;
            c.raw_values = Some(f.data);
        } else if name == "values.schema.json" {
            c.schema = Some(f.data);
        } else if name == "requirements.yaml" {
            if !have_metadata {
                have_metadata = true;
                c.metadata = Metadata::default();
            }
            let v = parse_yaml(&f.data).map_err(|e| e.wrap("cannot load requirements.yaml"))?;
            decode_metadata(&v, &mut c.metadata).map_err(|e| e.wrap("cannot load requirements.yaml"))?;
            if c.metadata.api_version == API_VERSION_V1 {
                c.files.push(File { name: f.name, data: f.data.into() });
            }
        } else if name == "requirements.lock" {
            let v = parse_yaml(&f.data).map_err(|e| e.wrap("cannot load requirements.lock"))?;
            c.lock = Some(decode_lock(&v).map_err(|e| e.wrap("cannot load requirements.lock"))?);
            if !have_metadata {
                have_metadata = true;
                c.metadata = Metadata::default();
            }
            if c.metadata.api_version == API_VERSION_V1 {
                c.files.push(File { name: f.name, data: f.data.into() });
            }
        } else if name.starts_with("templates/") {
            c.templates.push(File { name: f.name, data: f.data.into() });
        } else if let Some(fname) = name.strip_prefix("charts/") {
            if go_ext(name) == ".prov" {
                c.files.push(File { name: f.name, data: f.data.into() });
                continue;
            }
            let cname = fname.split('/').next().unwrap_or("").to_string();
            let fname = fname.to_string();
            subcharts.entry(cname).or_default().push(BufferedFile { name: fname, data: f.data });
        } else {
            c.files.push(File { name: f.name, data: f.data.into() });
        }
    }

    if !have_metadata {
        return Err(Error::msg("Chart.yaml file is missing"));
    }
    c.metadata.validate()?;

    for (n, mut files) in subcharts {
        if n.starts_with('_') || n.starts_with('.') {
            continue;
        }
        budget.enter(depth + 1, &n, c.name())?;
        let result = if go_ext(&n) == ".tgz" {
            let file = files.swap_remove(0);
            if file.name != n {
                return Err(Error::msg(format!(
                    "error unpacking subchart tar in {}: expected {}, got {}",
                    c.name(),
                    n,
                    file.name
                )));
            }
            drop(files);
            // The archive's bytes go before its subcharts load: held down the whole nesting, archives
            // inside archives would cost memory quadratic in the depth.
            let unpacked = load_archive_files_with(&file.data, budget);
            drop(file);
            unpacked.and_then(|files| load_files_with(files, budget, depth + 1))
        } else {
            let buff: Vec<BufferedFile> = files
                .into_iter()
                .filter_map(|f| {
                    let (_, rest) = f.name.split_once('/')?;
                    Some(BufferedFile { name: rest.to_string(), data: f.data })
                })
                .collect();
            load_files_with(buff, budget, depth + 1)
        };
        match result {
            Ok(sc) => c.dependencies.push(sc),
            // A limit's refusal names the limit and the subchart; a chain of 1,000 contexts would not help.
            Err(e) if budget.whole_load => return Err(e),
            Err(e) => return Err(e.wrap(format!("error unpacking subchart {} in {}", n, c.name()))),
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn document_splitting() {
        let d = split_documents(b"a: 1\n---\nb: 2\r\n--- # c\n\n---\n").unwrap();
        assert_eq!(d, vec![b"a: 1\n".to_vec(), b"b: 2\n".to_vec(), b"\n".to_vec()]);
        assert_eq!(split_documents(b"---x\n").unwrap_err(), "invalid Yaml document separator: x");
        assert!(split_documents(b"").unwrap().is_empty());
    }

    #[test]
    fn merge_maps_replaces_lists() {
        let a = json!({"a": {"b": 1, "c": [1]}, "d": 1}).as_object().unwrap().clone();
        let b = json!({"a": {"c": [2], "e": 3}, "d": {"x": 1}}).as_object().unwrap().clone();
        assert_eq!(Value::Object(merge_maps(a, b)), json!({"a": {"b": 1, "c": [2], "e": 3}, "d": {"x": 1}}));
    }

    fn bf(name: &str, data: &str) -> BufferedFile {
        BufferedFile { name: name.into(), data: data.as_bytes().to_vec() }
    }

    #[test]
    fn missing_chart_yaml() {
        let e = load_files(vec![bf("values.yaml", "")]).unwrap_err();
        assert_eq!(e.to_string(), "Chart.yaml file is missing");
    }
}
