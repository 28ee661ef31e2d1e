//! Cluster access for `kubectl release`: kubeconfig as kubectl reads it, a kube-rs client behind blocking
//! calls, discovery (REST mapping for any kind, CRDs included, and `.Capabilities`' API versions), and the
//! object operations Helm needs: server-side apply with field manager `helm`, create, get, list, delete.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams, PropagationPolicy};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::{ApiResource, Discovery, Scope};
use serde_json::Value;

/// Helm's field manager for server-side apply.
pub const FIELD_MANAGER: &str = "helm";

/// A failure talking to the cluster, in words for the user.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct KubeError {
    pub message: String,
    /// The HTTP status of an API error (404, 409, 422, …); 0 otherwise.
    pub code: u16,
}

impl KubeError {
    pub fn new(message: impl Into<String>) -> Self {
        KubeError { message: message.into(), code: 0 }
    }

    pub fn is_not_found(&self) -> bool {
        self.code == 404
    }

    pub fn is_conflict(&self) -> bool {
        self.code == 409
    }
}

/// kube-rs errors: the API server's own message for API errors, as client-go prints them; a request
/// that got no answer at all names the server and the cause ([`transport_error`]).
fn api_err(e: kube::Error) -> KubeError {
    match e {
        kube::Error::Api(status) => KubeError { message: status.message.clone(), code: status.code },
        e @ (kube::Error::HyperError(_) | kube::Error::Service(_)) => KubeError::new(transport_error(&e)),
        other => KubeError::new(other.to_string()),
    }
}

/// How long connecting may take, TCP and TLS handshake together: Go's net/http gives the handshake 10 s,
/// after which Helm and kubectl say `net/http: TLS handshake timeout`. (kube-rs waits 30 s.)
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request may go without receiving a byte before it fails, unless `--request-timeout` says
/// otherwise. kubectl and Helm wait forever on a server that accepted the request and stalls.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The API server's URL, for messages (one cluster per process).
static SERVER: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// A request that never got an answer, in kubectl's words where it has them, with the server's URL:
/// refused connections, names that do not resolve, connections or TLS handshakes that time out, and
/// servers that stop answering.
fn transport_error(e: &kube::Error) -> String {
    let server = SERVER.get().map(String::as_str).unwrap_or("(unknown)");
    let host = server.split("://").nth(1).unwrap_or(server).split('/').next().unwrap_or("");
    let hostname = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host).trim_matches(['[', ']']);
    let mut kinds = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            kinds.push(io.kind());
        }
        let t = err.to_string();
        if !texts.iter().any(|seen| seen.contains(&t)) {
            texts.push(t);
        }
        cur = err.source();
    }
    let all = texts.join(": ");
    let connecting = all.contains("(Connect)");
    if kinds.contains(&std::io::ErrorKind::ConnectionRefused) || all.contains("onnection refused") {
        format!("The connection to the server {server} was refused - did you specify the right host or port?")
    } else if all.contains("dns error") || all.contains("failed to lookup address") {
        format!("Unable to connect to the server {server}: dial tcp: lookup {hostname}: no such host")
    } else if kinds.contains(&std::io::ErrorKind::TimedOut) || all.contains("timed out") || all.contains("deadline has elapsed") {
        if connecting {
            format!(
                "Unable to connect to the server {server}: net/http: TLS handshake timeout (no connection within {}s)",
                CONNECT_TIMEOUT.as_secs()
            )
        } else {
            format!(
                "The server {server} did not answer: no response within the request timeout ({}s unless --request-timeout sets it)",
                IDLE_TIMEOUT.as_secs()
            )
        }
    } else {
        format!("Unable to connect to the server {server}: {all}")
    }
}

/// The connection flags every plugin takes, with kubectl's meaning.
#[derive(Debug, Clone, Default)]
pub struct KubeOptions {
    /// `--kubeconfig`: this file only.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
    /// `-n/--namespace`.
    pub namespace: Option<String>,
    /// `--cluster`: the kubeconfig cluster to use instead of the context's.
    pub cluster: Option<String>,
    /// `--user`: the kubeconfig user to use instead of the context's.
    pub user: Option<String>,
    /// `--as`: the user to impersonate.
    pub impersonate: Option<String>,
    /// `--as-group`: the groups to impersonate.
    pub impersonate_groups: Vec<String>,
    /// `--request-timeout`: the limit of each request (connect, read, write); `None` = kube-rs' defaults.
    pub request_timeout: Option<Duration>,
}

/// Reads the kubeconfig as kubectl does: `--kubeconfig`, else every existing file of `KUBECONFIG`
/// merged (first one to set a value wins), else `~/.kube/config`.
pub fn load_kubeconfig(path: Option<&PathBuf>) -> Result<Kubeconfig, KubeError> {
    let read = |p: &PathBuf| {
        Kubeconfig::read_from(p).map_err(|e| KubeError::new(format!("reading kubeconfig {}: {e}", p.display())))
    };
    if let Some(p) = path {
        return read(p);
    }
    if let Some(list) = std::env::var_os("KUBECONFIG") {
        let paths: Vec<PathBuf> = std::env::split_paths(&list).filter(|p| !p.as_os_str().is_empty()).collect();
        let mut merged: Option<Kubeconfig> = None;
        for p in paths.iter().filter(|p| p.exists()) {
            let next = read(p)?;
            merged = Some(match merged {
                None => next,
                Some(m) => m.merge(next).map_err(|e| KubeError::new(format!("merging kubeconfig {}: {e}", p.display())))?,
            });
        }
        if let Some(m) = merged {
            return Ok(m);
        }
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let default = home.join(".kube").join("config");
    if default.exists() {
        return read(&default);
    }
    Err(KubeError::new(
        "no kubeconfig found: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config".to_string(),
    ))
}

/// One connection to a cluster. Calls block on a private current-thread runtime.
pub struct Cluster {
    rt: tokio::runtime::Runtime,
    client: kube::Client,
    namespace: String,
    discovery: Mutex<Option<Discovery>>,
    /// When set, no request outlives it: an operation's `--timeout` bounds all of its requests.
    deadline: Mutex<Option<Instant>>,
}

impl Cluster {
    /// Connects with kubectl's flags. The namespace is `-n`, else `HELM_NAMESPACE`, else the context's,
    /// else `default`.
    pub fn connect(opts: &KubeOptions) -> Result<Self, KubeError> {
        // Only ring is compiled in; installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| KubeError::new(format!("starting the I/O runtime: {e}")))?;
        let kubeconfig = load_kubeconfig(opts.kubeconfig.as_ref())?;
        let context = opts.context.clone().or_else(|| std::env::var("HELM_KUBECONTEXT").ok().filter(|s| !s.is_empty()));
        let kopts = KubeConfigOptions { context, cluster: opts.cluster.clone(), user: opts.user.clone() };
        let mut config = rt
            .block_on(kube::Config::from_custom_kubeconfig(kubeconfig, &kopts))
            .map_err(|e| KubeError::new(format!("kubeconfig: {e}")))?;
        if let Some(u) = &opts.impersonate {
            config.auth_info.impersonate = Some(u.clone());
        }
        if !opts.impersonate_groups.is_empty() {
            if opts.impersonate.is_none() && config.auth_info.impersonate.is_none() {
                // kubectl's rule: groups need a user to impersonate
                return Err(KubeError::new("requesting groups or user-extra for impersonation requires a user (--as)"));
            }
            config.auth_info.impersonate_groups = Some(opts.impersonate_groups.clone());
        }
        if let Some(t) = opts.request_timeout {
            config.connect_timeout = Some(t);
            config.read_timeout = Some(t);
            config.write_timeout = Some(t);
        } else {
            config.connect_timeout = Some(CONNECT_TIMEOUT);
            config.read_timeout = Some(IDLE_TIMEOUT);
            config.write_timeout = Some(IDLE_TIMEOUT);
        }
        let _ = SERVER.set(config.cluster_url.to_string().trim_end_matches('/').to_string());
        let namespace = opts
            .namespace
            .clone()
            .filter(|s| !s.is_empty())
            .or_else(|| std::env::var("HELM_NAMESPACE").ok().filter(|s| !s.is_empty()))
            .unwrap_or_else(|| config.default_namespace.clone());
        let client = {
            let _guard = rt.enter();
            kube::Client::try_from(config).map_err(|e| KubeError::new(format!("creating the Kubernetes client: {e}")))?
        };
        Ok(Cluster { rt, client, namespace, discovery: Mutex::new(None), deadline: Mutex::new(None) })
    }

    /// Bounds every later request: none runs past `deadline` (`None` lifts the bound).
    pub fn set_deadline(&self, deadline: Option<Instant>) {
        if let Ok(mut d) = self.deadline.lock() {
            *d = deadline;
        }
    }

    /// Runs one request (or a batch) on the runtime, within the deadline when there is one.
    fn run<F: std::future::Future>(&self, fut: F) -> Result<F::Output, KubeError> {
        let deadline = self.deadline.lock().ok().and_then(|d| *d);
        let Some(deadline) = deadline else { return Ok(self.rt.block_on(fut)) };
        let left = deadline.saturating_duration_since(Instant::now());
        self.rt.block_on(async move { tokio::time::timeout(left, fut).await }).map_err(|_| {
            let server = SERVER.get().map(String::as_str).unwrap_or("the API server");
            KubeError::new(format!("the operation ran out of time (--timeout): {server} did not answer before the deadline"))
        })
    }

    /// [`Cluster::run`] for a batch of `n` requests giving one result each: past the deadline, each
    /// gets the deadline's error.
    fn run_batch<T, F: std::future::Future<Output = Vec<Result<T, KubeError>>>>(&self, fut: F, n: usize) -> Vec<Result<T, KubeError>> {
        match self.run(fut) {
            Ok(results) => results,
            Err(e) => (0..n).map(|_| Err(e.clone())).collect(),
        }
    }

    /// The namespace commands act in.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The server's `gitVersion`, e.g. `v1.36.3`.
    pub fn server_version(&self) -> Result<String, KubeError> {
        let info = self.run(self.client.apiserver_version())?.map_err(|e| {
            KubeError::new(format!("kubernetes cluster unreachable: {}", api_err(e)))
        })?;
        Ok(info.git_version)
    }

    fn with_discovery<T>(&self, f: impl FnOnce(&Discovery) -> T) -> Result<T, KubeError> {
        let mut guard = self.discovery.lock().map_err(|_| KubeError::new("discovery cache poisoned"))?;
        if guard.is_none() {
            *guard = Some(self.run_discovery()?);
        }
        match guard.as_ref() {
            Some(d) => Ok(f(d)),
            None => Err(KubeError::new("discovery failed")),
        }
    }

    fn run_discovery(&self) -> Result<Discovery, KubeError> {
        let d = self.run(Discovery::new(self.client.clone()).run_aggregated())?;
        match d {
            Ok(d) => Ok(d),
            // servers without aggregated discovery (before 1.26)
            Err(_) => self
                .run(Discovery::new(self.client.clone()).run())?
                .map_err(|e| KubeError::new(format!("API discovery failed: {}", api_err(e)))),
        }
    }

    /// Forgets what discovery found (after CRDs are installed).
    pub fn invalidate_discovery(&self) {
        if let Ok(mut g) = self.discovery.lock() {
            *g = None;
        }
    }

    /// Helm's `GetVersionSet`: every served `group/version` and `group/version/Kind`, sorted.
    pub fn api_versions(&self) -> Result<Vec<String>, KubeError> {
        self.with_discovery(|d| {
            let mut set = std::collections::BTreeSet::new();
            for g in d.groups() {
                for v in g.versions() {
                    let gv = if g.name().is_empty() { v.to_string() } else { format!("{}/{v}", g.name()) };
                    for (ar, _) in g.versioned_resources(v) {
                        set.insert(format!("{gv}/{}", ar.kind));
                    }
                    set.insert(gv);
                }
            }
            set.into_iter().collect()
        })
    }

    /// REST mapping: the resource and whether it is namespaced, for `apiVersion` + `kind`. Unknown kinds
    /// trigger one fresh discovery (a CRD may just have been created).
    pub fn resolve(&self, api_version: &str, kind: &str) -> Result<(ApiResource, bool), KubeError> {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        let gvk = kube::api::GroupVersionKind::gvk(&group, &version, kind);
        let find = |d: &Discovery| d.resolve_gvk(&gvk).map(|(ar, caps)| (ar, caps.scope == Scope::Namespaced));
        if let Some(found) = self.with_discovery(find)? {
            return Ok(found);
        }
        self.invalidate_discovery();
        self.with_discovery(find)?.ok_or_else(|| {
            KubeError::new(format!(
                "resource mapping not found for kind \"{kind}\" in version \"{api_version}\": ensure CRDs are installed first"
            ))
        })
    }

    fn api_for(&self, api_version: &str, kind: &str, namespace: &str) -> Result<(Api<DynamicObject>, bool), KubeError> {
        let (ar, namespaced) = self.resolve(api_version, kind)?;
        let api = if namespaced {
            Api::namespaced_with(self.client.clone(), namespace, &ar)
        } else {
            Api::all_with(self.client.clone(), &ar)
        };
        Ok((api, namespaced))
    }

    /// The namespace an object goes to: its own, else `default_ns`; none for cluster-scoped kinds.
    pub fn object_namespace(&self, obj: &Value, default_ns: &str) -> Result<Option<String>, KubeError> {
        let (api_version, kind, _) = ident(obj)?;
        let (_, namespaced) = self.resolve(&api_version, &kind)?;
        if !namespaced {
            return Ok(None);
        }
        let own = obj.pointer("/metadata/namespace").and_then(Value::as_str).filter(|s| !s.is_empty());
        Ok(Some(own.unwrap_or(default_ns).to_string()))
    }

    /// Server-side apply (field manager `helm`); `force` takes over fields other managers own.
    pub fn apply(&self, obj: &Value, default_ns: &str, force: bool) -> Result<Value, KubeError> {
        self.apply_all(std::slice::from_ref(obj), default_ns, force).pop().unwrap_or_else(|| Err(KubeError::new("nothing applied")))
    }

    /// Create; `Ok(false)` when it already exists.
    pub fn create(&self, obj: &Value, default_ns: &str) -> Result<bool, KubeError> {
        let (api_version, kind, _) = ident(obj)?;
        let ns = self.object_namespace(obj, default_ns)?;
        let (api, _) = self.api_for(&api_version, &kind, ns.as_deref().unwrap_or(""))?;
        let dynobj: DynamicObject = serde_json::from_value(obj.clone()).map_err(|e| KubeError::new(e.to_string()))?;
        match self.run(api.create(&PostParams::default(), &dynobj))? {
            Ok(_) => Ok(true),
            Err(e) => {
                let e = api_err(e);
                if e.is_conflict() {
                    Ok(false)
                } else {
                    Err(e)
                }
            }
        }
    }

    /// The live object, or `None`.
    pub fn get(&self, api_version: &str, kind: &str, name: &str, namespace: &str) -> Result<Option<Value>, KubeError> {
        let (api, _) = self.api_for(api_version, kind, namespace)?;
        let got = self.run(api.get_opt(name))?.map_err(api_err)?;
        got.map(|o| serde_json::to_value(o).map_err(|e| KubeError::new(e.to_string()))).transpose()
    }

    /// Objects of a kind in a namespace ("" = all namespaces), by label selector.
    pub fn list(&self, api_version: &str, kind: &str, namespace: &str, selector: &str) -> Result<Vec<Value>, KubeError> {
        let (ar, namespaced) = self.resolve(api_version, kind)?;
        let api: Api<DynamicObject> = if namespaced && !namespace.is_empty() {
            Api::namespaced_with(self.client.clone(), namespace, &ar)
        } else {
            Api::all_with(self.client.clone(), &ar)
        };
        let lp = ListParams::default().labels(selector);
        let list = self.run(api.list(&lp))?.map_err(api_err)?;
        list.items.into_iter().map(|o| serde_json::to_value(o).map_err(|e| KubeError::new(e.to_string()))).collect()
    }

    /// The server-side Table (kubectl's columns) of one object (`name`), or of the objects a label
    /// selector picks (`name` empty); `None` when the object does not exist.
    pub fn get_table(&self, api_version: &str, kind: &str, name: &str, namespace: &str, selector: &str) -> Result<Option<Value>, KubeError> {
        let (ar, namespaced) = self.resolve(api_version, kind)?;
        let base = if ar.group.is_empty() { format!("/api/{}", ar.version) } else { format!("/apis/{}/{}", ar.group, ar.version) };
        let path = if namespaced { format!("{base}/namespaces/{namespace}/{}", ar.plural) } else { format!("{base}/{}", ar.plural) };
        let req = if name.is_empty() {
            kube::core::Request::new(path).list(&ListParams::default().labels(selector))
        } else {
            kube::core::Request::new(path).get(name, &kube::api::GetParams::default())
        };
        let mut req = req.map_err(|e| KubeError::new(e.to_string()))?;
        req.headers_mut().insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"),
        );
        match self.run(self.client.request_text(req))? {
            Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| KubeError::new(e.to_string())),
            Err(e) => {
                let e = api_err(e);
                if e.is_not_found() {
                    Ok(None)
                } else {
                    Err(e)
                }
            }
        }
    }

    /// A LIST of a core (`v1`) resource by its plural, as the server's JSON text: no discovery and no
    /// conversion on the way (release storage reads thousands of Secrets this way).
    pub fn list_core_raw(&self, plural: &str, namespace: &str, selector: &str) -> Result<String, KubeError> {
        let path = if namespace.is_empty() { format!("/api/v1/{plural}") } else { format!("/api/v1/namespaces/{namespace}/{plural}") };
        let req = kube::core::Request::new(path)
            .list(&ListParams::default().labels(selector))
            .map_err(|e| KubeError::new(e.to_string()))?;
        self.run(self.client.request_text(req))?.map_err(api_err)
    }

    /// Names, namespaces and labels only (no payloads cross the wire), by label selector.
    pub fn list_labels(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        selector: &str,
    ) -> Result<Vec<(String, String, BTreeMap<String, String>)>, KubeError> {
        let (ar, namespaced) = self.resolve(api_version, kind)?;
        let api: Api<DynamicObject> = if namespaced && !namespace.is_empty() {
            Api::namespaced_with(self.client.clone(), namespace, &ar)
        } else {
            Api::all_with(self.client.clone(), &ar)
        };
        let lp = ListParams::default().labels(selector);
        let list = self.run(api.list_metadata(&lp))?.map_err(api_err)?;
        Ok(list
            .items
            .into_iter()
            .map(|o| {
                let m = o.metadata;
                (m.name.unwrap_or_default(), m.namespace.unwrap_or_default(), m.labels.unwrap_or_default())
            })
            .collect())
    }

    /// Replaces an object (PUT); the body carries its resourceVersion or none.
    pub fn replace(&self, obj: &Value, default_ns: &str) -> Result<Value, KubeError> {
        let (api_version, kind, name) = ident(obj)?;
        let ns = self.object_namespace(obj, default_ns)?;
        let (api, _) = self.api_for(&api_version, &kind, ns.as_deref().unwrap_or(""))?;
        let dynobj: DynamicObject = serde_json::from_value(obj.clone()).map_err(|e| KubeError::new(e.to_string()))?;
        let out = self.run(api.replace(&name, &PostParams::default(), &dynobj))?.map_err(api_err)?;
        serde_json::to_value(out).map_err(|e| KubeError::new(e.to_string()))
    }

    /// Deletes with background propagation (Helm's default cascade); `Ok(false)` when it was not there.
    pub fn delete(&self, api_version: &str, kind: &str, name: &str, namespace: &str) -> Result<bool, KubeError> {
        self.delete_cascade(api_version, kind, name, namespace, "background")
    }

    /// Deletes with the propagation `--cascade` names: `background`, `foreground` or `orphan`.
    pub fn delete_cascade(&self, api_version: &str, kind: &str, name: &str, namespace: &str, cascade: &str) -> Result<bool, KubeError> {
        let (api, _) = self.api_for(api_version, kind, namespace)?;
        let policy = match cascade {
            "foreground" => PropagationPolicy::Foreground,
            "orphan" => PropagationPolicy::Orphan,
            _ => PropagationPolicy::Background,
        };
        let dp = DeleteParams { propagation_policy: Some(policy), ..Default::default() };
        match self.run(api.delete(name, &dp))? {
            Ok(_) => Ok(true),
            Err(e) => {
                let e = api_err(e);
                if e.is_not_found() {
                    Ok(false)
                } else {
                    Err(e)
                }
            }
        }
    }

    /// Server-side applies several objects at once (at most 16 requests in flight); one result per
    /// object, in order. Helm applies the objects of one kind group concurrently too.
    pub fn apply_all(&self, objs: &[Value], default_ns: &str, force: bool) -> Vec<Result<Value, KubeError>> {
        self.apply_all_with(objs, default_ns, force, false)
    }

    /// [`Cluster::apply_all`] as a server-side dry run (`dryRun=All`): each object as the apply would
    /// leave it (defaults, admission and other managers' fields included), nothing stored.
    pub fn apply_all_dry_run(&self, objs: &[Value], default_ns: &str, force: bool) -> Vec<Result<Value, KubeError>> {
        self.apply_all_with(objs, default_ns, force, true)
    }

    fn apply_all_with(&self, objs: &[Value], default_ns: &str, force: bool, dry_run: bool) -> Vec<Result<Value, KubeError>> {
        use futures::StreamExt;
        let mut pp = PatchParams::apply(FIELD_MANAGER);
        if force {
            pp = pp.force();
        }
        if dry_run {
            pp = pp.dry_run();
        }
        let prepared: Vec<Result<(Api<DynamicObject>, String, Value), KubeError>> = objs
            .iter()
            .map(|obj| {
                let (api_version, kind, name) = ident(obj)?;
                let ns = self.object_namespace(obj, default_ns)?;
                let (api, _) = self.api_for(&api_version, &kind, ns.as_deref().unwrap_or(""))?;
                let mut body = obj.clone();
                if let (Some(ns), Some(meta)) = (&ns, body.get_mut("metadata").and_then(Value::as_object_mut)) {
                    meta.insert("namespace".into(), Value::String(ns.clone()));
                }
                Ok((api, name, body))
            })
            .collect();
        let pp = &pp;
        let requests = prepared.into_iter().map(|p| async move {
            let (api, name, body) = p?;
            let out = api.patch(&name, pp, &Patch::Apply(&body)).await.map_err(api_err)?;
            serde_json::to_value(out).map_err(|e| KubeError::new(e.to_string()))
        });
        self.run_batch(futures::stream::iter(requests).buffered(16).collect(), objs.len())
    }

    /// Several GETs at once (at most 16 in flight): `(apiVersion, kind, name, namespace)` each.
    pub fn get_all(&self, refs: &[(String, String, String, String)]) -> Vec<Result<Option<Value>, KubeError>> {
        use futures::StreamExt;
        let requests = refs.iter().map(|(api_version, kind, name, ns)| {
            let api = self.api_for(api_version, kind, ns).map(|(api, _)| api);
            async move {
                let got = api?.get_opt(name).await.map_err(api_err)?;
                got.map(|o| serde_json::to_value(o).map_err(|e| KubeError::new(e.to_string()))).transpose()
            }
        });
        self.run_batch(futures::stream::iter(requests).buffered(16).collect(), refs.len())
    }

    /// Helm v4's move from client-side to server-side apply (client-go's csaupgrade): the fields the
    /// client-side manager `helm` (operation Update) owns on the live object are handed to the apply
    /// manager `helm`, so that the next server-side apply can remove fields the chart dropped.
    /// Nothing is sent when there is nothing to move.
    pub fn upgrade_field_manager(&self, api_version: &str, kind: &str, name: &str, namespace: &str) -> Result<(), KubeError> {
        let Some(live) = self.get(api_version, kind, name, namespace)? else { return Ok(()) };
        let Some(entries) = live.pointer("/metadata/managedFields").and_then(Value::as_array) else { return Ok(()) };
        let Some(patched) = upgraded_managed_fields(entries) else { return Ok(()) };
        let rv = live.pointer("/metadata/resourceVersion").cloned().unwrap_or(Value::Null);
        // a merge patch replaces the whole list; the resourceVersion makes it fail if the object moved on
        let patch = serde_json::json!({"metadata": {"resourceVersion": rv, "managedFields": patched}});
        let (api, _) = self.api_for(api_version, kind, namespace)?;
        self.run(api.patch(name, &PatchParams::default(), &Patch::Merge(&patch)))?.map_err(api_err)?;
        Ok(())
    }

    /// The log of a pod's containers (all of them, each headed by its name when there are several).
    pub fn pod_logs(&self, name: &str, namespace: &str) -> Result<String, KubeError> {
        let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(self.client.clone(), namespace);
        let pod = self.run(pods.get(name))?.map_err(api_err)?;
        let containers: Vec<String> =
            pod.spec.map(|s| s.containers.into_iter().map(|c| c.name).collect()).unwrap_or_default();
        let mut out = String::new();
        for c in &containers {
            let lp = kube::api::LogParams { container: Some(c.clone()), ..Default::default() };
            let text = self.run(pods.logs(name, &lp))?.map_err(api_err)?;
            if containers.len() > 1 {
                out.push_str(&format!("[{c}] "));
            }
            out.push_str(&text);
        }
        Ok(out)
    }

    /// Polls `check` on the live object every 300 ms until it says done (`Ok(true)`), fails, or `timeout`.
    pub fn wait_for(
        &self,
        api_version: &str,
        kind: &str,
        name: &str,
        namespace: &str,
        timeout: Duration,
        mut check: impl FnMut(Option<&Value>) -> Result<bool, String>,
    ) -> Result<(), KubeError> {
        let deadline = Instant::now() + timeout;
        loop {
            let live = self.get(api_version, kind, name, namespace)?;
            match check(live.as_ref()) {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(e) => return Err(KubeError::new(e)),
            }
            if Instant::now() >= deadline {
                return Err(KubeError::new(format!("timed out waiting for the condition on {kind} {name}")));
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

/// `apiVersion`, `kind` and `metadata.name` of an object.
pub fn ident(obj: &Value) -> Result<(String, String, String), KubeError> {
    let s = |p: &str| obj.pointer(p).and_then(Value::as_str).unwrap_or("").to_string();
    let (api_version, kind, name) = (s("/apiVersion"), s("/kind"), s("/metadata/name"));
    if kind.is_empty() || api_version.is_empty() {
        return Err(KubeError::new(format!("object {name:?} has no apiVersion or kind")));
    }
    if name.is_empty() {
        return Err(KubeError::new(format!("a {kind} object has no metadata.name")));
    }
    Ok((api_version, kind, name))
}

/// The managedFields after moving the client-side `helm` manager's fields (operation Update) into the
/// `helm` Apply entry (created when missing); `None` when there is no such Update entry.
pub fn upgraded_managed_fields(entries: &[Value]) -> Option<Vec<Value>> {
    let is = |e: &Value, op: &str| {
        e.get("manager").and_then(Value::as_str) == Some(FIELD_MANAGER) && e.get("operation").and_then(Value::as_str) == Some(op)
    };
    let update_idx = entries.iter().position(|e| is(e, "Update") && e.get("subresource").is_none())?;
    let mut out: Vec<Value> = entries.to_vec();
    let update = out.remove(update_idx);
    let moved = update.get("fieldsV1").cloned().unwrap_or_else(|| serde_json::json!({}));
    match out.iter_mut().find(|e| is(e, "Apply")) {
        Some(apply) => {
            let mut fields = apply.get("fieldsV1").cloned().unwrap_or_else(|| serde_json::json!({}));
            union_fields(&mut fields, &moved);
            apply["fieldsV1"] = fields;
        }
        None => {
            let mut apply = update.clone();
            apply["operation"] = Value::String("Apply".into());
            out.push(apply);
        }
    }
    Some(out)
}

/// The union of two FieldsV1 sets (nested maps of `f:`/`k:`/`v:`/`i:` keys).
fn union_fields(into: &mut Value, from: &Value) {
    let (Some(dst), Some(src)) = (into.as_object_mut(), from.as_object()) else { return };
    for (k, v) in src {
        match dst.get_mut(k) {
            Some(existing) => union_fields(existing, v),
            None => {
                dst.insert(k.clone(), v.clone());
            }
        }
    }
}
