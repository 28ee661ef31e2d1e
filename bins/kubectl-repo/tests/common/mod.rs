//! kubectl-repo's end-to-end helpers: the shared kit (`tests/support`) and running this binary.
#![allow(dead_code, unused_imports)]

pub use kubehelm_test_support::*;

use std::path::Path;
use std::process::Output;

pub fn ours(dir: &Path, home: &Path, args: &[&str]) -> Output {
    run_bin(env!("CARGO_BIN_EXE_kubectl-repo"), dir, home, args)
}
