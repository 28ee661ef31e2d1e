//! OCI references as Helm reads them (`registry.newReference` over oras-go's `ParseReference`):
//! `[oci://]registry/repository[:tag][@digest]`, with Helm's `+` → `_` tag mapping and oras-go's
//! validation messages.

use std::sync::OnceLock;

use regex::Regex;

use super::Error;
use crate::repo::url::GoUrl;

/// The `oci://` scheme prefix.
pub const OCI_SCHEME: &str = "oci";

/// `registry.IsOCI`: does the text start with `oci://`?
pub fn is_oci(url: &str) -> bool {
    url.starts_with("oci://")
}

/// A parsed reference. `tag` is the registry-side tag (`_` where the chart version has `+`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reference {
    /// `host[:port]`.
    pub registry: String,
    pub repository: String,
    pub tag: String,
    pub digest: String,
}

struct Patterns {
    repository: Regex,
    tag: Regex,
    digest: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        repository: Regex::new(r"^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*)*$")
            .expect("constant pattern"),
        tag: Regex::new(r"^[\w][\w.-]{0,127}$").expect("constant pattern"),
        digest: Regex::new(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$").expect("constant pattern"),
    })
}

fn invalid(what: String) -> Error {
    Error::new(format!("invalid reference: {what}"))
}

/// Validates an `algorithm:hex` digest as go-digest does (sha256: 64, sha384: 96, sha512: 128 lowercase hex).
pub fn validate_digest(d: &str) -> Result<(), String> {
    if !patterns().digest.is_match(d) {
        return Err("invalid checksum digest format".into());
    }
    let (alg, hex) = d.split_once(':').unwrap_or((d, ""));
    let len = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err("unsupported digest algorithm".into()),
    };
    if hex.len() != len || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err("invalid checksum digest length".into());
    }
    Ok(())
}

/// oras-go's `registry.ParseReference`.
fn parse_oras(artifact: &str) -> Result<(String, String, String, bool), Error> {
    let Some((registry, path)) = artifact.split_once('/') else {
        return Err(invalid("missing registry or repository".into()));
    };
    let (repository, reference, is_tag) = if let Some(i) = path.find('@') {
        let repo = &path[..i];
        let repo = repo.split_once(':').map(|(r, _)| r).unwrap_or(repo);
        (repo, &path[i + 1..], false)
    } else if let Some(i) = path.find(':') {
        (&path[..i], &path[i + 1..], true)
    } else {
        (path, "", false)
    };
    let host_ok = GoUrl::parse(&format!("dummy://{registry}")).is_ok_and(|u| u.host == registry);
    if !host_ok || registry.is_empty() {
        return Err(invalid(format!("invalid registry {}", quote(registry))));
    }
    if !patterns().repository.is_match(repository) {
        return Err(invalid(format!("invalid repository {}", quote(repository))));
    }
    if !reference.is_empty() {
        if is_tag {
            if !patterns().tag.is_match(reference) {
                return Err(invalid(format!("invalid tag {}", quote(reference))));
            }
        } else if let Err(e) = validate_digest(reference) {
            return Err(invalid(format!("invalid digest {}: {e}", quote(reference))));
        }
    }
    Ok((registry.to_string(), repository.to_string(), reference.to_string(), is_tag))
}

impl Reference {
    /// Helm's `newReference`: strips `oci://`, splits off `@digest`, maps `+` to `_` in the tag.
    pub fn parse(raw: &str) -> Result<Reference, Error> {
        let mut raw = raw.strip_prefix("oci://").unwrap_or(raw).to_string();
        let mut digest = String::new();
        if let Some(i) = raw.rfind('@') {
            digest = raw[i + 1..].to_string();
            raw.truncate(i);
        }
        let parts: Vec<&str> = raw.split(':').collect();
        if parts.len() > 1 {
            let tag = parts[parts.len() - 1];
            if !tag.contains('/') && !tag.is_empty() {
                let new_tag = tag.replace('+', "_");
                raw = raw.replace(tag, &new_tag);
            }
        }
        let (registry, repository, reference, is_tag) = parse_oras(&raw)?;
        // Without a digest split off above, a `@` cannot remain; an oras digest form only
        // arises through odd input, which Helm keeps as the tag field as well.
        let tag = if is_tag || digest.is_empty() { reference } else { String::new() };
        if !digest.is_empty() {
            if let Err(e) = validate_digest(&digest) {
                return Err(invalid(format!("invalid digest {}: {e}", quote(&digest))));
            }
        }
        Ok(Reference { registry, repository, tag, digest })
    }

    /// Helm's `reference.String()`: `registry/repository:tag`, or `registry/repository@digest` when there
    /// is no tag.
    pub fn to_ref_string(&self) -> String {
        let base = format!("{}/{}", self.registry, self.repository);
        if self.tag.is_empty() {
            if self.digest.is_empty() {
                base
            } else {
                format!("{base}@{}", self.digest)
            }
        } else {
            format!("{base}:{}", self.tag)
        }
    }

    /// What to ask the registry for: the tag when there is one, else the digest.
    pub fn manifest_reference(&self) -> &str {
        if self.tag.is_empty() {
            &self.digest
        } else {
            &self.tag
        }
    }
}

fn quote(s: &str) -> String {
    crate::chart::metadata_quote(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_helm_references() {
        let r = Reference::parse("oci://localhost:5000/charts/nginx:1.2.3+build.1").unwrap();
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.repository, "charts/nginx");
        assert_eq!(r.tag, "1.2.3_build.1");
        assert_eq!(r.to_ref_string(), "localhost:5000/charts/nginx:1.2.3_build.1");
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("oci://reg.io/a/b@{d}")).unwrap();
        assert_eq!((r.tag.as_str(), r.digest.as_str()), ("", d.as_str()));
        assert_eq!(r.to_ref_string(), format!("reg.io/a/b@{d}"));
        let r = Reference::parse(&format!("reg.io/a/b:1.0.0@{d}")).unwrap();
        assert_eq!((r.tag.as_str(), r.digest.as_str()), ("1.0.0", d.as_str()));
        let r = Reference::parse("reg.io/a/b").unwrap();
        assert_eq!(r.to_ref_string(), "reg.io/a/b");
    }

    #[test]
    fn rejects_with_oras_messages() {
        let e = |s: &str| Reference::parse(s).unwrap_err().to_string();
        assert_eq!(e("oci://nohost"), "invalid reference: missing registry or repository");
        assert_eq!(e("oci://reg.io/Upper/case"), "invalid reference: invalid repository \"Upper/case\"");
        assert_eq!(e("oci://reg.io/a:bad tag"), "invalid reference: invalid tag \"bad tag\"");
        assert!(e("oci://reg.io/a@sha256:abc").starts_with("invalid reference: invalid digest \"sha256:abc\""));
        assert!(Reference::parse("oci://").is_err());
        assert!(Reference::parse("oci:///x").is_err());
        assert!(is_oci("oci://x/y") && !is_oci("https://x"));
    }
}
