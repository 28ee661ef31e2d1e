//! The library behind the kubectl plugins `chart`, `repo` and `release`: every behaviour lives here, the
//! binaries only parse arguments and print.

pub mod chart;
pub mod chartref;
pub mod compat;
#[cfg(feature = "cli")]
pub mod cli;
// Cluster access (kube-rs): only with the `cluster` feature, which only kubectl-release enables.
#[cfg(feature = "cluster")]
pub mod kube;
pub mod dependency;
// The renderer compiles once the template engine and values modules it builds on are in place.
#[cfg(feature = "render")]
pub mod render;
// Lint renders the chart, so it comes with the renderer.
#[cfg(feature = "render")]
pub mod lint;
pub mod oci;
pub mod provenance;
pub mod release;
pub mod repo;
pub mod stream;
pub mod values;

pub use gotemplate as template;
pub use goyaml as yaml;
