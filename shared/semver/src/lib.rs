//! Semantic versions and constraints with the semantics of Masterminds/semver v3.5 (what Helm uses for
//! dependency versions, `kubeVersion`, `semverCompare` and repository index sorting).
//!
//! ```
//! use gosemver::{Constraints, Version};
//!
//! let v = Version::parse("v1.29.3-gke.1001").unwrap();
//! assert_eq!(v.to_string(), "1.29.3-gke.1001");
//! assert!(Constraints::parse(">= 1.20.0-0").unwrap().check(&v));
//! // A prerelease only matches a group that names a prerelease itself.
//! assert!(!Constraints::parse(">= 1.20.0").unwrap().check(&v));
//! assert_eq!(
//!     Constraints::parse("1.2 - 1.4.5").unwrap().validate(&Version::parse("1.5").unwrap()),
//!     Err(vec![r#""1.5.0" is greater than "1.4.5""#.to_string()])
//! );
//! ```

mod constraints;
mod quote;
mod version;

pub use constraints::{Constraints, MAX_CONSTRAINT_GROUPS, MAX_CONSTRAINT_LEN};
pub use version::{Error, Version, MAX_VERSION_LEN};
