//! Fuzz target: any bytes as YAML never panic; whatever reads writes back as toYaml and reads the same.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = goyaml::from_str_all(text);
    if let Ok(v) = goyaml::from_str(text) {
        if let Ok(out) = goyaml::try_to_string(&v) {
            let back = goyaml::from_str(&out).expect("toYaml output reads back");
            assert_eq!(goyaml::try_to_string(&back).ok(), Some(out), "toYaml is not stable");
        }
    }
});
