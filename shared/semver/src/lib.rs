//! Semantic versions and constraints with the semantics of Masterminds/semver v3 (what Helm uses for
//! dependency versions, `kubeVersion`, `semverCompare` and repository index sorting).
//!
//! STUB: signatures only; the real implementation replaces these bodies.
