//! kubectl-chart's end-to-end helpers: the shared kit (`tests/support`) and running this binary, which
//! these tests compare with the reference Helm v4.1.4 and so run in the Helm v4.1 mode.
#![allow(dead_code, unused_imports)]

pub use kubehelm_test_support::*;

use std::path::Path;
use std::process::Output;

/// As the kit's `run_bin`, with `KUBEHELM_COMPAT=v4.1` (Helm ignores it; ours then matches Helm v4.1.4).
pub fn run_bin(bin: &str, dir: &Path, home: &Path, args: &[&str]) -> Output {
    command(bin, dir, home, args)
        .env("KUBEHELM_COMPAT", "v4.1")
        .output()
        .unwrap()
}

pub fn ours(dir: &Path, home: &Path, args: &[&str]) -> Output {
    run_bin(env!("CARGO_BIN_EXE_kubectl-chart"), dir, home, args)
}
