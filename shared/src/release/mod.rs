//! Releases: the record Helm stores (`record`), storage drivers behind one trait (`storage`: memory;
//! `kubedriver`: Secret and ConfigMap on a cluster), what actions need from a cluster (`cluster`), the
//! operations (`actions`), readiness for `--wait` (`ready`) and Helm's output forms (`print`).

pub mod cluster;
pub mod print;
pub mod ready;
pub mod record;
pub mod storage;

#[cfg(feature = "cluster")]
pub mod kubedriver;

#[cfg(feature = "render")]
pub mod actions;

pub use record::Release;
pub use storage::{Driver, Storage, StorageError};
