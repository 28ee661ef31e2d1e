//! Registry credentials as Helm finds them (oras-go's credential stores): Helm's registry config
//! (`$HELM_REGISTRY_CONFIG`, default `~/.config/helm/registry/config.json`) first, then Docker's
//! (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`). Both use Docker's config.json format:
//! `auths` entries (base64 `auth`, `username`/`password`, `identitytoken`, `registrytoken`), and
//! `credsStore`/`credHelpers`, which run `docker-credential-<helper> get`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use serde_json::{Map, Value};

use super::Error;
use crate::repo::fsutil;

/// One credential (oras-go's `auth.Credential`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credential {
    pub username: String,
    pub password: String,
    /// `identitytoken`: exchanged for an access token with an OAuth2 refresh-token grant.
    pub refresh_token: String,
    /// `registrytoken`: sent as the bearer token directly.
    pub access_token: String,
}

impl Credential {
    pub fn is_empty(&self) -> bool {
        *self == Credential::default()
    }
}

/// One config.json file.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    pub path: PathBuf,
    raw: Map<String, Value>,
}

/// oras-go's `credentials.ServerAddressFromHostname`: Docker Hub's API host keys as `https://index.docker.io/v1/`.
pub fn server_address(host: &str) -> String {
    match host {
        "registry-1.docker.io" | "docker.io" => "https://index.docker.io/v1/".into(),
        h => h.to_string(),
    }
}

fn to_hostname(addr: &str) -> &str {
    let a = addr.strip_prefix("http://").unwrap_or(addr);
    let a = a.strip_prefix("https://").unwrap_or(a);
    a.split('/').next().unwrap_or(a)
}

impl ConfigFile {
    /// Reads `path`; a missing file is an empty configuration.
    pub fn load(path: &Path) -> Result<ConfigFile, Error> {
        let raw = match std::fs::read(path) {
            Ok(b) if b.iter().all(u8::is_ascii_whitespace) => Map::new(),
            Ok(b) => match serde_json::from_slice::<Value>(&b) {
                Ok(Value::Object(m)) => m,
                Ok(_) | Err(_) => {
                    return Err(Error::new(format!(
                        "failed to decode config file at {}: invalid JSON; fix or remove the file",
                        path.display()
                    )))
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
            Err(e) => return Err(Error::new(fsutil::os_error("open", path, &e))),
        };
        Ok(ConfigFile { path: path.to_path_buf(), raw })
    }

    fn str_at(&self, key: &str) -> Option<&str> {
        self.raw.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
    }

    /// `IsAuthConfigured`: a store, helpers or any auths entry.
    pub fn is_auth_configured(&self) -> bool {
        self.str_at("credsStore").is_some()
            || self.raw.get("credHelpers").and_then(Value::as_object).is_some_and(|m| !m.is_empty())
            || self.raw.get("auths").and_then(Value::as_object).is_some_and(|m| !m.is_empty())
    }

    fn helper_for(&self, server: &str) -> Option<String> {
        if let Some(h) = self.raw.get("credHelpers").and_then(|m| m.get(server)).and_then(Value::as_str) {
            if !h.is_empty() {
                return Some(h.to_string());
            }
        }
        self.str_at("credsStore").map(str::to_string)
    }

    /// The credential stored for `server` (a host[:port] or Docker Hub's address).
    pub fn get(&self, server: &str) -> Result<Credential, Error> {
        if let Some(helper) = self.helper_for(server) {
            return native_get(&helper, server);
        }
        self.get_from_auths(server)
    }

    fn get_from_auths(&self, server: &str) -> Result<Credential, Error> {
        let Some(auths) = self.raw.get("auths").and_then(Value::as_object) else {
            return Ok(Credential::default());
        };
        let entry = auths.get(server).or_else(|| auths.iter().find(|(k, _)| to_hostname(k) == server).map(|(_, v)| v));
        let Some(Value::Object(e)) = entry else {
            return Ok(Credential::default());
        };
        let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let mut c = Credential {
            username: s("username"),
            password: s("password"),
            refresh_token: s("identitytoken"),
            access_token: s("registrytoken"),
        };
        let auth = s("auth");
        if !auth.is_empty() {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    Error::new(format!("{}: invalid auth configuration for {server}: the auth field is not valid base64", self.path.display()))
                })?;
            let (u, p) = decoded.split_once(':').ok_or_else(|| {
                Error::new(format!("{}: invalid auth configuration for {server}: expected \"user:password\"", self.path.display()))
            })?;
            c.username = u.to_string();
            c.password = p.to_string();
        }
        Ok(c)
    }

    /// Stores a username/password (or identity token when the username is `<token>`) for `server`,
    /// in the helper when one is configured, else as a base64 `auth` entry; the file is rewritten
    /// atomically with mode 0600.
    pub fn put(&mut self, server: &str, cred: &Credential) -> Result<(), Error> {
        if let Some(helper) = self.helper_for(server) {
            return native_store(&helper, server, cred);
        }
        let auths = self.raw.entry("auths").or_insert_with(|| Value::Object(Map::new()));
        if !auths.is_object() {
            *auths = Value::Object(Map::new());
        }
        let mut e = Map::new();
        if !cred.username.is_empty() || !cred.password.is_empty() {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", cred.username, cred.password));
            e.insert("auth".into(), Value::String(token));
        }
        if !cred.refresh_token.is_empty() {
            e.insert("identitytoken".into(), Value::String(cred.refresh_token.clone()));
        }
        if !cred.access_token.is_empty() {
            e.insert("registrytoken".into(), Value::String(cred.access_token.clone()));
        }
        if let Some(m) = auths.as_object_mut() {
            m.insert(server.to_string(), Value::Object(e));
        }
        self.save()
    }

    /// Removes the credential for `server`; `Ok(false)` when there was none.
    pub fn delete(&mut self, server: &str) -> Result<bool, Error> {
        if let Some(helper) = self.helper_for(server) {
            native_erase(&helper, server)?;
            return Ok(true);
        }
        let removed = self.raw.get_mut("auths").and_then(Value::as_object_mut).and_then(|m| m.remove(server)).is_some();
        if removed {
            self.save()?;
        }
        Ok(removed)
    }

    fn save(&self) -> Result<(), Error> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::new(fsutil::os_error("mkdir", dir, &e)))?;
        }
        let text = serde_json::to_string_pretty(&Value::Object(self.raw.clone())).unwrap_or_default();
        fsutil::write_atomic(&self.path, text.as_bytes(), 0o600).map_err(|e| Error::new(fsutil::os_error("open", &self.path, &e)))
    }
}

fn helper_program(helper: &str) -> String {
    format!("docker-credential-{helper}")
}

fn run_helper(helper: &str, action: &str, input: &str) -> Result<(bool, String, String), Error> {
    let prog = helper_program(helper);
    let mut child = Command::new(&prog)
        .arg(action)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::new(format!("{prog}: could not run the credential helper: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| Error::new(format!("{prog}: {e}")))?;
    Ok((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        String::from_utf8_lossy(&out.stderr).trim().to_string(),
    ))
}

fn native_get(helper: &str, server: &str) -> Result<Credential, Error> {
    let (ok, out, err) = run_helper(helper, "get", server)?;
    if !ok {
        let text = if out.is_empty() { err } else { out };
        if text.contains("credentials not found in native keychain") {
            return Ok(Credential::default());
        }
        return Err(Error::new(format!("{}: {text}", helper_program(helper))));
    }
    let v: Value = serde_json::from_str(&out)
        .map_err(|e| Error::new(format!("{}: unexpected answer: {e}", helper_program(helper))))?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let (user, secret) = (s("Username"), s("Secret"));
    Ok(if user == "<token>" {
        Credential { refresh_token: secret, ..Default::default() }
    } else {
        Credential { username: user, password: secret, ..Default::default() }
    })
}

fn native_store(helper: &str, server: &str, cred: &Credential) -> Result<(), Error> {
    let (user, secret) = if cred.refresh_token.is_empty() {
        (cred.username.clone(), cred.password.clone())
    } else {
        ("<token>".to_string(), cred.refresh_token.clone())
    };
    let input = serde_json::json!({"ServerURL": server, "Username": user, "Secret": secret}).to_string();
    let (ok, out, err) = run_helper(helper, "store", &input)?;
    if ok {
        Ok(())
    } else {
        Err(Error::new(format!("{}: {}", helper_program(helper), if out.is_empty() { err } else { out })))
    }
}

fn native_erase(helper: &str, server: &str) -> Result<(), Error> {
    let (ok, out, err) = run_helper(helper, "erase", server)?;
    if ok {
        Ok(())
    } else {
        Err(Error::new(format!("{}: {}", helper_program(helper), if out.is_empty() { err } else { out })))
    }
}

/// Docker's config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn docker_config_path() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("config.json"));
    }
    std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|h| PathBuf::from(h).join(".docker").join("config.json"))
}

/// Helm's store with Docker's as the fallback (`credentials.NewStoreWithFallbacks`).
#[derive(Debug, Clone, Default)]
pub struct CredentialStore {
    pub primary: ConfigFile,
    pub fallback: Option<ConfigFile>,
}

impl CredentialStore {
    /// Loads Helm's registry config at `helm_config` and Docker's (when it can be found).
    pub fn load(helm_config: &Path) -> Result<CredentialStore, Error> {
        let primary = ConfigFile::load(helm_config)?;
        // A broken Docker config must not stop Helm's own credentials from working.
        let fallback = docker_config_path().and_then(|p| ConfigFile::load(&p).ok());
        Ok(CredentialStore { primary, fallback })
    }

    /// The credential for a registry `host[:port]`: Helm's file first, then Docker's.
    pub fn get(&self, host: &str) -> Result<Credential, Error> {
        let server = server_address(host);
        let c = self.primary.get(&server)?;
        if !c.is_empty() {
            return Ok(c);
        }
        match &self.fallback {
            Some(f) => f.get(&server),
            None => Ok(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("kubehelm-creds-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn reads_auth_forms() {
        let d = tmp("read");
        let p = d.join("config.json");
        std::fs::write(
            &p,
            r#"{"auths":{"localhost:5000":{"auth":"dXNlcjpwYTpzcw=="},"https://legacy.io/v1/":{"username":"u","password":"p"},"tok.io":{"identitytoken":"rt"}}}"#,
        )
        .unwrap();
        let f = ConfigFile::load(&p).unwrap();
        let c = f.get("localhost:5000").unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("user", "pa:ss"));
        assert_eq!(f.get("legacy.io").unwrap().username, "u");
        assert_eq!(f.get("tok.io").unwrap().refresh_token, "rt");
        assert!(f.get("other.io").unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn put_and_delete_round_trip() {
        let d = tmp("put");
        let p = d.join("registry/config.json");
        let mut f = ConfigFile::load(&p).unwrap();
        f.put("r.io:443", &Credential { username: "a".into(), password: "b".into(), ..Default::default() }).unwrap();
        let again = ConfigFile::load(&p).unwrap();
        assert_eq!(again.get("r.io:443").unwrap().password, "b");
        let mut again = again;
        assert!(again.delete("r.io:443").unwrap());
        assert!(ConfigFile::load(&p).unwrap().get("r.io:443").unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn bad_files_are_errors() {
        let d = tmp("bad");
        let p = d.join("config.json");
        std::fs::write(&p, "{not json").unwrap();
        assert!(ConfigFile::load(&p).is_err());
        std::fs::write(&p, r#"{"auths":{"x.io":{"auth":"!!!"}}}"#).unwrap();
        assert!(ConfigFile::load(&p).unwrap().get("x.io").is_err());
        assert!(ConfigFile::load(&d.join("missing.json")).unwrap().get("x.io").unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&d);
    }
}
