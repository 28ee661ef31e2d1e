//! The release operations the binaries call (Helm's `pkg/action`), one module per operation: `install`,
//! `upgrade`, `rollback`, `uninstall`, `testing` and `query` (get, history, list), over the shared pieces:
//! a manifest's `objects`, `hooks`, and a `revision`'s life in storage. This file holds what they all use:
//! errors, options common to several operations, and the step trace.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::record::{self, Hook, Release};
use crate::release::storage::{Storage, StorageError};
use crate::chart::Chart;
use super::cluster::{ClusterApi, ClusterError};
use super::ready;
use crate::render::manifest;
use crate::render::pipeline::{self, RenderOptions};
use crate::render::{CapabilitiesInput, ReleaseOptions};

mod hooks;
mod install;
mod objects;
mod query;
mod revision;
mod rollback;
mod testing;
mod uninstall;
mod upgrade;
#[cfg(test)]
mod tests;

use hooks::*;
use objects::*;
use revision::*;

pub use install::*;
pub use query::*;
pub use revision::{recover, take_over_pending};
pub use rollback::*;
pub use testing::*;
pub use uninstall::*;
pub use upgrade::*;

pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const RELEASE_NAME_ANNOTATION: &str = "meta.helm.sh/release-name";
pub const RELEASE_NAMESPACE_ANNOTATION: &str = "meta.helm.sh/release-namespace";
pub const RESOURCE_POLICY_ANNOTATION: &str = "helm.sh/resource-policy";

/// A failed operation: Helm's message, and the release as far as it got (for `-o` and debugging).
#[derive(Debug)]
pub struct ActionError {
    pub message: String,
    pub release: Option<Release>,
}

impl std::fmt::Display for ActionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ActionError {}

fn err(message: impl std::fmt::Display) -> ActionError {
    ActionError { message: message.to_string(), release: None }
}

impl From<StorageError> for ActionError {
    fn from(e: StorageError) -> Self {
        err(e)
    }
}

impl From<ClusterError> for ActionError {
    fn from(e: ClusterError) -> Self {
        err(e)
    }
}

/// With `KUBECTL_RELEASE_TRACE` set, a line on stderr per step of an operation, with the time since the
/// first one (where the time goes, without a profiler).
fn trace(step: &str) {
    static START: std::sync::OnceLock<Option<Instant>> = std::sync::OnceLock::new();
    if let Some(start) = START.get_or_init(|| std::env::var_os("KUBECTL_RELEASE_TRACE").map(|_| Instant::now())) {
        eprintln!("[trace {:7.1} ms] {step}", start.elapsed().as_secs_f64() * 1000.0);
    }
}

/// How long an operation may run past its `--timeout` to record how it ended.
const RECORD_GRACE: Duration = Duration::from_secs(10);

/// Bounds every request of an operation by its `--timeout` (plus [`RECORD_GRACE`]): a server that
/// accepts requests and never answers cannot hold the operation forever. A revision left pending
/// because the outcome could not be recorded carries a lease that explains it.
fn bound(cluster: &dyn ClusterApi, timeout: Duration) {
    cluster.set_deadline(Some(Instant::now() + timeout + RECORD_GRACE));
}

/// Helm's release name rule: DNS-1123 subdomain-ish, at most 53 characters.
pub fn validate_release_name(name: &str) -> Result<(), ActionError> {
    const RE: &str = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    if name.is_empty() {
        return Err(err("release name \"\": no name provided"));
    }
    let ok = regex::Regex::new(RE).map(|re| re.is_match(name)).unwrap_or(false);
    if !ok || name.len() > 53 {
        return Err(err(format!(
            "release name {name:?}: invalid release name, must match regex {RE} and the length must not be longer than 53"
        )));
    }
    Ok(())
}

/// `.Capabilities` from the cluster: its version and every served API version.
pub fn cluster_capabilities(cluster: &dyn ClusterApi) -> Result<CapabilitiesInput, ActionError> {
    Ok(CapabilitiesInput { kube_version: Some(cluster.server_version()?), api_versions: cluster.api_versions()? })
}

/// `--dry-run`: `Client` needs no cluster; `Server` reads the cluster (capabilities, `lookup`, the name
/// and ownership checks) but changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DryRun {
    #[default]
    None,
    Client,
    Server,
}

impl DryRun {
    pub fn is_dry(self) -> bool {
        self != DryRun::None
    }
}

/// `--wait`, Helm v4's strategies: `HookOnly` (no `--wait`) waits for hooks only; `Watcher` (bare `--wait`)
/// and `Legacy` also wait until every object of the release is ready (kstatus rules, `ready`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WaitStrategy {
    #[default]
    HookOnly,
    Watcher,
    Legacy,
}
