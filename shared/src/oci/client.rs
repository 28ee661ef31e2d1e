//! The registry client (Helm's `registry.Client` over oras-go): the distribution API v2 with
//! oras-go's authentication dance (anonymous first; on 401 a `Basic` challenge gets the stored
//! credential, a `Bearer` challenge gets a token from the realm, by GET with basic auth or by an
//! OAuth2 refresh-token POST), token caching per host and scope, tag listing with pagination,
//! pulling and pushing Helm chart manifests with digest and size checks.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::credentials::{Credential, CredentialStore};
use super::reference::Reference;
use super::{Error, CHART_LAYER_MEDIA_TYPE, CONFIG_MEDIA_TYPE, LEGACY_CHART_LAYER_MEDIA_TYPE, PROV_LAYER_MEDIA_TYPE};
use crate::chart::Metadata;
use crate::repo::http::{basic_auth, Reply, TlsOptions, Transport};
use crate::repo::url::GoUrl;

/// OCI image manifest media type.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index media type.
pub const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";

const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

/// Helm's explanation printed after a reference whose tag carries `_` (helm/helm#10166).
pub const UNDERSCORE_MESSAGE: &str = "\nOCI artifact references (e.g. tags) do not support the plus sign (+). To support\nstoring semantic versions, Helm adopts the convention of changing plus (+) to\nan underscore (_) in chart version tags when pushing to a registry and back to\na plus (+) when pulling from a registry.";

/// How the client connects and authenticates (Helm's `newRegistryClient` flags).
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// `--plain-http`: talk HTTP, not HTTPS.
    pub plain_http: bool,
    pub tls: TlsOptions,
    /// `--username`/`--password`: used for every registry instead of stored credentials.
    pub username: String,
    pub password: String,
    /// Helm's registry config (`HELM_REGISTRY_CONFIG`).
    pub credentials_file: PathBuf,
}

/// A content descriptor (`ocispec.Descriptor`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    pub annotations: BTreeMap<String, String>,
}

/// Bytes fetched or pushed, with their digest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blob {
    pub digest: String,
    pub size: u64,
    pub data: Vec<u8>,
}

impl Blob {
    pub fn new(data: Vec<u8>) -> Blob {
        Blob { digest: sha256_digest(&data), size: data.len() as u64, data }
    }
}

/// What to pull (`registry.PullOption`s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PullOptions {
    pub with_chart: bool,
    pub with_prov: bool,
    pub ignore_missing_prov: bool,
}

impl Default for PullOptions {
    fn default() -> Self {
        PullOptions { with_chart: true, with_prov: false, ignore_missing_prov: false }
    }
}

/// A pulled chart (`registry.PullResult`). `messages` are the lines Helm prints to its registry
/// client's writer (stderr): `Pulled: …`, `Digest: …` and the underscore note.
#[derive(Debug, Clone, Default)]
pub struct PullResult {
    pub manifest: Blob,
    pub config: Blob,
    pub chart: Option<Blob>,
    pub prov: Option<Blob>,
    pub metadata: Metadata,
    pub reference: String,
    pub messages: Vec<String>,
}

/// Push settings (`registry.PushOption`s).
#[derive(Debug, Clone)]
pub struct PushOptions {
    pub prov: Option<Vec<u8>>,
    /// The reference must end with `/NAME:VERSION` of the chart.
    pub strict: bool,
    /// `org.opencontainers.image.created`; now (UTC, RFC 3339) when `None`.
    pub creation_time: Option<String>,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions { prov: None, strict: true, creation_time: None }
    }
}

/// A pushed chart (`registry.PushResult`).
#[derive(Debug, Clone, Default)]
pub struct PushResult {
    pub manifest: Descriptor,
    pub config: Descriptor,
    pub chart: Descriptor,
    pub prov: Option<Descriptor>,
    pub metadata: Metadata,
    pub reference: String,
    pub messages: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Basic,
    Bearer,
}

#[derive(Default)]
struct AuthCache {
    scheme: HashMap<String, Scheme>,
    basic: HashMap<String, String>,
    bearer: HashMap<(String, String), String>,
}

/// The registry client. One client caches tokens across calls, so reuse it.
pub struct Client {
    opts: ClientOptions,
    transport: Transport,
    store: CredentialStore,
    cache: Mutex<AuthCache>,
}

/// `sha256:<hex>` of the bytes.
pub fn sha256_digest(data: &[u8]) -> String {
    let h = Sha256::digest(data);
    let mut s = String::with_capacity(71);
    s.push_str("sha256:");
    for b in h {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn pull_scope(repo: &str) -> String {
    format!("repository:{repo}:pull")
}

fn push_scope(repo: &str) -> String {
    format!("repository:{repo}:pull,push")
}

/// oras-go's `CleanScopes`: actions merged per resource, sorted; `*` absorbs the rest.
fn clean_scopes(scopes: &[String]) -> Vec<String> {
    let mut merged: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut plain = BTreeSet::new();
    for s in scopes {
        let Some(i) = s.rfind(':') else {
            plain.insert(s.clone());
            continue;
        };
        let (res, actions) = (&s[..i], &s[i + 1..]);
        if !res.contains(':') {
            plain.insert(s.clone());
            continue;
        }
        let set = merged.entry(res.to_string()).or_default();
        for a in actions.split(',').filter(|a| !a.is_empty()) {
            set.insert(a.to_string());
        }
    }
    let mut out: Vec<String> = plain.into_iter().collect();
    for (res, set) in merged {
        if set.is_empty() {
            continue;
        }
        let actions = if set.contains("*") { "*".to_string() } else { set.into_iter().collect::<Vec<_>>().join(",") };
        out.push(format!("{res}:{actions}"));
    }
    out.sort();
    out
}

/// A `WWW-Authenticate` challenge: scheme (lower case) and parameters.
fn parse_challenge(h: &str) -> (String, HashMap<String, String>) {
    let h = h.trim();
    let (scheme, rest) = match h.find(' ') {
        Some(i) => (&h[..i], &h[i + 1..]),
        None => (h, ""),
    };
    let mut params = HashMap::new();
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i] == b' ' || b[i] == b',') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i] != b'=' && b[i] != b',' {
            i += 1;
        }
        let key = rest[start..i].trim().to_ascii_lowercase();
        if i >= b.len() || b[i] != b'=' {
            continue;
        }
        i += 1;
        let mut val = String::new();
        if i < b.len() && b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                }
                let ch_len = utf8_len(b[i]);
                val.push_str(&rest[i..(i + ch_len).min(b.len())]);
                i += ch_len;
            }
            i += 1;
        } else {
            let s = i;
            while i < b.len() && b[i] != b',' {
                i += 1;
            }
            val = rest[s..i].trim().to_string();
        }
        if !key.is_empty() {
            params.insert(key, val);
        }
    }
    (scheme.to_ascii_lowercase(), params)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// oras-go's `ErrorResponse` text: `GET "URL": response status code 404: name unknown: …`.
fn response_error(method: &str, url: &str, reply: &Reply) -> Error {
    let mut msg = String::new();
    if let Ok(v) = serde_json::from_slice::<Value>(&reply.body) {
        if let Some(errs) = v.get("errors").and_then(Value::as_array) {
            let parts: Vec<String> = errs
                .iter()
                .map(|e| {
                    let code: String = e
                        .get("code")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .chars()
                        .map(|c| if c == '_' { ' ' } else { c.to_ascii_lowercase() })
                        .collect();
                    let m = e.get("message").and_then(Value::as_str).unwrap_or_default();
                    let detail = e.get("detail").filter(|d| !d.is_null());
                    match (m.is_empty(), detail) {
                        (true, _) => code,
                        (false, None) => format!("{code}: {m}"),
                        (false, Some(d)) => format!("{code}: {m}: {}", go_fmt_v(d)),
                    }
                })
                .collect();
            msg = parts.join("; ");
        }
    }
    if msg.is_empty() {
        msg = reply.status_text().split_once(' ').map(|(_, r)| r.to_string()).unwrap_or_default();
    }
    Error::new(format!("{method} {}: response status code {}: {msg}", quote(url), reply.status))
}

fn quote(s: &str) -> String {
    crate::chart::metadata_quote(s)
}

/// Go's `%v` of a value decoded from JSON into `any`: `map[k:v]` with sorted keys, `[a b]`, float64
/// numbers, `<nil>`.
fn go_fmt_v(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.as_f64().map(gotemplate::fmt::format_float_v).unwrap_or_else(|| n.to_string()),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(go_fmt_v).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys.iter().map(|k| format!("{k}:{}", go_fmt_v(&m[*k]))).collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// Go's `json.Marshal` escaping of `<`, `>`, `&`, U+2028 and U+2029 applied to serde_json's text.
pub(crate) fn go_html_escape(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn descriptor_json(d: &Descriptor) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("mediaType".into(), Value::String(d.media_type.clone()));
    m.insert("digest".into(), Value::String(d.digest.clone()));
    m.insert("size".into(), Value::from(d.size));
    if !d.annotations.is_empty() {
        m.insert("annotations".into(), serde_json::to_value(&d.annotations).unwrap_or(Value::Null));
    }
    Value::Object(m)
}

/// Go's JSON text of a descriptor (field order mediaType, digest, size, annotations).
fn descriptor_text(d: &Descriptor) -> String {
    let mut s = format!(
        "{{\"mediaType\":{},\"digest\":{},\"size\":{}",
        json_str(&d.media_type),
        json_str(&d.digest),
        d.size
    );
    if !d.annotations.is_empty() {
        s.push_str(",\"annotations\":");
        s.push_str(&map_text(&d.annotations));
    }
    s.push('}');
    s
}

fn json_str(s: &str) -> String {
    go_html_escape(&serde_json::to_string(s).unwrap_or_default())
}

fn map_text(m: &BTreeMap<String, String>) -> String {
    let body: Vec<String> = m.iter().map(|(k, v)| format!("{}:{}", json_str(k), json_str(v))).collect();
    format!("{{{}}}", body.join(","))
}

fn parse_descriptor(v: &Value) -> Option<Descriptor> {
    let m = v.as_object()?;
    Some(Descriptor {
        media_type: m.get("mediaType")?.as_str()?.to_string(),
        digest: m.get("digest")?.as_str()?.to_string(),
        size: m.get("size").and_then(Value::as_u64).unwrap_or(0),
        annotations: m
            .get("annotations")
            .and_then(Value::as_object)
            .map(|a| a.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
            .unwrap_or_default(),
    })
}

/// Helm's `generateOCIAnnotations`: description, title, version, url, created, source, authors, then the
/// chart's own annotations (which cannot override title and version).
pub fn chart_annotations(md: &Metadata, creation_time: &str) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    let mut add = |k: &str, v: &str| {
        if !v.trim().is_empty() {
            a.insert(k.to_string(), v.to_string());
        }
    };
    add("org.opencontainers.image.description", &md.description);
    add("org.opencontainers.image.title", &md.name);
    add("org.opencontainers.image.version", &md.version);
    add("org.opencontainers.image.url", &md.home);
    add("org.opencontainers.image.created", creation_time);
    if let Some(s) = md.sources.first() {
        add("org.opencontainers.image.source", s);
    }
    if !md.maintainers.is_empty() {
        let authors: Vec<String> = md
            .maintainers
            .iter()
            .map(|m| {
                let mut s = m.name.clone();
                if !m.email.is_empty() {
                    s.push_str(&format!(" ({})", m.email));
                }
                s
            })
            .collect();
        add("org.opencontainers.image.authors", &authors.join(", "));
    }
    for (k, v) in &md.annotations {
        if k == "org.opencontainers.image.version" || k == "org.opencontainers.image.title" {
            continue;
        }
        a.insert(k.clone(), v.clone());
    }
    a
}

fn underscore_lines(reference: &str, tag: &str, out: &mut Vec<String>) {
    if tag.contains('_') {
        out.push(format!("{reference} contains an underscore."));
        out.push(UNDERSCORE_MESSAGE.to_string());
    }
}

impl Client {
    /// A client with Helm's credential stores loaded.
    pub fn new(opts: ClientOptions) -> Result<Client, Error> {
        let transport = Transport::new(&opts.tls, None)
            .map_err(|e| Error::new(format!("can't create TLS config for client: {e}")))?;
        let store = CredentialStore::load(&opts.credentials_file)?;
        Ok(Client { opts, transport, store, cache: Mutex::new(AuthCache::default()) })
    }

    /// The options the client was made with.
    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    fn base(&self, registry: &str) -> String {
        format!("{}://{registry}", if self.opts.plain_http { "http" } else { "https" })
    }

    fn credential(&self, host: &str) -> Result<Credential, Error> {
        if !self.opts.username.is_empty() && !self.opts.password.is_empty() {
            return Ok(Credential { username: self.opts.username.clone(), password: self.opts.password.clone(), ..Default::default() });
        }
        self.store.get(host)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, AuthCache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One request through oras-go's auth flow.
    fn request(
        &self,
        host: &str,
        scopes: &[String],
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Reply, Error> {
        let scopes = clean_scopes(scopes);
        let mut key = scopes.join(" ");
        let mut attempted: Option<String> = None;
        let mut h: Vec<(&str, String)> = headers.to_vec();
        {
            let c = self.cache();
            match c.scheme.get(host) {
                Some(Scheme::Basic) => {
                    if let Some(t) = c.basic.get(host) {
                        h.push(("Authorization", format!("Basic {t}")));
                    }
                }
                Some(Scheme::Bearer) => {
                    attempted = Some(key.clone());
                    if let Some(t) = c.bearer.get(&(host.to_string(), key.clone())) {
                        h.push(("Authorization", format!("Bearer {t}")));
                    }
                }
                None => {}
            }
        }
        let reply = self.transport.send(method, url, &h, body).map_err(|e| Error::new(e.message))?;
        if reply.status != 401 {
            return Ok(reply);
        }
        let (scheme, params) = parse_challenge(reply.header("www-authenticate").unwrap_or(""));
        let mut h: Vec<(&str, String)> = headers.to_vec();
        match scheme.as_str() {
            "basic" => {
                let cred = self.credential(host)?;
                if cred.is_empty() {
                    return Err(Error::new(format!("{method} {}: basic credential not found", quote(url))));
                }
                if cred.username.is_empty() || cred.password.is_empty() {
                    return Err(Error::new(format!("{method} {}: missing username or password for basic auth", quote(url))));
                }
                let token = basic_auth(&cred.username, &cred.password);
                let raw = token.trim_start_matches("Basic ").to_string();
                {
                    let mut c = self.cache();
                    c.scheme.insert(host.to_string(), Scheme::Basic);
                    c.basic.insert(host.to_string(), raw);
                }
                h.push(("Authorization", token));
            }
            "bearer" => {
                let mut all = scopes.clone();
                if let Some(s) = params.get("scope").filter(|s| !s.is_empty()) {
                    all.extend(s.split(' ').map(str::to_string));
                    all = clean_scopes(&all);
                }
                key = all.join(" ");
                if attempted.as_deref() != Some(key.as_str()) {
                    let cached = self.cache().bearer.get(&(host.to_string(), key.clone())).cloned();
                    if let Some(t) = cached {
                        let mut h2 = h.clone();
                        h2.push(("Authorization", format!("Bearer {t}")));
                        let r = self.transport.send(method, url, &h2, body).map_err(|e| Error::new(e.message))?;
                        if r.status != 401 {
                            return Ok(r);
                        }
                    }
                }
                let realm = params.get("realm").cloned().unwrap_or_default();
                let service = params.get("service").cloned().unwrap_or_default();
                let token = self.fetch_bearer_token(host, &realm, &service, &all)?;
                {
                    let mut c = self.cache();
                    c.scheme.insert(host.to_string(), Scheme::Bearer);
                    c.bearer.insert((host.to_string(), key), token.clone());
                }
                h.push(("Authorization", format!("Bearer {token}")));
            }
            _ => return Ok(reply),
        }
        self.transport.send(method, url, &h, body).map_err(|e| Error::new(e.message))
    }

    fn fetch_bearer_token(&self, host: &str, realm: &str, service: &str, scopes: &[String]) -> Result<String, Error> {
        let cred = self.credential(host)?;
        if !cred.access_token.is_empty() {
            return Ok(cred.access_token);
        }
        if realm.is_empty() {
            return Err(Error::new(format!("{host}: the registry asked for a bearer token but named no realm")));
        }
        let enc = |s: &str| query_escape(s);
        if cred.refresh_token.is_empty() {
            // The distribution token flow: GET realm?service=…&scope=… with basic auth when known.
            let mut q: Vec<String> = Vec::new();
            if !service.is_empty() {
                q.push(format!("service={}", enc(service)));
            }
            for s in scopes {
                q.push(format!("scope={}", enc(s)));
            }
            q.sort();
            let sep = if realm.contains('?') { '&' } else { '?' };
            let url = if q.is_empty() { realm.to_string() } else { format!("{realm}{sep}{}", q.join("&")) };
            let mut h: Vec<(&str, String)> = Vec::new();
            if !cred.username.is_empty() || !cred.password.is_empty() {
                h.push(("Authorization", basic_auth(&cred.username, &cred.password)));
            }
            let reply = self.transport.send("GET", &url, &h, None).map_err(|e| Error::new(e.message))?;
            if reply.status != 200 {
                return Err(response_error("GET", &url, &reply));
            }
            let v: Value = serde_json::from_slice(&reply.body)
                .map_err(|e| Error::new(format!("GET {}: failed to decode response: {e}", quote(&url))))?;
            for k in ["access_token", "token"] {
                if let Some(t) = v.get(k).and_then(Value::as_str).filter(|t| !t.is_empty()) {
                    return Ok(t.to_string());
                }
            }
            return Err(Error::new(format!("GET {}: empty token returned", quote(&url))));
        }
        // OAuth2 refresh-token grant.
        let mut form = vec![
            format!("client_id={}", enc("oras-go")),
            format!("grant_type={}", enc("refresh_token")),
            format!("refresh_token={}", enc(&cred.refresh_token)),
            format!("service={}", enc(service)),
        ];
        if !scopes.is_empty() {
            form.push(format!("scope={}", enc(&scopes.join(" "))));
        }
        form.sort();
        let body = form.join("&");
        let h = vec![("Content-Type", "application/x-www-form-urlencoded".to_string())];
        let reply = self.transport.send("POST", realm, &h, Some(body.as_bytes())).map_err(|e| Error::new(e.message))?;
        if reply.status != 200 {
            return Err(response_error("POST", realm, &reply));
        }
        let v: Value = serde_json::from_slice(&reply.body)
            .map_err(|e| Error::new(format!("POST {}: failed to decode response: {e}", quote(realm))))?;
        v.get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .ok_or_else(|| Error::new(format!("POST {}: empty token returned", quote(realm))))
    }

    /// oras-go's `Registry.Ping`: `GET /v2/` through the auth flow; any status but 200 is an error.
    pub fn ping(&self, host: &str) -> Result<(), Error> {
        let url = format!("{}/v2/", self.base(host));
        let reply = self.request(host, &[], "GET", &url, &[], None)?;
        if reply.status == 200 {
            return Ok(());
        }
        if reply.status == 404 {
            return Err(Error::new(format!("GET {}: response status code 404: Not Found", quote(&url))));
        }
        Err(response_error("GET", &url, &reply))
    }

    /// `Client.Tags`: the repository's tags that are strict semvers (after `_` → `+`), highest first,
    /// printed as Masterminds prints them. `repo_ref` is `registry/repository` (no `oci://`).
    pub fn tags(&self, repo_ref: &str) -> Result<Vec<String>, Error> {
        let r = Reference::parse(repo_ref)?;
        let scopes = [pull_scope(&r.repository)];
        let mut url = format!("{}/v2/{}/tags/list", self.base(&r.registry), r.repository);
        let mut versions: Vec<gosemver::Version> = Vec::new();
        for _ in 0..10_000 {
            let reply = self.request(&r.registry, &scopes, "GET", &url, &[], None)?;
            if reply.status != 200 {
                return Err(response_error("GET", &url, &reply));
            }
            let v: Value = serde_json::from_slice(&reply.body)
                .map_err(|e| Error::new(format!("GET {}: failed to decode response: {e}", quote(&url))))?;
            for t in v.get("tags").and_then(Value::as_array).into_iter().flatten() {
                if let Some(Ok(ver)) = t.as_str().map(|t| gosemver::Version::parse_strict(&t.replace('_', "+"))) {
                    versions.push(ver);
                }
            }
            match reply.header("link").and_then(next_link) {
                Some(next) => {
                    let base = GoUrl::parse(&url).map_err(|e| Error::new(e.to_string()))?;
                    let n = GoUrl::parse(&next).map_err(|e| Error::new(e.to_string()))?;
                    url = base.resolve_reference(&n).to_string();
                }
                None => break,
            }
        }
        versions.sort_by(|a, b| b.compare(a));
        Ok(versions.iter().map(|v| v.to_string()).collect())
    }

    /// `Client.Resolve`: the manifest descriptor a reference points at (HEAD, no body).
    pub fn resolve(&self, reference: &str) -> Result<Descriptor, Error> {
        let r = Reference::parse(reference)?;
        let want = r.manifest_reference().to_string();
        let url = format!("{}/v2/{}/manifests/{want}", self.base(&r.registry), r.repository);
        let reply = self.request(
            &r.registry,
            &[pull_scope(&r.repository)],
            "HEAD",
            &url,
            &[("Accept", MANIFEST_ACCEPT.to_string())],
            None,
        )?;
        if reply.status == 404 {
            return Err(Error::new(format!("{}: not found", r.to_ref_string())));
        }
        if reply.status != 200 {
            return Err(response_error("HEAD", &url, &reply));
        }
        let digest = reply.header("docker-content-digest").unwrap_or_default().to_string();
        if digest.is_empty() && !r.digest.is_empty() && r.tag.is_empty() {
            return Ok(Descriptor { digest: r.digest.clone(), ..Default::default() });
        }
        Ok(Descriptor {
            media_type: reply.header("content-type").unwrap_or_default().to_string(),
            digest,
            size: reply.header("content-length").and_then(|s| s.parse().ok()).unwrap_or(0),
            annotations: BTreeMap::new(),
        })
    }

    fn fetch_blob(&self, r: &Reference, d: &Descriptor) -> Result<Vec<u8>, Error> {
        let url = format!("{}/v2/{}/blobs/{}", self.base(&r.registry), r.repository, d.digest);
        let reply = self.request(&r.registry, &[pull_scope(&r.repository)], "GET", &url, &[], None)?;
        if reply.status == 404 {
            return Err(Error::new(format!("{}: not found", d.digest)));
        }
        if reply.status != 200 {
            return Err(response_error("GET", &url, &reply));
        }
        if reply.body.len() as u64 != d.size {
            return Err(Error::new(format!(
                "unable to retrieve blob with digest {}: content size mismatch: expected {}, got {}",
                d.digest,
                d.size,
                reply.body.len()
            )));
        }
        if sha256_digest(&reply.body) != d.digest && d.digest.starts_with("sha256:") {
            return Err(Error::new(format!("unable to retrieve blob with digest {}: mismatched digest", d.digest)));
        }
        Ok(reply.body)
    }

    /// `Client.Pull`: the manifest, config and requested layers of a chart, each checked against its digest.
    pub fn pull(&self, reference: &str, opts: PullOptions) -> Result<PullResult, Error> {
        if !opts.with_chart && !opts.with_prov {
            return Err(Error::new("must specify at least one layer to pull (chart/prov)"));
        }
        let r = Reference::parse(reference)?;
        let ref_string = r.to_ref_string();
        let want = r.manifest_reference().to_string();
        if want.is_empty() {
            return Err(Error::new(format!("{ref_string}: a tag or digest is required to pull")));
        }
        let url = format!("{}/v2/{}/manifests/{want}", self.base(&r.registry), r.repository);
        // oras-go's Copy names the step that failed: fetching the manifest is `FetchReference`.
        let fetch_reference = |e: Error| Error::new(format!("failed to perform \"FetchReference\" on source: {}", e.message));
        let reply = self
            .request(&r.registry, &[pull_scope(&r.repository)], "GET", &url, &[("Accept", MANIFEST_ACCEPT.to_string())], None)
            .map_err(fetch_reference)?;
        if reply.status == 404 {
            return Err(fetch_reference(Error::new(format!("{ref_string}: not found"))));
        }
        if reply.status != 200 {
            return Err(fetch_reference(response_error("GET", &url, &reply)));
        }
        let manifest = Blob::new(reply.body.clone());
        if !r.digest.is_empty() && r.tag.is_empty() && manifest.digest != r.digest {
            return Err(Error::new(format!("{ref_string}: mismatched digest: got {}", manifest.digest)));
        }
        if let Some(h) = reply.header("docker-content-digest") {
            if h.starts_with("sha256:") && h != manifest.digest {
                return Err(Error::new(format!("{ref_string}: mismatched digest: the registry says {h}, the content is {}", manifest.digest)));
            }
        }
        let v: Value = serde_json::from_slice(&manifest.data)
            .map_err(|e| Error::new(format!("{ref_string}: the manifest is not valid JSON: {e}")))?;
        let media_type = v
            .get("mediaType")
            .and_then(Value::as_str)
            .or_else(|| reply.header("content-type"))
            .unwrap_or(MANIFEST_MEDIA_TYPE)
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        if media_type != MANIFEST_MEDIA_TYPE {
            return Err(Error::new(format!(
                "{ref_string}: unsupported manifest media type {media_type}: a Helm chart is an OCI image manifest"
            )));
        }
        let mut allowed = vec![CONFIG_MEDIA_TYPE];
        if opts.with_chart {
            allowed.extend([CHART_LAYER_MEDIA_TYPE, LEGACY_CHART_LAYER_MEDIA_TYPE]);
        }
        if opts.with_prov {
            allowed.push(PROV_LAYER_MEDIA_TYPE);
        }
        let mut descs: Vec<Descriptor> = Vec::new();
        if let Some(c) = v.get("config").and_then(parse_descriptor) {
            descs.push(c);
        }
        for l in v.get("layers").and_then(Value::as_array).into_iter().flatten() {
            if let Some(d) = parse_descriptor(l) {
                descs.push(d);
            }
        }
        descs.retain(|d| allowed.contains(&d.media_type.as_str()));
        let mut min = 1;
        if opts.with_chart {
            min += 1;
        }
        if opts.with_prov && !opts.ignore_missing_prov {
            min += 1;
        }
        // oras counts the manifest itself among the descriptors it copied.
        if descs.len() + 1 < min {
            return Err(Error::new(format!(
                "manifest does not contain minimum number of descriptors ({min}), descriptors found: {}",
                descs.len() + 1
            )));
        }
        let mut messages = Vec::new();
        let find = |t: &str| descs.iter().find(|d| d.media_type == t).cloned();
        let config_d = find(CONFIG_MEDIA_TYPE)
            .ok_or_else(|| Error::new(format!("could not load config with mediatype {CONFIG_MEDIA_TYPE}")))?;
        let chart_d = match find(CHART_LAYER_MEDIA_TYPE) {
            Some(d) => Some(d),
            None => find(LEGACY_CHART_LAYER_MEDIA_TYPE).inspect(|_| {
                messages.push(format!("Warning: chart media type {LEGACY_CHART_LAYER_MEDIA_TYPE} is deprecated"));
            }),
        };
        if opts.with_chart && chart_d.is_none() {
            return Err(Error::new(format!("manifest does not contain a layer with mediatype {CHART_LAYER_MEDIA_TYPE}")));
        }
        let prov_d = find(PROV_LAYER_MEDIA_TYPE);
        if opts.with_prov && prov_d.is_none() && !opts.ignore_missing_prov {
            return Err(Error::new(format!("manifest does not contain a layer with mediatype {PROV_LAYER_MEDIA_TYPE}")));
        }
        let config = Blob { digest: config_d.digest.clone(), size: config_d.size, data: self.fetch_blob(&r, &config_d)? };
        let mut metadata = Metadata::default();
        let cv: Value = serde_json::from_slice(&config.data)
            .map_err(|e| Error::new(format!("{ref_string}: the chart config is not valid JSON: {e}")))?;
        crate::chart::decode_metadata(&cv, &mut metadata).map_err(|e| Error::new(e.to_string()))?;
        let chart = match (&chart_d, opts.with_chart) {
            (Some(d), true) => Some(Blob { digest: d.digest.clone(), size: d.size, data: self.fetch_blob(&r, d)? }),
            _ => None,
        };
        let prov = match (&prov_d, opts.with_prov) {
            (Some(d), true) => Some(Blob { digest: d.digest.clone(), size: d.size, data: self.fetch_blob(&r, d)? }),
            _ => None,
        };
        messages.push(format!("Pulled: {ref_string}"));
        messages.push(format!("Digest: {}", manifest.digest));
        underscore_lines(&ref_string, &ref_string, &mut messages);
        Ok(PullResult { manifest, config, chart, prov, metadata, reference: ref_string, messages })
    }

    fn blob_exists(&self, r: &Reference, digest: &str) -> Result<bool, Error> {
        let url = format!("{}/v2/{}/blobs/{digest}", self.base(&r.registry), r.repository);
        let reply = self.request(&r.registry, &[push_scope(&r.repository)], "HEAD", &url, &[], None)?;
        match reply.status {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(response_error("HEAD", &url, &reply)),
        }
    }

    fn push_blob(&self, r: &Reference, blob: &Blob) -> Result<(), Error> {
        if self.blob_exists(r, &blob.digest)? {
            return Ok(());
        }
        let scopes = [push_scope(&r.repository)];
        let url = format!("{}/v2/{}/blobs/uploads/", self.base(&r.registry), r.repository);
        let reply = self.request(&r.registry, &scopes, "POST", &url, &[], Some(&[]))?;
        if reply.status != 202 {
            return Err(response_error("POST", &url, &reply));
        }
        let location = reply
            .header("location")
            .ok_or_else(|| Error::new(format!("POST {}: the registry gave no upload location", quote(&url))))?;
        let base = GoUrl::parse(&url).map_err(|e| Error::new(e.to_string()))?;
        let loc = GoUrl::parse(location).map_err(|e| Error::new(e.to_string()))?;
        let mut put = base.resolve_reference(&loc);
        let dq = format!("digest={}", query_escape(&blob.digest));
        put.raw_query = if put.raw_query.is_empty() { dq } else { format!("{}&{dq}", put.raw_query) };
        let put_url = put.to_string();
        let headers = [("Content-Type", "application/octet-stream".to_string())];
        let reply = self.request(&r.registry, &scopes, "PUT", &put_url, &headers, Some(&blob.data))?;
        if reply.status != 201 {
            return Err(response_error("PUT", &put_url, &reply));
        }
        Ok(())
    }

    /// `Client.Push`: uploads the chart archive (and provenance) with Helm's config, layer media types
    /// and annotations, then tags the manifest.
    pub fn push(&self, data: &[u8], reference: &str, opts: &PushOptions) -> Result<PushResult, Error> {
        let r = Reference::parse(reference)?;
        let chart = crate::chart::load_archive(data).map_err(|e| Error::new(e.to_string()))?;
        let md = chart.metadata;
        if opts.strict && !reference.ends_with(&format!("/{}:{}", md.name, md.version)) {
            return Err(Error::new("strict mode enabled, ref basename and tag must match the chart name and version"));
        }
        if r.tag.is_empty() {
            return Err(Error::new(format!("{}: a tag is required to push", r.to_ref_string())));
        }
        let chart_blob = Blob::new(data.to_vec());
        let config_text = go_html_escape(&serde_json::to_string(&md).map_err(|e| Error::new(e.to_string()))?);
        let config_blob = Blob::new(config_text.into_bytes());
        let desc = |b: &Blob, t: &str| Descriptor { media_type: t.into(), digest: b.digest.clone(), size: b.size, ..Default::default() };
        let chart_d = desc(&chart_blob, CHART_LAYER_MEDIA_TYPE);
        let config_d = desc(&config_blob, CONFIG_MEDIA_TYPE);
        let prov_blob = opts.prov.as_ref().map(|p| Blob::new(p.clone()));
        let prov_d = prov_blob.as_ref().map(|b| desc(b, PROV_LAYER_MEDIA_TYPE));
        let mut layers = vec![chart_d.clone()];
        layers.extend(prov_d.clone());
        layers.sort_by(|a, b| a.digest.cmp(&b.digest));
        let created = opts.creation_time.clone().unwrap_or_else(|| {
            let now = crate::repo::now_rfc3339();
            // time.RFC3339 has no fraction.
            match now.find('.') {
                Some(i) => format!("{}Z", &now[..i]),
                None => now,
            }
        });
        let annotations = chart_annotations(&md, &created);
        let layer_texts: Vec<String> = layers.iter().map(descriptor_text).collect();
        let mut manifest_text = format!(
            "{{\"schemaVersion\":2,\"config\":{},\"layers\":[{}]",
            descriptor_text(&config_d),
            layer_texts.join(",")
        );
        if !annotations.is_empty() {
            manifest_text.push_str(",\"annotations\":");
            manifest_text.push_str(&map_text(&annotations));
        }
        manifest_text.push('}');
        let manifest_blob = Blob::new(manifest_text.into_bytes());

        for b in [Some(&chart_blob), prov_blob.as_ref(), Some(&config_blob)].into_iter().flatten() {
            self.push_blob(&r, b)?;
        }
        let url = format!("{}/v2/{}/manifests/{}", self.base(&r.registry), r.repository, r.tag);
        let headers = [("Content-Type", MANIFEST_MEDIA_TYPE.to_string())];
        let reply = self.request(&r.registry, &[push_scope(&r.repository)], "PUT", &url, &headers, Some(&manifest_blob.data))?;
        if reply.status != 201 {
            return Err(response_error("PUT", &url, &reply));
        }
        let ref_string = r.to_ref_string();
        let mut messages = vec![format!("Pushed: {ref_string}"), format!("Digest: {}", manifest_blob.digest)];
        underscore_lines(&ref_string, &r.tag, &mut messages);
        Ok(PushResult {
            manifest: Descriptor {
                media_type: MANIFEST_MEDIA_TYPE.into(),
                digest: manifest_blob.digest.clone(),
                size: manifest_blob.size,
                annotations,
            },
            config: config_d,
            chart: chart_d,
            prov: prov_d,
            metadata: md,
            reference: ref_string,
            messages,
        })
    }

    /// The manifest JSON of a descriptor list, for callers that print it.
    pub fn descriptor_value(d: &Descriptor) -> Value {
        descriptor_json(d)
    }
}

fn next_link(h: &str) -> Option<String> {
    for part in h.split(',') {
        let part = part.trim();
        if !part.contains("rel=\"next\"") && !part.contains("rel=next") {
            continue;
        }
        let start = part.find('<')?;
        let end = part.find('>')?;
        if end > start {
            return Some(part[start + 1..end].to_string());
        }
    }
    None
}

/// Go's `url.QueryEscape`.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        let (s, p) = parse_challenge(r#"Bearer realm="https://auth.io/token",service="registry.io",scope="repository:a/b:pull""#);
        assert_eq!(s, "bearer");
        assert_eq!(p["realm"], "https://auth.io/token");
        assert_eq!(p["service"], "registry.io");
        assert_eq!(p["scope"], "repository:a/b:pull");
        let (s, p) = parse_challenge(r#"Basic realm="Registry Realm""#);
        assert_eq!((s.as_str(), p["realm"].as_str()), ("basic", "Registry Realm"));
        let (s, _) = parse_challenge("");
        assert_eq!(s, "");
        let _ = parse_challenge("Bearer realm=\"unterminated");
        let _ = parse_challenge("Bearer =,=,\"é");
    }

    #[test]
    fn scopes_merge() {
        let s = clean_scopes(&[
            "repository:a:pull".into(),
            "repository:a:push".into(),
            "repository:b:pull".into(),
            "repository:a:pull".into(),
        ]);
        assert_eq!(s, vec!["repository:a:pull,push", "repository:b:pull"]);
        assert_eq!(clean_scopes(&["repository:a:*".into(), "repository:a:pull".into()]), vec!["repository:a:*"]);
    }

    #[test]
    fn annotations_like_helm() {
        let md = Metadata {
            name: "web".into(),
            version: "1.0.0".into(),
            description: "A <web> app".into(),
            sources: vec!["https://src".into()],
            maintainers: vec![
                crate::chart::Maintainer { name: "Ann".into(), email: "a@x".into(), url: String::new() },
                crate::chart::Maintainer { name: "Bob".into(), ..Default::default() },
            ],
            annotations: [("org.opencontainers.image.title".to_string(), "no".to_string()), ("x".into(), "y".into())]
                .into_iter()
                .collect(),
            ..Default::default()
        };
        let a = chart_annotations(&md, "2024-01-01T00:00:00Z");
        assert_eq!(a["org.opencontainers.image.title"], "web");
        assert_eq!(a["org.opencontainers.image.authors"], "Ann (a@x), Bob");
        assert_eq!(a["org.opencontainers.image.source"], "https://src");
        assert_eq!(a["x"], "y");
        assert!(!a.contains_key("org.opencontainers.image.url"));
        assert_eq!(json_str("a<b>&"), r#""a\u003cb\u003e\u0026""#);
    }

    /// A registry double on 127.0.0.1 that demands a bearer token from its own token endpoint.
    fn token_registry() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let token_calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let calls = token_calls.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(20) {
                let Ok(stream) = stream else { continue };
                let mut r = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                let _ = r.read_line(&mut line);
                let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                let mut auth = String::new();
                loop {
                    let mut h = String::new();
                    if r.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                        break;
                    }
                    if let Some(v) = h.strip_prefix("authorization: ").or_else(|| h.strip_prefix("Authorization: ")) {
                        auth = v.trim().to_string();
                    }
                }
                let (status, extra, body) = if path.starts_with("/token") {
                    calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if auth == basic_auth("me", "pw") && path.contains("scope=repository%3Acharts%2Fsub%3Apull") && path.contains("service=reg") {
                        ("200 OK", String::new(), r#"{"token":"T1"}"#.to_string())
                    } else {
                        ("401 Unauthorized", String::new(), r#"{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}"#.to_string())
                    }
                } else if auth != "Bearer T1" {
                    let c = format!("WWW-Authenticate: Bearer realm=\"http://127.0.0.1:{port}/token\",service=\"reg\",scope=\"repository:charts/sub:pull\"\r\n");
                    ("401 Unauthorized", c, r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#.to_string())
                } else if path.contains("last=") {
                    ("200 OK", String::new(), r#"{"name":"charts/sub","tags":["0.9.0_x"]}"#.to_string())
                } else {
                    let link = "Link: </v2/charts/sub/tags/list?last=latest&n=2>; rel=\"next\"\r\n".to_string();
                    ("200 OK", link, r#"{"name":"charts/sub","tags":["1.0.0","latest"]}"#.to_string())
                };
                let mut w = stream;
                let _ = write!(w, "HTTP/1.1 {status}\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
            }
        });
        (port, token_calls)
    }

    #[test]
    fn bearer_token_dance_and_pagination() {
        let (port, calls) = token_registry();
        let dir = std::env::temp_dir().join(format!("kubehelm-oci-token-{}", std::process::id()));
        let client = |user: &str, pw: &str| {
            Client::new(ClientOptions {
                plain_http: true,
                username: user.into(),
                password: pw.into(),
                credentials_file: dir.join("none.json"),
                ..Default::default()
            })
            .unwrap()
        };
        let c = client("me", "pw");
        let repo = format!("127.0.0.1:{port}/charts/sub");
        assert_eq!(c.tags(&repo).unwrap(), vec!["1.0.0", "0.9.0+x"]);
        assert_eq!(c.tags(&repo).unwrap(), vec!["1.0.0", "0.9.0+x"]);
        // The token was fetched once and reused for the second page and the second call.
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
        let e = client("me", "wrong").tags(&repo).unwrap_err().to_string();
        assert!(e.starts_with(&format!("GET \"http://127.0.0.1:{port}/token?")), "{e}");
        assert!(e.ends_with("response status code 401: unauthorized: bad credentials"), "{e}");
    }

    #[test]
    fn links_and_escapes() {
        assert_eq!(next_link(r#"</v2/a/tags/list?last=x&n=2>; rel="next""#).as_deref(), Some("/v2/a/tags/list?last=x&n=2"));
        assert_eq!(next_link("garbage"), None);
        assert_eq!(query_escape("repository:a/b:pull push"), "repository%3Aa%2Fb%3Apull+push");
        assert_eq!(sha256_digest(b""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
