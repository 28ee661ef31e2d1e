//! Releases: the record Helm stores (`record`), storage drivers behind one trait (`storage`: memory;
//! `kubedriver`: Secret and ConfigMap on a cluster; `sqldriver`: Helm's SQL driver on PostgreSQL),
//! what actions need from a cluster (`cluster`), the
//! operations (`actions`), the charts' CRDs on install, upgrade and rollback (`crds`), readiness for
//! `--wait` (`ready`), Helm's output forms (`print`) and helm-diff's object-by-object comparison of two
//! manifests (`diff`), and drift: live objects against a dry run of the release's (`drift`).

pub mod cluster;
pub mod diff;
pub mod drift;
pub mod print;
pub mod ready;
pub mod record;
pub mod storage;

#[cfg(feature = "cluster")]
pub mod kubedriver;
#[cfg(feature = "cluster")]
pub mod sqldriver;

#[cfg(feature = "render")]
pub mod actions;
#[cfg(feature = "render")]
pub mod crds;

pub use record::Release;
pub use storage::{Driver, Storage, StorageError};
