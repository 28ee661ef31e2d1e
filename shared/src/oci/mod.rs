//! Helm charts in OCI registries, as Helm's `pkg/registry` (over oras-go) does it: references with
//! Helm's `+` ↔ `_` tag mapping ([`Reference`]), credentials from Helm's registry config with Docker's
//! as fallback ([`credentials`]), and a [`Client`] that lists tags, resolves, pulls and pushes charts
//! with Helm's media types and annotations.
//!
//! The client speaks the distribution API v2 itself over the library's one HTTP stack (ureq, in
//! `repo::http`) rather than through the `oci-client` crate: oci-client is async and brings
//! reqwest/hyper/tokio, a second HTTP and TLS configuration next to ureq's; it reads no credential
//! stores (Helm's registry config and Docker's must be read anyway); and Helm's exact behaviour
//! (oras-go's auth flow and error texts, the manifest Helm writes byte for byte so digests match
//! Helm's, the tag and descriptor rules of `registry.Client`) is a few hundred lines on top of
//! plain HTTP requests.
//!
//! ```no_run
//! use kubehelm::oci::{Client, ClientOptions, PullOptions};
//! let client = Client::new(ClientOptions { plain_http: true, ..Default::default() }).unwrap();
//! let tags = client.tags("localhost:5000/charts/nginx").unwrap();
//! let pulled = client.pull(&format!("localhost:5000/charts/nginx:{}", tags[0]), PullOptions::default()).unwrap();
//! assert_eq!(pulled.metadata.name, "nginx");
//! ```

mod client;
pub mod credentials;
pub mod login;
mod reference;

pub use client::{
    chart_annotations, sha256_digest, Blob, Client, ClientOptions, Descriptor, PullOptions, PullResult, PushOptions,
    PushResult, INDEX_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, UNDERSCORE_MESSAGE,
};
pub use reference::{is_oci, validate_digest, Reference, OCI_SCHEME};

use std::fmt;

/// Helm's chart config media type.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
/// Helm's chart archive layer media type.
pub const CHART_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// Helm's provenance layer media type.
pub const PROV_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.provenance.v1.prov";
/// The chart layer media type of Helm 3.0–3.7 (still read, with a warning).
pub const LEGACY_CHART_LAYER_MEDIA_TYPE: &str = "application/tar+gzip";

/// A registry error, in Helm's (oras-go's) words, naming the reference or URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Error {
        Error { message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Helm's `GetTagMatchingVersionOrConstraint`: an exact tag first, else the first (highest) tag the
/// constraint accepts; any tag for an empty version.
pub fn tag_matching(tags: &[String], version: &str) -> Result<String, Error> {
    if !version.is_empty() {
        if let Some(t) = tags.iter().find(|t| *t == version) {
            return Ok(t.clone());
        }
    }
    let c = gosemver::Constraints::parse(if version.is_empty() { "*" } else { version })
        .map_err(|e| Error::new(e.to_string()))?;
    for t in tags {
        if let Ok(v) = gosemver::Version::parse(t) {
            if c.check(&v) {
                return Ok(t.clone());
            }
        }
    }
    Err(Error::new(format!("could not locate a version matching provided version string {version}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tag_matching_like_helm() {
        let tags: Vec<String> = ["2.0.0", "1.5.0+b", "1.2.0"].iter().map(|s| s.to_string()).collect();
        assert_eq!(super::tag_matching(&tags, "").unwrap(), "2.0.0");
        assert_eq!(super::tag_matching(&tags, "~1").unwrap(), "1.5.0+b");
        assert_eq!(super::tag_matching(&tags, "1.2.0").unwrap(), "1.2.0");
        assert!(super::tag_matching(&tags, "^3").is_err());
    }
}
