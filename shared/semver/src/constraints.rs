//! Version constraints (`>= 1.2 < 3 || ^4.1`): Masterminds' `NewConstraint` grammar, its `Check`
//! with the per-AND-group prerelease rule, and `Validate` with its reason texts.

use crate::quote::go_quote;
use crate::version::{Error, Version};
use regex::Regex;
use std::cmp::Ordering;
use std::fmt;
use std::sync::OnceLock;

/// Longest constraint string accepted, in bytes (Masterminds' `MaxConstraintLen`).
pub const MAX_CONSTRAINT_LEN: usize = 512;
/// Most `||` groups accepted (Masterminds' `MaxConstraintGroups`).
pub const MAX_CONSTRAINT_GROUPS: usize = 32;

// The grammar is Masterminds' own regular expressions, translated literally so that odd inputs are
// accepted or rejected exactly as in Go. Go's `\s` is ASCII-only, hence the explicit class. Note the
// empty alternative in OPS (`=||!=`) and the `|` inside the version classes: both are in the original.
const WS: &str = r"[\t\n\f\r ]";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";
const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";

struct Patterns {
    constraint: Regex,
    range: Regex,
    find: Regex,
    valid: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: String| Regex::new(&s).expect("constant pattern");
        Patterns {
            constraint: re(format!(r"^{WS}*({OPS}){WS}*({CV}){WS}*$")),
            range: re(format!(r"{WS}*({CV}){WS}+-{WS}+({CV}){WS}*")),
            find: re(format!(r"({OPS}){WS}*({CV})")),
            valid: re(format!(
                r"^({WS}*({OPS}){WS}*({CV}){WS}*)((?:{WS}+|,{WS}*)({OPS}){WS}*({CV}){WS}*)*$"
            )),
        }
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    TildeOrEqual,
    NotEqual,
    Greater,
    Less,
    GreaterEqual,
    LessEqual,
    Tilde,
    Caret,
}

impl Op {
    fn from_text(s: &str) -> Option<Op> {
        Some(match s {
            "" | "=" => Op::TildeOrEqual,
            "!=" => Op::NotEqual,
            ">" => Op::Greater,
            "<" => Op::Less,
            ">=" | "=>" => Op::GreaterEqual,
            "<=" | "=<" => Op::LessEqual,
            "~" | "~>" => Op::Tilde,
            "^" => Op::Caret,
            _ => return None,
        })
    }
}

/// One comparator, e.g. `>= 1.2` (Masterminds' `constraint`).
#[derive(Debug, Clone)]
struct Constraint {
    con: Version,
    /// The version text as written (`1.x`), used in reasons.
    orig: String,
    /// The operator as written (`=>`), used when printing.
    op_text: String,
    op: Op,
    minor_dirty: bool,
    dirty: bool,
    patch_dirty: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "*" | "X")
}

fn parse_constraint(c: &str) -> Result<Constraint, Error> {
    if c.is_empty() {
        // Masterminds treats an empty comparator as `*`; unreachable through `Constraints::parse`,
        // kept for completeness.
        return Ok(Constraint {
            con: Version::new(0, 0, 0, "", ""),
            orig: String::new(),
            op_text: String::new(),
            op: Op::TildeOrEqual,
            minor_dirty: false,
            dirty: true,
            patch_dirty: false,
        });
    }
    let m = patterns()
        .constraint
        .captures(c)
        .ok_or_else(|| Error::ImproperConstraint(c.to_string()))?;
    let g = |i: usize| m.get(i).map_or("", |x| x.as_str());
    let op_text = g(1);
    let op = Op::from_text(op_text).ok_or(Error::ConstraintParser)?;
    let (major, minor, patch, pre) = (g(3), g(4), g(5), g(6));
    let mut ver = g(2).to_string();
    let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
    if is_x(major) || major.is_empty() {
        ver = format!("0.0.0{pre}");
        dirty = true;
    } else if is_x(minor.strip_prefix('.').unwrap_or(minor)) || minor.is_empty() {
        minor_dirty = true;
        dirty = true;
        ver = format!("{major}.0.0{pre}");
    } else if is_x(patch.strip_prefix('.').unwrap_or(patch)) || patch.is_empty() {
        dirty = true;
        patch_dirty = true;
        ver = format!("{major}{minor}.0{pre}");
    }
    let con = Version::parse(&ver).map_err(|_| Error::ConstraintParser)?;
    Ok(Constraint {
        con,
        orig: g(2).to_string(),
        op_text: op_text.to_string(),
        op,
        minor_dirty,
        dirty,
        patch_dirty,
    })
}

/// Masterminds' `rewriteRange`: `A - B` becomes `>= A, <= B `.
fn rewrite_range(input: &str) -> String {
    let mut out = input.to_string();
    for m in patterns().range.captures_iter(input) {
        let whole = m.get(0).map_or("", |x| x.as_str());
        let from = m.get(1).map_or("", |x| x.as_str());
        let to = m.get(11).map_or("", |x| x.as_str());
        out = out.replacen(whole, &format!(">= {from}, <= {to} "), 1);
    }
    out
}

type Check = Result<(), String>;

fn pre_excluded(v: &Version) -> String {
    format!(
        "{} is a prerelease version and the constraint is only looking for release versions",
        q(v)
    )
}

fn q(v: &Version) -> String {
    go_quote(&v.to_string())
}

impl Constraint {
    fn check(&self, v: &Version, include_pre: bool) -> Check {
        if !v.prerelease().is_empty() && !include_pre {
            return Err(pre_excluded(v));
        }
        match self.op {
            Op::TildeOrEqual => self.tilde_or_equal(v),
            Op::NotEqual => self.not_equal(v),
            Op::Greater => self.greater(v),
            Op::Less => self.less(v),
            Op::GreaterEqual => self.greater_equal(v),
            Op::LessEqual => self.less_equal(v),
            Op::Tilde => self.tilde(v),
            Op::Caret => self.caret(v),
        }
    }

    fn orig(&self) -> String {
        go_quote(&self.orig)
    }

    fn not_equal(&self, v: &Version) -> Check {
        let c = &self.con;
        let equal = || Err(format!("{} is equal to {}", q(v), self.orig()));
        if self.dirty {
            if c.major() != v.major() {
                return Ok(());
            }
            if c.minor() != v.minor() && !self.minor_dirty {
                return Ok(());
            } else if self.minor_dirty {
                return equal();
            } else if c.patch() != v.patch() && !self.patch_dirty {
                return Ok(());
            } else if self.patch_dirty {
                if (!v.prerelease().is_empty() || !c.prerelease().is_empty())
                    && crate::version::compare_prerelease(v.prerelease(), c.prerelease())
                        != Ordering::Equal
                {
                    return Ok(());
                }
                return equal();
            }
        }
        if v.compare(c) == Ordering::Equal {
            return equal();
        }
        Ok(())
    }

    fn greater(&self, v: &Version) -> Check {
        let c = &self.con;
        let fail = || Err(format!("{} is less than or equal to {}", q(v), self.orig()));
        if !self.dirty {
            return if v.compare(c) == Ordering::Greater {
                Ok(())
            } else {
                fail()
            };
        }
        if v.major() > c.major() {
            Ok(())
        } else if v.major() < c.major() || self.minor_dirty {
            fail()
        } else if self.patch_dirty {
            if v.minor() > c.minor() {
                Ok(())
            } else {
                fail()
            }
        } else if v.compare(c) == Ordering::Greater {
            Ok(())
        } else {
            fail()
        }
    }

    fn less(&self, v: &Version) -> Check {
        if v.compare(&self.con) == Ordering::Less {
            Ok(())
        } else {
            Err(format!(
                "{} is greater than or equal to {}",
                q(v),
                self.orig()
            ))
        }
    }

    fn greater_equal(&self, v: &Version) -> Check {
        if v.compare(&self.con) != Ordering::Less {
            Ok(())
        } else {
            Err(format!("{} is less than {}", q(v), self.orig()))
        }
    }

    fn less_equal(&self, v: &Version) -> Check {
        let c = &self.con;
        let fail = || Err(format!("{} is greater than {}", q(v), self.orig()));
        if !self.dirty {
            return if v.compare(c) != Ordering::Greater {
                Ok(())
            } else {
                fail()
            };
        }
        if v.major() > c.major()
            || (v.major() == c.major() && v.minor() > c.minor() && !self.minor_dirty)
        {
            return fail();
        }
        Ok(())
    }

    fn tilde(&self, v: &Version) -> Check {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return Err(format!("{} is less than {}", q(v), self.orig()));
        }
        if c.major() == 0
            && c.minor() == 0
            && c.patch() == 0
            && !self.minor_dirty
            && !self.patch_dirty
        {
            return Ok(());
        }
        if v.major() != c.major() {
            return Err(format!(
                "{} does not have same major version as {}",
                q(v),
                self.orig()
            ));
        }
        if v.minor() != c.minor() && !self.minor_dirty {
            return Err(format!(
                "{} does not have same major and minor version as {}",
                q(v),
                self.orig()
            ));
        }
        Ok(())
    }

    fn tilde_or_equal(&self, v: &Version) -> Check {
        if self.dirty {
            return self.tilde(v);
        }
        if v.compare(&self.con) == Ordering::Equal {
            Ok(())
        } else {
            Err(format!("{} is not equal to {}", q(v), self.orig()))
        }
    }

    fn caret(&self, v: &Version) -> Check {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return Err(format!("{} is less than {}", q(v), self.orig()));
        }
        let major_differs = || {
            Err(format!(
                "{} does not have same major version as {}",
                q(v),
                self.orig()
            ))
        };
        if c.major() > 0 || self.minor_dirty {
            return if v.major() == c.major() {
                Ok(())
            } else {
                major_differs()
            };
        }
        if v.major() > 0 {
            return major_differs();
        }
        if c.minor() > 0 || self.patch_dirty {
            return if v.minor() == c.minor() {
                Ok(())
            } else {
                Err(format!(
                    "{} does not have same minor version as {}. Expected minor versions to match when constraint major version is 0",
                    q(v),
                    self.orig()
                ))
            };
        }
        if v.minor() > 0 {
            return Err(format!(
                "{} does not have same minor version as {}",
                q(v),
                self.orig()
            ));
        }
        if c.patch() == v.patch() {
            Ok(())
        } else {
            Err(format!(
                "{} does not equal {}. Expect version and constraint to equal when major and minor versions are 0",
                q(v),
                self.orig()
            ))
        }
    }
}

/// A parsed constraint string: `||`-separated groups of comparators that must all hold.
#[derive(Debug, Clone)]
pub struct Constraints {
    groups: Vec<Vec<Constraint>>,
    contains_pre: Vec<bool>,
    /// Masterminds' `IncludePrerelease`: let prerelease versions match every group. Off by default;
    /// a group that names a prerelease always includes them.
    pub include_prerelease: bool,
}

impl Constraints {
    /// Masterminds' `NewConstraint`.
    pub fn parse(c: &str) -> Result<Constraints, Error> {
        if c.len() > MAX_CONSTRAINT_LEN {
            return Err(Error::ConstraintTooLong);
        }
        let c = rewrite_range(c);
        let ors: Vec<&str> = c.split("||").collect();
        if ors.len() > MAX_CONSTRAINT_GROUPS {
            return Err(Error::TooManyConstraintGroups);
        }
        let p = patterns();
        let mut groups = Vec::with_capacity(ors.len());
        let mut contains_pre = Vec::with_capacity(ors.len());
        for group in ors {
            if !p.valid.is_match(group) {
                return Err(Error::ImproperConstraint(group.to_string()));
            }
            let mut found: Vec<&str> = p.find.find_iter(group).map(|m| m.as_str()).collect();
            if found.is_empty() {
                found.push(group);
            }
            let mut result = Vec::with_capacity(found.len());
            let mut has_pre = false;
            for s in found {
                let pc = parse_constraint(s)?;
                has_pre |= !pc.con.prerelease().is_empty();
                result.push(pc);
            }
            groups.push(result);
            contains_pre.push(has_pre);
        }
        Ok(Constraints {
            groups,
            contains_pre,
            include_prerelease: false,
        })
    }

    /// Masterminds' `Check`: does any `||` group accept `v`? A prerelease version is only accepted by
    /// a group in which some comparator names a prerelease (or with `include_prerelease`).
    pub fn check(&self, v: &Version) -> bool {
        self.groups
            .iter()
            .zip(&self.contains_pre)
            .any(|(group, &pre)| {
                let include = self.include_prerelease || pre;
                group.iter().all(|c| c.check(v, include).is_ok())
            })
    }

    /// Masterminds' `Validate`: `Ok` when `check` holds, else every reason, in Masterminds' words.
    pub fn validate(&self, v: &Version) -> Result<(), Vec<String>> {
        let mut reasons = Vec::new();
        let mut pre_reported = false;
        for (group, &pre) in self.groups.iter().zip(&self.contains_pre) {
            let include = self.include_prerelease || pre;
            let mut ok = true;
            for c in group {
                if !include && !v.prerelease().is_empty() {
                    if !pre_reported {
                        reasons.push(pre_excluded(v));
                        pre_reported = true;
                    }
                    ok = false;
                } else if let Err(e) = c.check(v, include) {
                    reasons.push(e);
                    ok = false;
                }
            }
            if ok {
                return Ok(());
            }
        }
        Err(reasons)
    }
}

impl fmt::Display for Constraints {
    /// Masterminds' `String()`: comparators as written, space-separated, groups joined by ` || `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, group) in self.groups.iter().enumerate() {
            if i > 0 {
                f.write_str(" || ")?;
            }
            for (j, c) in group.iter().enumerate() {
                if j > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{}{}", c.op_text, c.orig)?;
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for Constraints {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Constraints::parse(s)
    }
}
