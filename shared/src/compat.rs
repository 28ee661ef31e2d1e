//! Which Helm release kubehelm behaves like (v4.3, the default, or v4.1) and the one place that knows
//! what differs between them.
//!
//! Selected with the environment variable `KUBEHELM_COMPAT=v4.1|v4.3` or a binary's `--helm-compat`
//! flag (which wins). Every version-dependent behaviour asks [`current`] (or takes a [`HelmCompat`]):
//!
//! | behaviour | v4.1 (Helm v4.1.4) | v4.3 (Helm v4.3.2) |
//! | --- | --- | --- |
//! | manifest splitting | regex `(?:^\|\s*\n)---\s*`, documents trimmed both sides | regex `(?m)^---[ \t]*`, documents trimmed on the left only (a template's trailing blank lines are kept) |
//! | coalescing chart defaults | `null`s in a chart's values are copied into `.Values` | `null`s in chart defaults are dropped before merging |
//! | default `.Capabilities.KubeVersion` | v1.35.0 | v1.37.0 |
//! | default `.Capabilities.APIVersions` | client-go v0.35's scheme | client-go v0.37's scheme |
//! | `.Capabilities.HelmVersion` | v4.1.4 | v4.3.2 |
//! | functions | Helm v4.1.4's | plus `mustToToml`, `mustToDuration`, `duration*` |
//! | `helm package` gzip header | Extra field = Helm's bare base64 text | an RFC 1952 subfield (`rr`, length) around it |
//! | `semverCompare` errors | `improper constraint: x` | `improper constraint: "x"` (semver v3.5) |
//! | missing-dependency hint | `` `helm dependency build` `` | `'helm dependency build'` |
//! | `rollback` record | no `rollback_revision` | `info.rollback_revision` = the revision rolled back to |
//! | `package` with `SOURCE_DATE_EPOCH` | file times only | file times and Chart.lock's `generated` |
//! | `uninstall` | deletes every object of the manifest | skips objects not owned by the release (labels/annotations) |

use std::sync::atomic::{AtomicU8, Ordering};

/// The environment variable that selects the behaviour.
pub const ENV: &str = "KUBEHELM_COMPAT";

/// A Helm release line whose behaviour kubehelm reproduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelmCompat {
    /// Helm v4.1 (goldens made with v4.1.4).
    V4_1,
    /// Helm v4.3 (goldens made with v4.3.2): the default.
    V4_3,
}

impl Default for HelmCompat {
    fn default() -> Self {
        HelmCompat::V4_3
    }
}

impl std::fmt::Display for HelmCompat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HelmCompat::V4_1 => "v4.1",
            HelmCompat::V4_3 => "v4.3",
        })
    }
}

impl std::str::FromStr for HelmCompat {
    type Err = String;
    /// `v4.1`, `4.1`, `v4.1.4` (any patch) and the same for v4.3.
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let minor = t.strip_prefix("4.").map(|r| r.split('.').next().unwrap_or(""));
        match minor {
            Some("1") if t.split('.').count() <= 3 => Ok(HelmCompat::V4_1),
            Some("3") if t.split('.').count() <= 3 => Ok(HelmCompat::V4_3),
            _ => Err(format!("unknown Helm compatibility {s:?}: use v4.1 or v4.3")),
        }
    }
}

/// The Kubernetes API versions Helm v4.1.4 reports without a cluster (client-go v0.35's scheme, in
/// `PrioritizedVersionsAllGroups` order).
const API_VERSIONS_V4_1: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha1",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// Helm v4.3.2's list (client-go v0.37's scheme): autoscaling/v2beta1 and v2beta2, storagemigration
/// v1beta1's place and scheduling v1alpha1 changed; lifecycle.k8s.io/v1alpha1 is new.
const API_VERSIONS_V4_3: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "lifecycle.k8s.io/v1alpha1",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// `.Capabilities.HelmVersion` fields: (Go field, JSON key, value).
pub type BuildInfo = [(&'static str, &'static str, &'static str); 5];

const HELM_VERSION_V4_1: BuildInfo = [
    ("Version", "version", "v4.1.4"),
    ("GitCommit", "git_commit", "05fa37973dc9e42b76e1d2883494c87174b6074f"),
    ("GitTreeState", "git_tree_state", "clean"),
    ("GoVersion", "go_version", "go1.25.9"),
    ("KubeClientVersion", "kube_client_version", "v1.35"),
];

/// As the reference build reports it (`go install` from the module proxy: no commit or tree state).
const HELM_VERSION_V4_3: BuildInfo = [
    ("Version", "version", "v4.3.2"),
    ("GitCommit", "git_commit", ""),
    ("GitTreeState", "git_tree_state", ""),
    ("GoVersion", "go_version", "go1.26.8"),
    ("KubeClientVersion", "kube_client_version", "v1.37"),
];

/// Functions Helm added to its template function map after v4.1.
const FUNCS_SINCE_V4_3: &[&str] = &[
    "mustToToml",
    "mustToDuration",
    "durationSeconds",
    "durationMilliseconds",
    "durationMicroseconds",
    "durationNanoseconds",
    "durationMinutes",
    "durationHours",
    "durationDays",
    "durationWeeks",
    "durationRoundTo",
    "durationTruncateTo",
];

/// Helm's gzip Extra field before v4.3: the bare text (not a valid RFC 1952 subfield).
const GZIP_EXTRA_V4_1: &[u8] = b"+aHR0cHM6Ly95b3V0dS5iZS96OVV6MWljandyTQo=";
/// From v4.3: subfield id `rr`, little-endian length 40, then the text.
const GZIP_EXTRA_V4_3: &[u8] = b"rr\x28\x00aHR0cHM6Ly95b3V0dS5iZS96OVV6MWljandyTQo=";

impl HelmCompat {
    /// Whether manifest splitting keeps each document's trailing white space (and splits on `---` at any
    /// line start rather than eating the white space around it).
    pub fn keeps_document_trailing_space(self) -> bool {
        self == HelmCompat::V4_3
    }

    /// Whether `null`s in chart defaults are left out of the coalesced values.
    pub fn drops_default_nulls(self) -> bool {
        self == HelmCompat::V4_3
    }

    /// `.Capabilities.KubeVersion` without `--kube-version` or a cluster.
    pub fn default_kube_version(self) -> &'static str {
        match self {
            HelmCompat::V4_1 => "v1.35.0",
            HelmCompat::V4_3 => "v1.37.0",
        }
    }

    /// The API versions reported without a cluster.
    pub fn default_api_versions(self) -> &'static [&'static str] {
        match self {
            HelmCompat::V4_1 => API_VERSIONS_V4_1,
            HelmCompat::V4_3 => API_VERSIONS_V4_3,
        }
    }

    /// `.Capabilities.HelmVersion`.
    pub fn helm_version(self) -> &'static BuildInfo {
        match self {
            HelmCompat::V4_1 => &HELM_VERSION_V4_1,
            HelmCompat::V4_3 => &HELM_VERSION_V4_3,
        }
    }

    /// Whether the template function `name` exists in this version's function map (only the
    /// functions that differ are listed; every other name is left to the engine).
    pub fn has_function(self, name: &str) -> bool {
        self == HelmCompat::V4_3 || !FUNCS_SINCE_V4_3.contains(&name)
    }

    /// The functions added after v4.1.
    pub fn added_functions() -> &'static [&'static str] {
        FUNCS_SINCE_V4_3
    }

    /// Whether semver constraint errors quote the constraint (Masterminds/semver v3.5, in Helm v4.3).
    pub fn quotes_semver_errors(self) -> bool {
        self == HelmCompat::V4_3
    }

    /// The gzip header Extra field `helm package` writes.
    pub fn gzip_extra(self) -> &'static [u8] {
        match self {
            HelmCompat::V4_1 => GZIP_EXTRA_V4_1,
            HelmCompat::V4_3 => GZIP_EXTRA_V4_3,
        }
    }

    /// Whether `rollback` records the revision it went back to (`info.rollback_revision`, Helm v4.3).
    pub fn records_rollback_revision(self) -> bool {
        self == HelmCompat::V4_3
    }

    /// Whether `uninstall` first checks each live object's ownership (`app.kubernetes.io/managed-by:
    /// Helm`, `meta.helm.sh/release-name|namespace`) and leaves the ones it does not own (Helm v4.3).
    pub fn checks_uninstall_ownership(self) -> bool {
        self == HelmCompat::V4_3
    }

    /// Whether `package` with `SOURCE_DATE_EPOCH` also stamps Chart.lock's `generated` (Helm v4.3's
    /// `Chart.StampModTimes`).
    pub fn stamps_lock_generated(self) -> bool {
        self == HelmCompat::V4_3
    }

    /// How the missing-dependencies error names the command that fixes it.
    pub fn dependency_build_hint(self) -> &'static str {
        match self {
            HelmCompat::V4_1 => "`helm dependency build`",
            HelmCompat::V4_3 => "'helm dependency build'",
        }
    }
}

/// 0 = not chosen yet (read the environment), 1 = v4.1, 2 = v4.3.
static CURRENT: AtomicU8 = AtomicU8::new(0);

fn encode(c: HelmCompat) -> u8 {
    match c {
        HelmCompat::V4_1 => 1,
        HelmCompat::V4_3 => 2,
    }
}

/// The behaviour in effect: what [`set`] chose, else `KUBEHELM_COMPAT`, else v4.3. An unreadable
/// `KUBEHELM_COMPAT` counts as unset here; binaries reject it up front through [`init`].
pub fn current() -> HelmCompat {
    match CURRENT.load(Ordering::Relaxed) {
        1 => HelmCompat::V4_1,
        2 => HelmCompat::V4_3,
        _ => {
            let c = from_env().ok().flatten().unwrap_or_default();
            CURRENT.store(encode(c), Ordering::Relaxed);
            c
        }
    }
}

/// Choose the behaviour for the rest of the process.
pub fn set(c: HelmCompat) {
    CURRENT.store(encode(c), Ordering::Relaxed);
}

/// `KUBEHELM_COMPAT` if set and not empty.
pub fn from_env() -> Result<Option<HelmCompat>, String> {
    match std::env::var(ENV) {
        Ok(v) if !v.trim().is_empty() => v.parse().map(Some).map_err(|e| format!("{ENV}: {e}")),
        _ => Ok(None),
    }
}

/// For binaries: the `--helm-compat` flag if given, else the environment; an unknown value is an error.
pub fn init(flag: Option<&str>) -> Result<HelmCompat, String> {
    let c = match flag {
        Some(f) => f.parse().map_err(|e| format!("--helm-compat: {e}"))?,
        None => from_env()?.unwrap_or_default(),
    };
    set(c);
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!("v4.1".parse::<HelmCompat>(), Ok(HelmCompat::V4_1));
        assert_eq!("4.3".parse::<HelmCompat>(), Ok(HelmCompat::V4_3));
        assert_eq!("v4.1.4".parse::<HelmCompat>(), Ok(HelmCompat::V4_1));
        assert_eq!("v4.3.2".parse::<HelmCompat>(), Ok(HelmCompat::V4_3));
        assert!("v4.2".parse::<HelmCompat>().is_err());
        assert!("v4.10".parse::<HelmCompat>().is_err());
        assert!("v3".parse::<HelmCompat>().is_err());
        assert_eq!(HelmCompat::V4_1.to_string(), "v4.1");
    }

    #[test]
    fn the_differences() {
        assert_eq!(HelmCompat::default(), HelmCompat::V4_3);
        assert_eq!(HelmCompat::V4_1.default_kube_version(), "v1.35.0");
        assert_eq!(HelmCompat::V4_3.default_kube_version(), "v1.37.0");
        assert!(!HelmCompat::V4_1.has_function("mustToToml"));
        assert!(HelmCompat::V4_3.has_function("durationSeconds"));
        assert!(HelmCompat::V4_1.has_function("toToml"));
        // RFC 1952: SI1 SI2 LEN(le16) then LEN bytes.
        let x = HelmCompat::V4_3.gzip_extra();
        assert_eq!(&x[..2], b"rr");
        assert_eq!(u16::from_le_bytes([x[2], x[3]]) as usize, x.len() - 4);
        assert_eq!(&x[4..], &HelmCompat::V4_1.gzip_extra()[1..]);
    }
}
