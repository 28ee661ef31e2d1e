//! Selective reading: `from_str` reduced to a few paths (a manifest's head) without building values
//! for the rest of the document.
//!
//! The whole first document still goes through the event parser, so every syntax error `from_str`
//! reports is reported here too. Values are built (exactly as the decoder builds them) only for the
//! kept paths; everywhere else the events are only checked. Whatever could make this differ from the
//! full decode — an alias, an explicit tag, a merge key, a collection / null / uint64 key, a NaN or
//! infinity, a very deep document — makes the cheap pass give up, and the full decode answers instead.

use crate::decode::{self, Failure, GoMap, GoValue};
use crate::parser::{Event, EventKind, Parser};
use crate::resolve::{resolve, Resolved};

/// A key to keep in a mapping; `only` (when not empty) keeps just those keys of its value when that
/// value is a mapping. Keys must be plain identifiers (no key other than a string can print as them).
#[derive(Debug, Clone, Copy)]
pub struct Keep {
    pub key: &'static str,
    pub only: &'static [Keep],
}

/// What Helm reads of every rendered manifest (releaseutil.SimpleHead).
pub const HEAD: &[Keep] = &[
    Keep { key: "apiVersion", only: &[] },
    Keep { key: "kind", only: &[] },
    Keep { key: "metadata", only: &[Keep { key: "annotations", only: &[] }, Keep { key: "name", only: &[] }] },
];

enum Stop {
    Fail(Failure),
    /// The cheap pass cannot vouch for the answer: use the full decode.
    Fallback,
}

type R<T> = Result<T, Stop>;

/// Deeper documents go to the full decode (which owns the depth errors).
const MAX_CHEAP_DEPTH: usize = decode::MAX_DEPTH - 10;

struct Reader<'a> {
    p: Parser<'a>,
    depth: usize,
}

/// `from_str(text)` with objects on the kept paths reduced to their kept keys.
pub fn from_str_keep(text: &str, keep: &[Keep]) -> Result<serde_json::Value, Failure> {
    match cheap(text, keep) {
        Ok(v) => Ok(v),
        Err(Stop::Fail(f)) => Err(f),
        Err(Stop::Fallback) => {
            let v = decode::unmarshal_first(text)?;
            let j = decode::to_json(&v)?;
            Ok(prune(j, keep))
        }
    }
}

/// The cheap pass alone: None when it gives up.
pub fn cheap_only(text: &str, keep: &[Keep]) -> Option<Result<serde_json::Value, Failure>> {
    match cheap(text, keep) {
        Ok(v) => Some(Ok(v)),
        Err(Stop::Fail(f)) => Some(Err(f)),
        Err(Stop::Fallback) => None,
    }
}

/// Reduces objects on the kept paths to their kept keys.
pub fn prune(v: serde_json::Value, keep: &[Keep]) -> serde_json::Value {
    match v {
        serde_json::Value::Object(mut m) if !keep.is_empty() => {
            let mut out = serde_json::Map::new();
            let mut sorted: Vec<&Keep> = keep.iter().collect();
            sorted.sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
            for k in sorted {
                if let Some(val) = m.remove(k.key) {
                    out.insert(k.key.to_string(), prune(val, k.only));
                }
            }
            serde_json::Value::Object(out)
        }
        other => other,
    }
}

fn cheap(text: &str, keep: &[Keep]) -> R<serde_json::Value> {
    let input = if text.is_empty() { "\n" } else { text };
    let mut r = Reader { p: Parser::new(input), depth: 0 };
    let ev = r.next()?;
    if ev.kind != EventKind::StreamStart {
        return Err(Stop::Fallback);
    }
    let ev = r.next()?;
    match ev.kind {
        EventKind::StreamEnd => return Ok(serde_json::Value::Null),
        EventKind::DocumentStart => {}
        _ => return Err(Stop::Fallback),
    }
    let first = r.next()?;
    if first.kind == EventKind::DocumentEnd {
        return Ok(serde_json::Value::Null);
    }
    let v = r.select(first, keep)?;
    let end = r.next()?;
    if end.kind != EventKind::DocumentEnd {
        return Err(Stop::Fallback);
    }
    Ok(v)
}

fn lossy(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => decode::go_lossy(b),
    }
}

/// A scalar key as the decoder and sigs.k8s.io/yaml see it.
enum Key {
    /// A string key (its text).
    Str(String),
    /// Another scalar (bool, int, float) with its JSON key text.
    Other(String),
}

impl<'a> Reader<'a> {
    fn next(&mut self) -> R<Event> {
        let ev = self.p.next_event().map_err(|e| Stop::Fail(Failure::from_parser(&e)))?;
        if !ev.tag.is_empty() {
            return Err(Stop::Fallback);
        }
        match ev.kind {
            EventKind::Alias => return Err(Stop::Fallback),
            EventKind::MappingStart | EventKind::SequenceStart => {
                self.depth += 1;
                if self.depth > MAX_CHEAP_DEPTH {
                    return Err(Stop::Fallback);
                }
            }
            EventKind::MappingEnd | EventKind::SequenceEnd => self.depth -= 1,
            EventKind::StreamStart | EventKind::StreamEnd | EventKind::DocumentStart => {}
            EventKind::DocumentEnd | EventKind::Scalar => {}
        }
        Ok(ev)
    }

    /// The node starting with `ev`, reduced to `keep` when it is a mapping (whole when keep is empty).
    fn select(&mut self, ev: Event, keep: &[Keep]) -> R<serde_json::Value> {
        if keep.is_empty() || ev.kind != EventKind::MappingStart {
            let v = self.build(ev)?;
            return decode::to_json(&v).map_err(|_| Stop::Fallback);
        }
        let mut found: Vec<Option<serde_json::Value>> = vec![None; keep.len()];
        loop {
            let kev = self.next()?;
            if kev.kind == EventKind::MappingEnd {
                break;
            }
            let key = self.key(&kev)?;
            let hit = match &key {
                Key::Str(s) => keep.iter().position(|k| k.key == s),
                Key::Other(s) => {
                    if keep.iter().any(|k| k.key == s) {
                        return Err(Stop::Fallback);
                    }
                    None
                }
            };
            let vev = self.next()?;
            match hit {
                Some(i) => found[i] = Some(self.select(vev, keep[i].only)?),
                None => self.skip(vev)?,
            }
        }
        let mut pairs: Vec<(&'static str, serde_json::Value)> =
            keep.iter().zip(found).filter_map(|(k, v)| v.map(|v| (k.key, v))).collect();
        pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut obj = serde_json::Map::new();
        for (k, v) in pairs {
            obj.insert(k.to_string(), v);
        }
        Ok(serde_json::Value::Object(obj))
    }

    /// A key event: only scalars that stringify without error and are no merge keys pass.
    fn key(&mut self, ev: &Event) -> R<Key> {
        if ev.kind != EventKind::Scalar {
            return Err(Stop::Fallback);
        }
        if !ev.implicit {
            return Ok(Key::Str(lossy(&ev.value)));
        }
        if ev.value == b"<<" {
            return Err(Stop::Fallback); // a merge key
        }
        let quick = match ev.value.first() {
            None => false,
            Some(b'~' | b'n' | b'N' | b'0'..=b'9' | b'+' | b'-' | b'<' | b'.' | b'y' | b'Y' | b't' | b'T' | b'f' | b'F' | b'o' | b'O') => false,
            Some(_) => true,
        };
        let s = lossy(&ev.value);
        if quick {
            return Ok(Key::Str(s));
        }
        let v = self.scalar_value(ev, s)?;
        if let GoValue::Str(s) = v {
            return Ok(Key::Str(s));
        }
        match decode::sigs_key(&v, &GoValue::Null) {
            Ok(k) => Ok(Key::Other(k)),
            Err(_) => Err(Stop::Fallback),
        }
    }

    /// The value of a plain scalar (non-finite floats and merge keys give up).
    fn scalar_value(&self, ev: &Event, s: String) -> R<GoValue> {
        if !ev.implicit {
            return Ok(GoValue::Str(s));
        }
        let (_, r) = resolve("", &s).map_err(|_| Stop::Fallback)?;
        Ok(match r {
            Resolved::Null => GoValue::Null,
            Resolved::Bool(b) => GoValue::Bool(b),
            Resolved::Int(i) => GoValue::Int(i),
            Resolved::Uint(u) => GoValue::Uint(u),
            Resolved::Float(f) => {
                if !f.is_finite() {
                    return Err(Stop::Fallback);
                }
                GoValue::Float(f)
            }
            Resolved::Merge => return Err(Stop::Fallback),
            Resolved::Str | Resolved::Timestamp => GoValue::Str(s),
        })
    }

    /// The Go value of the node starting with `ev`, as the decoder builds it.
    fn build(&mut self, ev: Event) -> R<GoValue> {
        match ev.kind {
            EventKind::Scalar => {
                let s = lossy(&ev.value);
                // A value "<<" is just a string.
                if ev.implicit && s == "<<" {
                    return Ok(GoValue::Str(s));
                }
                self.scalar_value(&ev, s)
            }
            EventKind::SequenceStart => {
                let mut out = Vec::new();
                loop {
                    let e = self.next()?;
                    if e.kind == EventKind::SequenceEnd {
                        break;
                    }
                    out.push(self.build(e)?);
                }
                Ok(GoValue::Seq(out))
            }
            EventKind::MappingStart => {
                let mut m = GoMap::default();
                loop {
                    let kev = self.next()?;
                    if kev.kind == EventKind::MappingEnd {
                        break;
                    }
                    let k = match self.key(&kev)? {
                        Key::Str(s) => GoValue::Str(s),
                        Key::Other(_) => {
                            let s = lossy(&kev.value);
                            self.scalar_value(&kev, s)?
                        }
                    };
                    let vev = self.next()?;
                    let v = self.build(vev)?;
                    m.insert(k, v);
                }
                Ok(GoValue::Map(m))
            }
            _ => Err(Stop::Fallback),
        }
    }

    /// Consumes the node starting with `ev`, checking what the full decode would reject or treat
    /// specially, without building anything.
    fn skip(&mut self, ev: Event) -> R<()> {
        match ev.kind {
            EventKind::Scalar => self.check_value(&ev),
            EventKind::SequenceStart => loop {
                let e = self.next()?;
                if e.kind == EventKind::SequenceEnd {
                    return Ok(());
                }
                self.skip(e)?;
            },
            EventKind::MappingStart => loop {
                let kev = self.next()?;
                if kev.kind == EventKind::MappingEnd {
                    return Ok(());
                }
                self.check_key(&kev)?;
                let vev = self.next()?;
                self.skip(vev)?;
            },
            _ => Err(Stop::Fallback),
        }
    }

    /// A value scalar: only a non-finite float (`.inf`, `-.Inf`, `.nan`, …) matters.
    fn check_value(&self, ev: &Event) -> R<()> {
        if ev.implicit && matches!(ev.value.first(), Some(b'.' | b'+' | b'-')) {
            if let Ok(s) = std::str::from_utf8(&ev.value) {
                if let Ok((_, Resolved::Float(f))) = resolve("", s) {
                    if !f.is_finite() {
                        return Err(Stop::Fallback);
                    }
                }
            } else {
                return Err(Stop::Fallback);
            }
        }
        Ok(())
    }

    /// A key scalar: collections, merge keys, nulls, uint64 and non-finite keys give up.
    fn check_key(&self, ev: &Event) -> R<()> {
        if ev.kind != EventKind::Scalar {
            return Err(Stop::Fallback);
        }
        if !ev.implicit {
            return Ok(());
        }
        if ev.value == b"<<" {
            return Err(Stop::Fallback); // a merge key
        }
        match ev.value.first() {
            None => Err(Stop::Fallback),
            Some(b'~' | b'n' | b'N' | b'0'..=b'9' | b'+' | b'-' | b'<' | b'.') => {
                let s = std::str::from_utf8(&ev.value).map_err(|_| Stop::Fallback)?;
                match resolve("", s) {
                    Ok((_, Resolved::Null | Resolved::Uint(_) | Resolved::Merge)) => Err(Stop::Fallback),
                    Ok((_, Resolved::Float(f))) if !f.is_finite() => Err(Stop::Fallback),
                    Ok(_) => Ok(()),
                    Err(_) => Err(Stop::Fallback),
                }
            }
            Some(_) => Ok(()),
        }
    }
}
