//! One semantic version: Masterminds' loose (`NewVersion`) and strict (`StrictNewVersion`) parsers,
//! its `String()` form, increments and its ordering (`Compare`).

use crate::quote::go_quote;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// Longest version string the parsers accept, in bytes (Masterminds' `MaxVersionLen`).
pub const MAX_VERSION_LEN: usize = 256;

/// A parse failure, displayed with Masterminds' error text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// `invalid semantic version`
    InvalidSemVer,
    /// `version string empty`
    EmptyString,
    /// `invalid characters in version`
    InvalidCharacters,
    /// `version segment starts with 0`
    SegmentStartsZero,
    /// `invalid metadata string`
    InvalidMetadata,
    /// `invalid prerelease string`
    InvalidPrerelease,
    /// `version string is too long (max 256 bytes)`
    VersionTooLong,
    /// A number segment that Go's `strconv.ParseUint` rejects (`strconv.ParseUint: parsing "…": …`).
    /// `wrapped` adds `NewVersion`'s `error parsing version segment: ` prefix.
    ParseUint {
        input: String,
        out_of_range: bool,
        wrapped: bool,
    },
    /// `constraint string is too long (max 512 bytes)`
    ConstraintTooLong,
    /// `too many constraint groups (max 32)`
    TooManyConstraintGroups,
    /// `improper constraint: "…"` with the offending `||` group or constraint.
    ImproperConstraint(String),
    /// `constraint parser error`: the constraint looked right but its version did not parse.
    ConstraintParser,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidSemVer => f.write_str("invalid semantic version"),
            Error::EmptyString => f.write_str("version string empty"),
            Error::InvalidCharacters => f.write_str("invalid characters in version"),
            Error::SegmentStartsZero => f.write_str("version segment starts with 0"),
            Error::InvalidMetadata => f.write_str("invalid metadata string"),
            Error::InvalidPrerelease => f.write_str("invalid prerelease string"),
            Error::VersionTooLong => {
                write!(
                    f,
                    "version string is too long (max {MAX_VERSION_LEN} bytes)"
                )
            }
            Error::ParseUint {
                input,
                out_of_range,
                wrapped,
            } => {
                if *wrapped {
                    f.write_str("error parsing version segment: ")?;
                }
                let why = if *out_of_range {
                    "value out of range"
                } else {
                    "invalid syntax"
                };
                write!(f, "strconv.ParseUint: parsing {}: {why}", go_quote(input))
            }
            Error::ConstraintTooLong => write!(
                f,
                "constraint string is too long (max {} bytes)",
                crate::constraints::MAX_CONSTRAINT_LEN
            ),
            Error::TooManyConstraintGroups => write!(
                f,
                "too many constraint groups (max {})",
                crate::constraints::MAX_CONSTRAINT_GROUPS
            ),
            Error::ImproperConstraint(s) => write!(f, "improper constraint: {}", go_quote(s)),
            Error::ConstraintParser => f.write_str("constraint parser error"),
        }
    }
}

impl std::error::Error for Error {}

/// A semantic version. Equality and ordering follow Masterminds' `Compare`: build metadata is ignored,
/// so `1.2.3+a == 1.2.3+b`.
#[derive(Debug, Clone)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
}

/// Go's `strconv.ParseUint(s, 10, 64)`.
fn parse_uint(s: &str, wrapped: bool) -> Result<u64, Error> {
    let err = |out_of_range| Error::ParseUint {
        input: s.to_string(),
        out_of_range,
        wrapped,
    };
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(false));
    }
    s.parse::<u64>().map_err(|_| err(true))
}

/// Go's `strconv.ParseUint` as a predicate: is this prerelease part a number?
fn numeric(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u64>().ok()
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// Masterminds' `validatePrerelease`.
fn validate_prerelease(p: &str) -> Result<(), Error> {
    for part in p.split('.') {
        if part.is_empty() {
            return Err(Error::InvalidPrerelease);
        } else if part.chars().all(|c| c.is_ascii_digit()) {
            if part.len() > 1 && part.starts_with('0') {
                return Err(Error::SegmentStartsZero);
            }
        } else if !part.chars().all(is_ident_char) {
            return Err(Error::InvalidPrerelease);
        }
    }
    Ok(())
}

/// Masterminds' `validateMetadata`.
fn validate_metadata(m: &str) -> Result<(), Error> {
    for part in m.split('.') {
        if part.is_empty() || !part.chars().all(is_ident_char) {
            return Err(Error::InvalidMetadata);
        }
    }
    Ok(())
}

/// Whether `s` is a non-empty dot-separated list of non-empty `[0-9A-Za-z-]` identifiers.
fn is_ident_list(s: &str) -> bool {
    s.split('.')
        .all(|p| !p.is_empty() && p.chars().all(is_ident_char))
}

/// Split `s` by Masterminds' loose pattern
/// `^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-(ident(\.ident)*))?(\+(ident(\.ident)*))?$`
/// into (major, minor, patch, prerelease, metadata) texts. The pattern is unambiguous, so a
/// left-to-right scan gives the same groups as Go's regexp.
fn split_loose(s: &str) -> Option<(&str, &str, &str, &str, &str)> {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'v'));
    let digits = |from: usize| {
        let mut j = from;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        j
    };
    let end = digits(i);
    if end == i {
        return None;
    }
    let major = &s[i..end];
    i = end;
    let mut minor = "";
    let mut patch = "";
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(|c| c.is_ascii_digit()) {
        let end = digits(i + 1);
        minor = &s[i + 1..end];
        i = end;
        if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(|c| c.is_ascii_digit()) {
            let end = digits(i + 1);
            patch = &s[i + 1..end];
            i = end;
        }
    }
    let rest = &s[i..];
    let (pre_part, meta_part) = match rest.find('+') {
        Some(p) => (&rest[..p], Some(&rest[p + 1..])),
        None => (rest, None),
    };
    let pre = if pre_part.is_empty() {
        ""
    } else {
        let pre = pre_part.strip_prefix('-')?;
        if !is_ident_list(pre) {
            return None;
        }
        pre
    };
    let meta = match meta_part {
        None => "",
        Some(m) if is_ident_list(m) => m,
        Some(_) => return None,
    };
    Some((major, minor, patch, pre, meta))
}

impl Version {
    /// Masterminds' `NewVersion` (with its default `CoerceNewVersion`): an optional `v`, missing minor
    /// and patch default to 0, leading zeros are accepted, prerelease and build metadata are checked.
    pub fn parse(s: &str) -> Result<Version, Error> {
        if s.len() > MAX_VERSION_LEN {
            return Err(Error::VersionTooLong);
        }
        let (major, minor, patch, pre, meta) = split_loose(s).ok_or(Error::InvalidSemVer)?;
        let major = parse_uint(major, true)?;
        let minor = if minor.is_empty() {
            0
        } else {
            parse_uint(minor, true)?
        };
        let patch = if patch.is_empty() {
            0
        } else {
            parse_uint(patch, true)?
        };
        if !pre.is_empty() {
            validate_prerelease(pre)?;
        }
        if !meta.is_empty() {
            validate_metadata(meta)?;
        }
        Ok(Version {
            major,
            minor,
            patch,
            pre: pre.to_string(),
            metadata: meta.to_string(),
            original: s.to_string(),
        })
    }

    /// Masterminds' `StrictNewVersion`: exactly `MAJOR.MINOR.PATCH[-pre][+meta]`, no `v`, no leading
    /// zeros.
    pub fn parse_strict(s: &str) -> Result<Version, Error> {
        if s.is_empty() {
            return Err(Error::EmptyString);
        }
        if s.len() > MAX_VERSION_LEN {
            return Err(Error::VersionTooLong);
        }
        let mut parts = s.splitn(3, '.');
        let (Some(p0), Some(p1), Some(p2)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::InvalidSemVer);
        };
        let mut last = p2;
        let mut metadata = "";
        if let Some((head, meta)) = last.split_once('+') {
            metadata = meta;
            last = head;
            validate_metadata(metadata)?;
        }
        let mut pre = "";
        if let Some((head, p)) = last.split_once('-') {
            pre = p;
            last = head;
            validate_prerelease(pre)?;
        }
        for p in [p0, p1, last] {
            if !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::InvalidCharacters);
            }
            if p.len() > 1 && p.starts_with('0') {
                return Err(Error::SegmentStartsZero);
            }
        }
        Ok(Version {
            major: parse_uint(p0, false)?,
            minor: parse_uint(p1, false)?,
            patch: parse_uint(last, false)?,
            pre: pre.to_string(),
            metadata: metadata.to_string(),
            original: s.to_string(),
        })
    }

    /// Masterminds' `New`: a version from its parts (prerelease and metadata are not validated).
    pub fn new(major: u64, minor: u64, patch: u64, pre: &str, metadata: &str) -> Version {
        let mut v = Version {
            major,
            minor,
            patch,
            pre: pre.to_string(),
            metadata: metadata.to_string(),
            original: String::new(),
        };
        v.original = v.to_string();
        v
    }

    pub fn major(&self) -> u64 {
        self.major
    }
    pub fn minor(&self) -> u64 {
        self.minor
    }
    pub fn patch(&self) -> u64 {
        self.patch
    }
    /// The prerelease without its `-` (empty when there is none).
    pub fn prerelease(&self) -> &str {
        &self.pre
    }
    /// The build metadata without its `+` (empty when there is none).
    pub fn metadata(&self) -> &str {
        &self.metadata
    }
    /// The text the version was parsed from (`v1.2` stays `v1.2`; `to_string()` gives `1.2.0`).
    pub fn original(&self) -> &str {
        &self.original
    }

    fn v_prefix(&self) -> &'static str {
        if self.original.starts_with('v') {
            "v"
        } else {
            ""
        }
    }

    fn with_original(mut self, prefix: &str) -> Version {
        self.original = format!("{prefix}{self}");
        self
    }

    /// Masterminds' `IncPatch`: a prerelease version drops its prerelease (1.2.3-a → 1.2.3), others
    /// bump the patch. Metadata is dropped. `None` where Go would panic on overflow.
    pub fn inc_patch(&self) -> Option<Version> {
        let mut next = self.clone();
        next.metadata.clear();
        if self.pre.is_empty() {
            next.patch = self.patch.checked_add(1)?;
        }
        next.pre.clear();
        Some(next.with_original(self.v_prefix()))
    }

    /// Masterminds' `IncMinor`. `None` where Go would panic on overflow.
    pub fn inc_minor(&self) -> Option<Version> {
        let mut next = self.clone();
        next.metadata.clear();
        next.pre.clear();
        next.patch = 0;
        next.minor = self.minor.checked_add(1)?;
        Some(next.with_original(self.v_prefix()))
    }

    /// Masterminds' `IncMajor`. `None` where Go would panic on overflow.
    pub fn inc_major(&self) -> Option<Version> {
        let mut next = self.clone();
        next.metadata.clear();
        next.pre.clear();
        next.patch = 0;
        next.minor = 0;
        next.major = self.major.checked_add(1)?;
        Some(next.with_original(self.v_prefix()))
    }

    /// Masterminds' `SetPrerelease` (without the leading `-`; empty removes it).
    pub fn set_prerelease(&self, pre: &str) -> Result<Version, Error> {
        if !pre.is_empty() {
            validate_prerelease(pre)?;
        }
        let mut next = self.clone();
        next.pre = pre.to_string();
        Ok(next.with_original(self.v_prefix()))
    }

    /// Masterminds' `SetMetadata` (without the leading `+`; empty removes it).
    pub fn set_metadata(&self, metadata: &str) -> Result<Version, Error> {
        if !metadata.is_empty() {
            validate_metadata(metadata)?;
        }
        let mut next = self.clone();
        next.metadata = metadata.to_string();
        Ok(next.with_original(self.v_prefix()))
    }

    /// Masterminds' `Compare`: -1, 0 or 1 as an `Ordering`. Build metadata is ignored.
    pub fn compare(&self, o: &Version) -> Ordering {
        self.major
            .cmp(&o.major)
            .then(self.minor.cmp(&o.minor))
            .then(self.patch.cmp(&o.patch))
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &o.pre),
            })
    }
}

/// Masterminds' `comparePrerelease`: dot-separated parts, a missing part sorts first.
pub(crate) fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let mut pa = a.split('.');
    let mut pb = b.split('.');
    loop {
        match (pa.next(), pb.next()) {
            (None, None) => return Ordering::Equal,
            (x, y) => {
                let d = compare_pre_part(x.unwrap_or(""), y.unwrap_or(""));
                if d != Ordering::Equal {
                    return d;
                }
            }
        }
    }
}

/// Masterminds' `comparePrePart`: numbers sort before words, numbers numerically, words bytewise.
fn compare_pre_part(s: &str, o: &str) -> Ordering {
    if s == o {
        return Ordering::Equal;
    }
    if s.is_empty() {
        return Ordering::Less;
    }
    if o.is_empty() {
        return Ordering::Greater;
    }
    match (numeric(s), numeric(o)) {
        (None, None) => s.cmp(o),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        // Equal numbers with different spellings (`01` vs `1`) count as greater, as in Go.
        (Some(a), Some(b)) => {
            if a > b {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

impl fmt::Display for Version {
    /// Masterminds' `String()`: `MAJOR.MINOR.PATCH[-pre][+meta]`, no `v`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

impl FromStr for Version {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.compare(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.compare(other)
    }
}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.major, self.minor, self.patch).hash(state);
        // Equal prereleases may be spelled differently only in numeric parts with leading zeros,
        // which the parsers reject, so hashing the text is consistent with `eq` for parsed versions.
        self.pre.hash(state);
    }
}
