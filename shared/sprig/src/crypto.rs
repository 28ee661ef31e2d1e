//! Sprig's crypto, random, UUID and semver functions (genCA, genPrivateKey, bcrypt, randAlphaNum, …).
//!
//! STUB: the real implementation registers its functions here.

use gotemplate::FuncMap;

pub fn register(map: &mut FuncMap) {
    let _ = map;
}
