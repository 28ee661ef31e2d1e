//! Link options of the kubectl-chart binary: position-dependent, with the code a `template` run
//! executes placed together (see `bench/hot-symbols`).

use std::env;
use std::path::Path;

/// Symbols of the code `template` runs execute, one a line, written by `bench/hot-symbols`.
const HOT_SYMBOLS: &str = "hot-symbols.txt";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={HOT_SYMBOLS}");
    println!("cargo:rerun-if-env-changed=KUBECTL_CHART_LINK_MAP");
    let target = env::var("TARGET").unwrap_or_default();
    if !target.ends_with("-linux-gnu") {
        return;
    }
    // Position-dependent: the loader has no relocations to apply, so the binary's read-only data stays
    // shared with the page cache instead of being copied into every run (about 0.8 MiB).
    println!("cargo:rustc-link-arg-bins=-no-pie");
    if let Some(map) = env::var_os("KUBECTL_CHART_LINK_MAP") {
        println!("cargo:rustc-link-arg-bins=-Wl,-Map={},--no-demangle", Path::new(&map).display());
    }
    // The kernel maps a binary's code 64 KiB around each page first executed: scattered hot code keeps
    // several MiB of cold code resident. Listing the hot functions first packs them together. Only
    // rust-lld (the default linker of this target) is known to take the list.
    let custom_linker = env::var_os("RUSTC_LINKER").is_some()
        || env::var("CARGO_ENCODED_RUSTFLAGS")
            .is_ok_and(|f| ["linker", "fuse-ld", "link-self-contained"].iter().any(|o| f.contains(o)));
    let hot = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join(HOT_SYMBOLS);
    if target == "x86_64-unknown-linux-gnu" && !custom_linker && hot.exists() {
        println!("cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}", hot.display());
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}
