//! The two semver questions chart loading and dependency processing ask, answered with Masterminds
//! semantics by gosemver: is a chart version valid, and does a version satisfy a range.

/// Masterminds `NewVersion` (coercing, as Helm's chart validation uses it) accepts `v`.
pub(crate) fn is_valid_version(v: &str) -> bool {
    gosemver::Version::parse(v).is_ok()
}

/// Helm's `IsCompatibleRange(constraint, version)`: false when either does not parse.
pub(crate) fn is_compatible_range(constraint: &str, version: &str) -> bool {
    match (gosemver::Constraints::parse(constraint), gosemver::Version::parse(version)) {
        (Ok(c), Ok(v)) => c.check(&v),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_ranges() {
        assert!(is_valid_version("1.2.3"));
        assert!(is_valid_version("v1.2"));
        assert!(!is_valid_version("1.2.3.4"));
        assert!(is_compatible_range("~1.0", "1.0.4"));
        assert!(is_compatible_range(">= 1.20.0-0", "1.29.3-gke.1001"));
        assert!(!is_compatible_range("2.x", "1.0.4"));
        assert!(!is_compatible_range("", "1.0.0"));
    }
}
