//! Sprig v3.3's template functions (Helm's set: everything but `env` and `expandenv`) for gotemplate.
//!
//! One module per Sprig source file; each has a `register` adding its functions with their Go
//! signatures. Crypto, random, UUID and semver functions live in `crypto`.
//!
//! ```
//! let funcs = gosprig::funcs();
//! assert!(funcs.contains_key("nindent"));
//! ```

use gotemplate::FuncMap;

pub mod crypto;
pub mod date;
mod decimal;
mod defaults;
mod dict;
pub mod json;
mod list;
mod numeric;
mod paths;
mod regex;
mod strings;
mod unicode;
mod url;
pub mod util;

/// Every Sprig function Helm exposes, by name.
pub fn funcs() -> FuncMap {
    let mut map = FuncMap::new();
    strings::register(&mut map);
    numeric::register(&mut map);
    defaults::register(&mut map);
    list::register(&mut map);
    dict::register(&mut map);
    regex::register(&mut map);
    date::register(&mut map);
    paths::register(&mut map);
    url::register(&mut map);
    crypto::register(&mut map);
    map
}
