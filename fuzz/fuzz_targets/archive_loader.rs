//! cargo-fuzz target: chart archives and chart streams from arbitrary bytes (`cargo +nightly fuzz run
//! archive_loader`, or `RUSTC_BOOTSTRAP=1 cargo fuzz run archive_loader`).
#![no_main]

#[path = "../check.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    check::archive_loader(data);
});
