//! Fuzz target: any text as a Go template (parse, then execute with Sprig and sample data) never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let mut set = gotemplate::Templates::new(gosprig::funcs());
        if set.add("t", text).is_ok() {
            let values = serde_json::json!({"a": 1, "b": "x", "l": [1, 2], "m": {"k": null}});
            let _ = set.execute("t", &gotemplate::Value::from_json(&values));
        }
    }
});
