//! Sprig v3.3's template functions (Helm's set: everything but `env` and `expandenv`) for gotemplate.

use gotemplate::FuncMap;

pub mod crypto;

/// Every Sprig function Helm exposes, by name.
pub fn funcs() -> FuncMap {
    let mut map = FuncMap::new();
    crypto::register(&mut map);
    map
}
