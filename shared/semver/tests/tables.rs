//! Readable tables: the 45-pair probe of research/rust-crates.md §6 and hand-picked behaviours, with
//! expectations recorded from Go's Masterminds/semver v3.5.0.

use gosemver::{Constraints, Error, Version};

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

#[test]
fn probe_45_pairs() {
    let rows: &[(&str, &str, bool)] = &[
        ("1.2.3", "1.2.3", true),
        ("1.2.3", "1.2.4", false),
        ("=1.2.3", "1.2.3", true),
        ("v1.2.3", "1.2.3", true),
        (">= 1.2 < 3.0.0", "2.5.0", true),
        (">= 1.2 < 3.0.0", "3.0.0", false),
        (">= 1.2, < 3.0.0", "1.2.0", true),
        (">=1.2,<3", "1.1.9", false),
        ("1.2 || 2.x", "2.4.1", true),
        ("1.2 || 2.x", "1.3.0", false),
        ("1.2 - 1.4.5", "1.4.5", true),
        ("1.2 - 1.4.5", "1.4.6", false),
        ("1.2.3 - 2", "2.9.9", true),
        ("1.2.3 - 2", "3.0.0", false),
        ("1.2-1.4.5", "1.3.0", false),
        ("!= 1.2.3", "1.2.3", false),
        ("!= 1.2.3", "1.2.4", true),
        (">=1.2.3-0", "1.3.0-beta.1", true),
        ("^1.2.3-alpha", "1.3.0-beta", true),
        ("^1.2.3", "1.3.0-beta", false),
        (">= 1.20.0-0", "1.29.3-gke.1001", true),
        (">= 1.20.0-0", "v1.29.3-gke.1001", true),
        (">= 1.20.0", "v1.29.3-gke.1001", false),
        (">= 1.20.0-0 < 1.30.0-0", "1.30.0-rc.1", false),
        (">= 1.20.0-0 < 1.30.0-0", "1.29.0", true),
        (">=1.16.0-0 || >=2.0.0", "1.15.0-rc.1", false),
        (">1.2", "1.2.9", false),
        (">1.2", "1.3.0", true),
        (">1", "1.9.0", false),
        ("~1", "1.9.9", true),
        ("~1", "2.0.0", false),
        ("~1.2", "1.2.9", true),
        ("~1.2", "1.3.0", false),
        ("~1.2.3", "1.2.2", false),
        ("~>1.2.3", "1.2.9", true),
        ("^0.0", "0.0.9", true),
        ("^0.0", "0.1.0", false),
        ("^0", "0.9.0", true),
        ("^0.2.3", "0.3.0", false),
        ("^0.0.3", "0.0.4", false),
        ("1.x", "1.9.0", true),
        ("1.*.*", "2.0.0", false),
        ("*", "1.0.0-rc.1", false),
        ("x", "v3.0.0", true),
        ("<=1.2", "1.2.9", true),
    ];
    assert_eq!(rows.len(), 45);
    for &(c, ver, want) in rows {
        let cs = Constraints::parse(c).unwrap_or_else(|e| panic!("{c}: {e}"));
        assert_eq!(cs.check(&v(ver)), want, "{c} vs {ver}");
        assert_eq!(cs.validate(&v(ver)).is_ok(), want, "validate {c} vs {ver}");
    }
}

#[test]
fn validate_reasons() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "1.2 - 1.4.5",
            "1.5",
            &[r#""1.5.0" is greater than "1.4.5""#],
        ),
        (
            ">= 1.2.3, < 2 || ^3",
            "2.0.0-rc.1",
            &[
                r#""2.0.0-rc.1" is a prerelease version and the constraint is only looking for release versions"#,
            ],
        ),
        (
            "~1.2 || >=3.0.0-0 <3.1",
            "1.3.0",
            &[
                r#""1.3.0" does not have same major and minor version as "1.2""#,
                r#""1.3.0" is less than "3.0.0-0""#,
            ],
        ),
    ];
    for &(c, ver, want) in cases {
        let got = Constraints::parse(c)
            .unwrap()
            .validate(&v(ver))
            .unwrap_err();
        assert_eq!(got, want, "{c} vs {ver}");
    }
}

#[test]
fn constraint_errors_and_display() {
    assert_eq!(
        Constraints::parse("foo").unwrap_err().to_string(),
        r#"improper constraint: "foo""#
    );
    assert_eq!(
        Constraints::parse(">= 1.2 || bar").unwrap_err().to_string(),
        r#"improper constraint: " bar""#
    );
    assert_eq!(
        Constraints::parse("1x.2").unwrap_err(),
        Error::ConstraintParser
    );
    assert_eq!(
        Constraints::parse(&"1".repeat(513))
            .unwrap_err()
            .to_string(),
        "constraint string is too long (max 512 bytes)"
    );
    assert_eq!(
        Constraints::parse(&vec!["1"; 33].join("||"))
            .unwrap_err()
            .to_string(),
        "too many constraint groups (max 32)"
    );
    assert_eq!(
        Constraints::parse("1.2 - 1.4.5").unwrap().to_string(),
        ">=1.2 <=1.4.5"
    );
    assert_eq!(
        Constraints::parse("=> 1.0, =<v2 || ~1")
            .unwrap()
            .to_string(),
        "=>1.0 =<v2 || ~1"
    );
}

#[test]
fn include_prerelease_opens_every_group() {
    let mut cs = Constraints::parse(">= 1.20.0").unwrap();
    assert!(!cs.check(&v("1.29.3-gke.1001")));
    cs.include_prerelease = true;
    assert!(cs.check(&v("1.29.3-gke.1001")));
    assert!(cs.validate(&v("1.29.3-gke.1001")).is_ok());
}

#[test]
fn version_parsing() {
    let x = v("v1.2.3-rc.1+build.5");
    assert_eq!((x.major(), x.minor(), x.patch()), (1, 2, 3));
    assert_eq!(
        (x.prerelease(), x.metadata(), x.original()),
        ("rc.1", "build.5", "v1.2.3-rc.1+build.5")
    );
    assert_eq!(x.to_string(), "1.2.3-rc.1+build.5");
    assert_eq!(v("1.2").to_string(), "1.2.0");
    assert_eq!(
        Version::parse("1.2.beta").unwrap_err().to_string(),
        "invalid semantic version"
    );
    assert_eq!(
        Version::parse("1.2.3-01").unwrap_err(),
        Error::SegmentStartsZero
    );
    assert_eq!(
        Version::parse("99999999999999999999")
            .unwrap_err()
            .to_string(),
        r#"error parsing version segment: strconv.ParseUint: parsing "99999999999999999999": value out of range"#
    );
    assert_eq!(
        Version::parse_strict("1.2").unwrap_err(),
        Error::InvalidSemVer
    );
    assert_eq!(
        Version::parse_strict("v1.2.3").unwrap_err().to_string(),
        "invalid characters in version"
    );
    assert_eq!(
        Version::parse_strict("").unwrap_err().to_string(),
        "version string empty"
    );
    assert_eq!(
        Version::parse(&"1".repeat(257)).unwrap_err().to_string(),
        "version string is too long (max 256 bytes)"
    );
    assert_eq!(Version::new(1, 2, 3, "a", "b").original(), "1.2.3-a+b");
}

#[test]
fn ordering_ignores_metadata_and_sorts_prereleases() {
    let mut list: Vec<Version> = [
        "1.0.0",
        "1.0.0-rc.1",
        "1.0.0-beta.11",
        "1.0.0-beta.2",
        "1.0.0-beta",
        "1.0.0-alpha.beta",
        "1.0.0-alpha.1",
        "1.0.0-alpha",
        "0.9",
    ]
    .iter()
    .map(|s| v(s))
    .collect();
    list.sort();
    let names: Vec<String> = list.iter().map(|x| x.to_string()).collect();
    assert_eq!(
        names,
        [
            "0.9.0",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0"
        ]
    );
    assert_eq!(v("1.2.3+a"), v("1.2.3+b"));
    assert_eq!(v("v1.2.3").inc_minor().unwrap().original(), "v1.3.0");
    assert_eq!(v("1.2.3-a").inc_patch().unwrap().to_string(), "1.2.3");
    assert!(v("18446744073709551615.0.0").inc_major().is_none());
}

#[test]
fn arbitrary_input_never_panics() {
    const ALPHABET: &[char] = &[
        '1', '0', '9', '.', '-', '+', 'v', 'x', '*', '|', ' ', ',', '>', '<', '=', '~', '^', '!',
        'a', 'ä', '\t',
    ];
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..3000 {
        let mut s = String::new();
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let len = (seed >> 59) as usize + 1;
        for _ in 0..len * 2 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s.push(ALPHABET[(seed >> 33) as usize % ALPHABET.len()]);
        }
        let _ = Version::parse(&s).map(|x| (x.inc_major(), x.inc_patch(), x.to_string()));
        let _ = Version::parse_strict(&s);
        if let Ok(cs) = Constraints::parse(&s) {
            let _ = (
                cs.check(&v("1.2.3-a")),
                cs.validate(&v("0.0.0")),
                cs.to_string(),
            );
        }
    }
}
