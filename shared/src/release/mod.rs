//! Releases: the record Helm stores (`record`), storage drivers behind one trait (`storage`: memory;
//! `kubedriver`: Secret and ConfigMap on a cluster), the operations (`actions`) and Helm's output forms
//! (`print`).

pub mod print;
pub mod record;
pub mod storage;

#[cfg(feature = "cluster")]
pub mod kubedriver;

#[cfg(all(feature = "cluster", feature = "render"))]
pub mod actions;

pub use record::Release;
pub use storage::{Driver, Storage, StorageError};
