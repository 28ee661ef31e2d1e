//! `repositories.yaml` (Helm's `repo.File` and `repo.Entry`): the user's named chart repositories with
//! their credentials and TLS settings.

use std::path::Path;

use serde_json::{Map, Value};

use super::{fsutil, Error};

/// One configured repository (`repo.Entry`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub url: String,
    pub username: String,
    pub password: String,
    pub cert_file: String,
    pub key_file: String,
    pub ca_file: String,
    pub insecure_skip_tls_verify: bool,
    pub pass_credentials_all: bool,
}

/// The repositories file (`repo.File`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoFile {
    pub api_version: String,
    /// As written (RFC 3339); empty when absent.
    pub generated: String,
    pub repositories: Vec<Entry>,
}

/// Go's encoding/json field lookup: an exact key first, then a case-insensitive one.
pub(crate) fn field<'a>(m: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    m.get(name).or_else(|| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

pub(crate) fn str_field(m: &Map<String, Value>, name: &str) -> String {
    match field(m, name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

pub(crate) fn bool_field(m: &Map<String, Value>, name: &str) -> bool {
    matches!(field(m, name), Some(Value::Bool(true)))
}

impl Entry {
    fn from_value(v: &Value) -> Option<Entry> {
        let m = v.as_object()?;
        Some(Entry {
            name: str_field(m, "name"),
            url: str_field(m, "url"),
            username: str_field(m, "username"),
            password: str_field(m, "password"),
            cert_file: str_field(m, "certFile"),
            key_file: str_field(m, "keyFile"),
            ca_file: str_field(m, "caFile"),
            insecure_skip_tls_verify: bool_field(m, "insecure_skip_tls_verify"),
            pass_credentials_all: bool_field(m, "pass_credentials_all"),
        })
    }

    fn to_value(&self) -> Value {
        serde_json::json!({
            "name": self.name, "url": self.url, "username": self.username, "password": self.password,
            "certFile": self.cert_file, "keyFile": self.key_file, "caFile": self.ca_file,
            "insecure_skip_tls_verify": self.insecure_skip_tls_verify,
            "pass_credentials_all": self.pass_credentials_all,
        })
    }
}

impl RepoFile {
    /// `repo.NewFile`.
    pub fn new() -> RepoFile {
        RepoFile { api_version: "v1".into(), generated: super::now_rfc3339(), repositories: Vec::new() }
    }

    /// `repo.LoadFile`: `couldn't load repositories file (PATH): …` when it cannot be read.
    pub fn load(path: &Path) -> Result<RepoFile, Error> {
        let data = std::fs::read(path).map_err(|e| {
            Error::new(format!(
                "couldn't load repositories file ({}): {}",
                path.display(),
                fsutil::os_error("open", path, &e)
            ))
            .with_not_found(e.kind() == std::io::ErrorKind::NotFound)
        })?;
        Self::parse(&data).map_err(|e| Error::new(format!("{}: {e}", path.display())))
    }

    /// `loadRepoConfig` of the downloader: a missing file is an empty configuration.
    pub fn load_or_empty(path: &Path) -> Result<RepoFile, Error> {
        match Self::load(path) {
            Err(e) if e.not_found => Ok(RepoFile::default()),
            other => other,
        }
    }

    /// Reads repositories.yaml text (sigs.k8s.io/yaml, lenient about unknown fields).
    pub fn parse(data: &[u8]) -> Result<RepoFile, Error> {
        let text = std::str::from_utf8(data).map_err(|_| Error::new("repositories file is not UTF-8"))?;
        let v = goyaml::from_str(text).map_err(|e| Error::new(e.to_string()))?;
        let mut f = RepoFile::default();
        if let Some(m) = v.as_object() {
            f.api_version = str_field(m, "apiVersion");
            f.generated = str_field(m, "generated");
            if let Some(Value::Array(a)) = field(m, "repositories") {
                f.repositories = a.iter().filter_map(Entry::from_value).collect();
            }
        } else if !v.is_null() {
            return Err(Error::new(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal non-object into Go value of type repo.File",
            ));
        }
        Ok(f)
    }

    /// `File.Get`.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.repositories.iter().find(|e| e.name == name)
    }

    /// `File.Has`.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// `File.Update`: replaces the entry with the same name, or adds it.
    pub fn update(&mut self, e: Entry) {
        match self.repositories.iter_mut().find(|x| x.name == e.name) {
            Some(slot) => *slot = e,
            None => self.repositories.push(e),
        }
    }

    /// `File.Remove`: whether an entry was removed.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.repositories.len();
        self.repositories.retain(|e| e.name != name);
        before != self.repositories.len()
    }

    /// The file as sigs.k8s.io/yaml writes it.
    pub fn to_yaml(&self) -> String {
        let v = serde_json::json!({
            "apiVersion": self.api_version,
            "generated": if self.generated.is_empty() { "0001-01-01T00:00:00Z".to_string() } else { self.generated.clone() },
            "repositories": self.repositories.iter().map(Entry::to_value).collect::<Vec<_>>(),
        });
        goyaml::to_string(&v)
    }

    /// `File.WriteFile`, made atomic; creates the parent folder.
    pub fn write(&self, path: &Path, mode: u32) -> Result<(), Error> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::new(fsutil::os_error("mkdir", dir, &e)))?;
        }
        fsutil::write_atomic(path, self.to_yaml().as_bytes(), mode)
            .map_err(|e| Error::new(fsutil::os_error("open", path, &e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_helm_file() {
        let f = RepoFile::parse(
            b"apiVersion: \"\"\ngenerated: \"2024-01-01T00:00:00Z\"\nrepositories:\n- caFile: /ca.pem\n  certFile: \"\"\n  insecure_skip_tls_verify: true\n  keyFile: \"\"\n  name: stable\n  pass_credentials_all: false\n  password: pw\n  url: https://charts.example.com\n  username: me\n",
        )
        .unwrap();
        let e = f.get("stable").unwrap();
        assert_eq!(e.url, "https://charts.example.com");
        assert_eq!((e.username.as_str(), e.password.as_str(), e.ca_file.as_str()), ("me", "pw", "/ca.pem"));
        assert!(e.insecure_skip_tls_verify);
        let again = RepoFile::parse(f.to_yaml().as_bytes()).unwrap();
        assert_eq!(again.repositories, f.repositories);
    }

    #[test]
    fn update_and_remove() {
        let mut f = RepoFile::new();
        f.update(Entry { name: "a".into(), url: "http://a".into(), ..Default::default() });
        f.update(Entry { name: "a".into(), url: "http://b".into(), ..Default::default() });
        assert_eq!(f.repositories.len(), 1);
        assert_eq!(f.get("a").unwrap().url, "http://b");
        assert!(f.remove("a"));
        assert!(!f.remove("a"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(RepoFile::parse(b"- a\n- b\n").is_err());
        assert!(RepoFile::parse(b"repositories: [\n").is_err());
        assert!(RepoFile::parse(b"").unwrap().repositories.is_empty());
    }
}
