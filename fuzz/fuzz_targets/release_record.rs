//! cargo-fuzz target: `hostile_checks::release_record` on arbitrary bytes (`bench/fuzz` runs every target).
#![no_main]

#[path = "../hostile_checks.rs"]
mod hostile_checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hostile_checks::release_record(data);
});
