//! `helm create`: a new chart from Helm v4.1.4's default scaffold (Helm's `chartutil.Create`) or from a
//! starter chart (`chartutil.CreateFrom`), with `<CHARTNAME>` replaced as Helm replaces it.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::save::{save_dir, SaveOptions};
use super::{go_os_error, Error, Metadata, API_VERSION_V2};

/// The placeholder Helm replaces with the chart name in scaffold and starter templates.
pub const CHART_NAME_PLACEHOLDER: &str = "<CHARTNAME>";
/// Helm's `maxChartNameLength`.
pub const MAX_CHART_NAME_LENGTH: usize = 250;

/// The default scaffold, in the order Helm writes it: (path in the chart, text with `<CHARTNAME>`).
/// The texts are the files `helm create` v4.1.4 writes (tests/golden/create/mychart, checked by test).
const SCAFFOLD: &[(&str, &str)] = &[
    ("Chart.yaml", include_str!("scaffold/Chart.yaml")),
    ("values.yaml", include_str!("scaffold/values.yaml")),
    (".helmignore", include_str!("scaffold/.helmignore")),
    ("templates/ingress.yaml", include_str!("scaffold/templates/ingress.yaml")),
    ("templates/httproute.yaml", include_str!("scaffold/templates/httproute.yaml")),
    ("templates/deployment.yaml", include_str!("scaffold/templates/deployment.yaml")),
    ("templates/service.yaml", include_str!("scaffold/templates/service.yaml")),
    ("templates/serviceaccount.yaml", include_str!("scaffold/templates/serviceaccount.yaml")),
    ("templates/hpa.yaml", include_str!("scaffold/templates/hpa.yaml")),
    ("templates/NOTES.txt", include_str!("scaffold/templates/NOTES.txt")),
    ("templates/_helpers.tpl", include_str!("scaffold/templates/_helpers.tpl")),
    ("templates/tests/test-connection.yaml", include_str!("scaffold/templates/tests/test-connection.yaml")),
];

/// Helm's `transform`: every `<CHARTNAME>` replaced by `name`.
pub fn transform(text: &[u8], name: &str) -> Vec<u8> {
    let needle = CHART_NAME_PLACEHOLDER.as_bytes();
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with(needle) {
            out.extend_from_slice(name.as_bytes());
            i += needle.len();
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    out
}

/// The default scaffold for `name`: each file's path in the chart and its bytes.
pub fn scaffold_files(name: &str) -> Vec<(&'static str, Vec<u8>)> {
    SCAFFOLD.iter().map(|(p, t)| (*p, transform(t.as_bytes(), name))).collect()
}

/// Helm's `validateChartName`.
pub fn validate_chart_name(name: &str) -> Result<(), Error> {
    if name.is_empty() || name.len() > MAX_CHART_NAME_LENGTH {
        return Err(Error::msg(format!("chart name must be between 1 and {} characters", MAX_CHART_NAME_LENGTH)));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) {
        return Err(Error::msg("chart name must match the regular expression \"^[a-zA-Z0-9._-]+$\""));
    }
    Ok(())
}

fn absolute(dir: &Path) -> PathBuf {
    let joined = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir().map(|c| c.join(dir)).unwrap_or_else(|_| dir.to_path_buf())
    };
    PathBuf::from(super::archive::go_clean(&joined.to_string_lossy()))
}

/// Helm's `Create`: writes the default scaffold for `name` into `dir/name` (made absolute), warning on
/// `warn` for every file it overwrites, and returns the chart folder. `dir` must exist.
pub fn create(name: &str, dir: &Path, warn: &mut dyn Write) -> Result<PathBuf, Error> {
    validate_chart_name(name)?;
    let path = absolute(dir);
    match std::fs::metadata(&path) {
        Err(e) => return Err(Error::msg(go_os_error("stat", &path, &e))),
        Ok(m) if !m.is_dir() => return Err(Error::msg(format!("no such directory {}", path.display()))),
        Ok(_) => {}
    }
    let cdir = PathBuf::from(super::archive::go_clean(&path.join(name).to_string_lossy()));
    if let Ok(m) = std::fs::metadata(&cdir) {
        if !m.is_dir() {
            return Err(Error::msg(format!("file {} already exists and is not a directory", cdir.display())));
        }
    }
    for (rel, content) in scaffold_files(name) {
        let file = cdir.join(rel);
        if std::fs::metadata(&file).is_ok() {
            let _ = writeln!(
                warn,
                "WARNING: File {} already exists. Overwriting.",
                super::metadata_quote(&file.to_string_lossy())
            );
        }
        write_file(&file, &content)?;
    }
    let charts = cdir.join("charts");
    std::fs::create_dir_all(&charts).map_err(|e| Error::msg(go_os_error("mkdir", &charts, &e)))?;
    Ok(cdir)
}

fn write_file(path: &Path, data: &[u8]) -> Result<(), Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::msg(go_os_error("mkdir", dir, &e)))?;
    }
    std::fs::write(path, data).map_err(|e| Error::msg(go_os_error("open", path, &e)))
}

/// The Chart.yaml `helm create --starter` gives the new chart (Helm's `cmd/create.go`).
pub fn starter_metadata(name: &str) -> Metadata {
    Metadata {
        name: name.to_string(),
        description: "A Helm chart for Kubernetes".into(),
        r#type: "application".into(),
        version: "0.1.0".into(),
        app_version: "0.1.0".into(),
        api_version: API_VERSION_V2.into(),
        ..Default::default()
    }
}

/// Helm's `CreateFrom`: loads the starter chart at `src` (folder or archive; nothing is written when it
/// does not load), gives it `metadata`, replaces `<CHARTNAME>` in its templates and values.yaml and
/// saves it as `dest/NAME` (`SaveDir`). Other files, the schema and subcharts are kept as they are.
pub fn create_from(metadata: Metadata, dest: &Path, src: &Path) -> Result<(), Error> {
    let mut chart = super::load(src).map_err(|e| e.wrap(format!("could not load {}", src.display())))?;
    chart.metadata = metadata;
    let name = chart.name().to_string();
    for t in &mut chart.templates {
        t.data = transform(&t.data, &name).into();
    }
    // Helm re-reads the transformed values to fail early when the name breaks them.
    let values_yaml = goyaml::try_to_string(&serde_json::Value::Object(chart.values.clone()))
        .map_err(|e| Error::msg(e.message).wrap("reading values file"))?;
    let transformed = transform(values_yaml.as_bytes(), &name);
    goyaml::from_str(&String::from_utf8_lossy(&transformed))
        .map_err(|e| Error::msg(e.message).wrap("transforming values file"))?;
    if let Some(values) = &mut chart.raw_values {
        *values = transform(values, &name);
    }
    save_dir(&chart, dest, &SaveOptions::from_env()?)
}

/// Helm's data folder (`helmpath.DataPath()`): `$HELM_DATA_HOME`, else `$XDG_DATA_HOME/helm`, else
/// `~/.local/share/helm`.
pub fn helm_data_home() -> PathBuf {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(d) = env("HELM_DATA_HOME") {
        return PathBuf::from(d);
    }
    let base = env("XDG_DATA_HOME").map(PathBuf::from).unwrap_or_else(|| {
        let home = env("HOME").map(PathBuf::from).unwrap_or_default();
        home.join(".local").join("share")
    });
    base.join("helm")
}

/// Where `--starter NAME|PATH` points: an absolute path as given, else `$HELM_DATA_HOME/starters/NAME`.
pub fn starter_path(starter: &str) -> PathBuf {
    let p = Path::new(starter);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    PathBuf::from(super::archive::go_clean(&helm_data_home().join("starters").join(starter).to_string_lossy()))
}

/// `helm create NAME [--starter S]` after the "Creating NAME" line: the chart name is NAME's last
/// element, created in NAME's parent folder. Overwrite warnings go to `out`, as Helm prints them.
pub fn run_create(name: &str, starter: Option<&str>, out: &mut dyn Write) -> Result<(), Error> {
    let (parent, chart_name) = split_name(name);
    match starter.filter(|s| !s.is_empty()) {
        Some(s) => create_from(starter_metadata(&chart_name), Path::new(&parent), &starter_path(s)),
        None => create(&chart_name, Path::new(&parent), out).map(|_| ()),
    }
}

/// Go's `filepath.Dir` and `filepath.Base` of NAME.
fn split_name(name: &str) -> (String, String) {
    let base = super::go_base(name).to_string();
    let dir = match name.rfind('/') {
        Some(i) => super::archive::go_clean(&name[..=i]),
        None => ".".to_string(),
    };
    (dir, base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_helm_checks_them() {
        assert!(validate_chart_name("my-chart_1.0").is_ok());
        assert_eq!(
            validate_chart_name("a b").unwrap_err().to_string(),
            "chart name must match the regular expression \"^[a-zA-Z0-9._-]+$\""
        );
        assert!(validate_chart_name("").is_err());
        assert!(validate_chart_name(&"a".repeat(251)).is_err());
        assert!(validate_chart_name(&"a".repeat(250)).is_ok());
    }

    #[test]
    fn transform_replaces_every_placeholder() {
        assert_eq!(transform(b"<CHARTNAME>.x <CHARTNAME", "n"), b"n.x <CHARTNAME".to_vec());
        let files = scaffold_files("demo");
        assert_eq!(files.len(), 12);
        assert!(files.iter().all(|(_, d)| !d.windows(11).any(|w| w == b"<CHARTNAME>")));
        assert!(files[0].1.starts_with(b"apiVersion: v2\nname: demo\n"));
    }

    #[test]
    fn name_split_like_go() {
        assert_eq!(split_name("foo"), (".".into(), "foo".into()));
        assert_eq!(split_name("a/b/foo"), ("a/b".into(), "foo".into()));
        assert_eq!(split_name("/foo"), ("/".into(), "foo".into()));
        assert_eq!(split_name("a/foo/"), ("a/foo".into(), "foo".into()));
    }
}
