//! The release record exactly as Helm stores it (`pkg/release/v1`): Helm's JSON field names and order,
//! `omitempty` where Go omits, unknown fields kept on a round trip, and the storage payload codec
//! (base64 of gzip of JSON, legacy plain JSON accepted).

use std::collections::BTreeMap;
use std::io::{Read, Write};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Release statuses (`pkg/release/common/status.go`).
pub const STATUS_UNKNOWN: &str = "unknown";
pub const STATUS_DEPLOYED: &str = "deployed";
pub const STATUS_UNINSTALLED: &str = "uninstalled";
pub const STATUS_SUPERSEDED: &str = "superseded";
pub const STATUS_FAILED: &str = "failed";
pub const STATUS_UNINSTALLING: &str = "uninstalling";
pub const STATUS_PENDING_INSTALL: &str = "pending-install";
pub const STATUS_PENDING_UPGRADE: &str = "pending-upgrade";
pub const STATUS_PENDING_ROLLBACK: &str = "pending-rollback";

/// Every status, in Helm's list order.
pub const ALL_STATUSES: &[&str] = &[
    STATUS_UNKNOWN, STATUS_DEPLOYED, STATUS_UNINSTALLED, STATUS_SUPERSEDED, STATUS_FAILED, STATUS_UNINSTALLING,
    STATUS_PENDING_INSTALL, STATUS_PENDING_UPGRADE, STATUS_PENDING_ROLLBACK,
];

pub fn is_pending(status: &str) -> bool {
    matches!(status, STATUS_PENDING_INSTALL | STATUS_PENDING_UPGRADE | STATUS_PENDING_ROLLBACK)
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// A Go zero-or-empty time read as absent: v3 wrote `"deleted": ""`.
fn empty_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = Option::<String>::deserialize(d)?;
    Ok(v.unwrap_or_default())
}

/// `release.Info`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Info {
    #[serde(default, deserialize_with = "empty_time", skip_serializing_if = "String::is_empty")]
    pub first_deployed: String,
    #[serde(default, deserialize_with = "empty_time", skip_serializing_if = "String::is_empty")]
    pub last_deployed: String,
    #[serde(default, deserialize_with = "empty_time", skip_serializing_if = "String::is_empty")]
    pub deleted: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// The revision a rollback went back to (Helm v4.3's `rollback_revision`); 0 = not a rollback, and
    /// then absent, as in records written by Helm before v4.3.
    #[serde(default, skip_serializing_if = "is_zero", deserialize_with = "null_zero")]
    pub rollback_revision: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// Fields this version does not know (`resources`, future ones): kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `release.HookExecution`: `phase` is always written, the times only when set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HookExecution {
    #[serde(default, deserialize_with = "empty_time", skip_serializing_if = "String::is_empty")]
    pub started_at: String,
    #[serde(default, deserialize_with = "empty_time", skip_serializing_if = "String::is_empty")]
    pub completed_at: String,
    #[serde(default)]
    pub phase: String,
}

/// `release.Hook`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Hook {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    /// Go's `omitempty` never omits a struct: `last_run` is always there.
    #[serde(default)]
    pub last_run: HookExecution,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub weight: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delete_policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output_log_policies: Vec<String>,
}

/// `release.Release`. The chart is kept as Helm's chart JSON (`metadata`, `lock`, `templates`, `values`,
/// `schema`, `files`, …) so that a chart stored by any Helm version survives our round trip unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Release {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default)]
    pub info: Info,
    #[serde(default, skip_serializing_if = "ChartJson::is_empty")]
    pub chart: ChartJson,
    #[serde(default, skip_serializing_if = "Map::is_empty", deserialize_with = "null_map")]
    pub config: Map<String, Value>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_vec")]
    pub hooks: Vec<Hook>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub version: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// `ssa` or `csa` (Helm 4); empty for a Helm 3 release, which means client-side apply.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub apply_method: String,
    /// Fields this version does not know, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// The storage object's labels that are not Helm's system labels (Helm's `Labels`, never in the JSON).
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
    /// Who works on a pending revision, and until when (annotations of the storage object, never in the
    /// JSON, so Helm does not see them).
    #[serde(skip)]
    pub lease: Option<Lease>,
}

/// The claim of the client working on a pending revision. A client that dies leaves it to expire;
/// after that, the next command may take the release over (see `actions::take_over_pending`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lease {
    /// `host/pid` of the client.
    pub holder: String,
    /// Unix seconds after which the claim is void.
    pub expires: i64,
}

/// The annotations of the storage object that carry a [`Lease`].
pub const LEASE_HOLDER_ANNOTATION: &str = "kubectl-release.dev/lease-holder";
pub const LEASE_EXPIRES_ANNOTATION: &str = "kubectl-release.dev/lease-expires";

/// The stored chart as JSON text, kept byte for byte (Go writes struct fields in declaration order,
/// which a JSON map would lose). Empty = no chart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChartJson(pub String);

impl ChartJson {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The chart as a JSON value (`Null` when absent).
    pub fn value(&self) -> Value {
        if self.0.is_empty() {
            return Value::Null;
        }
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

impl Serialize for ChartJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(if self.0.is_empty() { "null".into() } else { self.0.clone() })
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for ChartJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
        let text = raw.get();
        Ok(ChartJson(if text == "null" { String::new() } else { text.to_string() }))
    }
}

fn null_zero<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(Option::<i64>::deserialize(d)?.unwrap_or_default())
}

fn null_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
    Ok(Option::<Map<String, Value>>::deserialize(d)?.unwrap_or_default())
}

fn null_vec<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

impl Release {
    /// The stored chart's metadata field (`chart.metadata.<key>`) as text, "" when absent.
    pub fn chart_field(&self, key: &str) -> String {
        let chart = self.chart.value();
        chart.get("metadata").and_then(|m| m.get(key)).and_then(Value::as_str).unwrap_or("").to_string()
    }

    /// `name-version` as Helm's list prints the CHART column ("MISSING" without a chart).
    pub fn chart_label(&self) -> String {
        if self.chart.value().get("metadata").is_none_or(Value::is_null) {
            return "MISSING".to_string();
        }
        format!("{}-{}", self.chart_field("name"), self.chart_field("version"))
    }

    /// The chart's default values as stored.
    pub fn chart_values(&self) -> Map<String, Value> {
        self.chart.value().get("values").and_then(Value::as_object).cloned().unwrap_or_default()
    }

    pub fn set_status(&mut self, status: &str, description: impl Into<String>) {
        self.info.status = status.to_string();
        self.info.description = description.into();
    }
}

/// Helm's chart JSON for the release record (`chart.Chart` marshalled, fields in Go's order): the root
/// chart only, as Helm stores it (subcharts are not serialised).
pub fn chart_json(chart: &crate::chart::Chart) -> ChartJson {
    let b64 = |d: &[u8]| Value::String(base64::engine::general_purpose::STANDARD.encode(d));
    let text = |v: &Value| serde_json::to_string(v).unwrap_or_else(|_| "null".into());
    let files = |fs: &[crate::chart::File]| -> String {
        if fs.is_empty() {
            return "null".into();
        }
        let items: Vec<String> = fs
            .iter()
            .map(|f| format!("{{\"name\":{},\"data\":{}}}", text(&Value::String(f.name.clone())), text(&b64(&f.data))))
            .collect();
        format!("[{}]", items.join(","))
    };
    let metadata = serde_json::to_string(&chart.metadata).unwrap_or_else(|_| "null".into());
    let lock = chart.lock.as_ref().and_then(|l| serde_json::to_string(l).ok()).unwrap_or_else(|| "null".into());
    let schema = chart.schema.as_deref().map(|s| text(&b64(s))).unwrap_or_else(|| "null".into());
    // `schemamodtime` has `omitempty` on a struct, which Go never omits.
    ChartJson(format!(
        "{{\"metadata\":{metadata},\"lock\":{lock},\"templates\":{},\"values\":{},\"schema\":{schema},\"schemamodtime\":\"0001-01-01T00:00:00Z\",\"files\":{}}}",
        files(&chart.templates),
        text(&Value::Object(chart.values.clone())),
        files(&chart.files),
    ))
}

/// Errors of the payload codec.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("illegal base64 data: {0}")]
    Base64(String),
    #[error("gzip: {0}")]
    Gzip(String),
    #[error("{0}")]
    Json(String),
    #[error("the record inflates to more than {limit} MiB (a release record is at most 1 MiB compressed; set KUBECTL_RELEASE_MAX_RECORD_MIB to allow more)")]
    TooLarge { limit: u64 },
}

/// The default bound on a record's inflated JSON, in MiB. Helm inflates without a bound, so a 1 MiB
/// Secret can expand to gigabytes; real records (chart files, templates and manifest included) stay
/// far below this.
pub const DEFAULT_MAX_RECORD_MIB: u64 = 256;

/// The bound on a record's inflated JSON: `KUBECTL_RELEASE_MAX_RECORD_MIB`, else the default.
pub fn max_record_bytes() -> u64 {
    let mib = std::env::var("KUBECTL_RELEASE_MAX_RECORD_MIB")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&m| m > 0)
        .unwrap_or(DEFAULT_MAX_RECORD_MIB);
    mib.saturating_mul(1 << 20)
}

/// Go's encoding/json escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings; those characters never
/// occur outside strings in JSON, so a plain replacement gives Go's bytes.
///
/// Numbers are rewritten as Go writes a float64 (values read from YAML are floats): `1.0` → `1`,
/// `1e21` → `1e+21`, `1.5e-7` → `1.5e-07`; integers stay as they are.
pub fn go_json_escape(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    let mut in_string = false;
    let mut escaped = false;
    let mut number = String::new();
    let flush = |number: &mut String, out: &mut String| {
        if !number.is_empty() {
            out.push_str(&go_number(number));
            number.clear();
        }
    };
    for c in json.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c.is_ascii_digit() || c == '-' || (!number.is_empty() && matches!(c, '+' | '.' | 'e' | 'E')) {
            number.push(c);
            continue;
        } else {
            flush(&mut number, &mut out);
            if c == '"' {
                in_string = true;
            }
        }
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    flush(&mut number, &mut out);
    out
}

/// One JSON number token as Go's encoding/json writes a float64 (integers unchanged).
fn go_number(tok: &str) -> String {
    if !tok.contains(['.', 'e', 'E']) {
        return tok.to_string();
    }
    let Ok(f) = tok.parse::<f64>() else { return tok.to_string() };
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let e = format!("{f:e}");
        let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        return format!("{mant}e{sign}{digits:0>2}");
    }
    format!("{f}")
}

/// The release as Go's `json.Marshal` writes it.
pub fn to_go_json(rel: &Release) -> String {
    go_json_escape(&serde_json::to_string(rel).unwrap_or_default())
}

/// Helm's `encodeRelease`: base64(gzip(BestCompression, JSON)).
pub fn encode(rel: &Release) -> Result<String, CodecError> {
    let json = to_go_json(rel);
    let mut gz = flate2::GzBuilder::new().operating_system(255).write(Vec::new(), flate2::Compression::best());
    gz.write_all(json.as_bytes()).map_err(|e| CodecError::Gzip(e.to_string()))?;
    let bytes = gz.finish().map_err(|e| CodecError::Gzip(e.to_string()))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Helm's `decodeRelease`: base64, then gunzip when the gzip magic is there, then JSON.
pub fn decode(data: &str) -> Result<Release, CodecError> {
    serde_json::from_slice(&payload_json(data)?).map_err(|e| CodecError::Json(e.to_string()))
}

/// The JSON inside a storage payload: base64, then gzip (legacy payloads are plain JSON).
fn payload_json(data: &str) -> Result<Vec<u8>, CodecError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|e| CodecError::Base64(e.to_string()))?;
    if bytes.len() > 3 && bytes[..3] == [0x1f, 0x8b, 0x08] {
        inflate_bounded(&bytes, max_record_bytes())
    } else {
        Ok(bytes)
    }
}

/// Gunzips `bytes`, refusing output beyond `limit` bytes without ever holding more than that.
fn inflate_bounded(bytes: &[u8], limit: u64) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(4).min(limit as usize));
    flate2::read::GzDecoder::new(bytes)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| CodecError::Gzip(e.to_string()))?;
    if out.len() as u64 > limit {
        return Err(CodecError::TooLarge { limit: limit >> 20 });
    }
    Ok(out)
}

/// What `list` shows of a release, decoded without the rest (templates, manifest, values, hooks): name,
/// namespace, revision, info, apply method and the chart's metadata. The other fields stay empty.
pub fn decode_summary(data: &str) -> Result<Release, CodecError> {
    #[derive(Deserialize)]
    struct Summary<'a> {
        #[serde(default)]
        name: String,
        #[serde(default)]
        info: Option<InfoSummary>,
        #[serde(default, borrow)]
        chart: Option<ChartSummary<'a>>,
        #[serde(default)]
        version: i64,
        #[serde(default)]
        namespace: String,
        #[serde(default)]
        apply_method: String,
    }
    #[derive(Deserialize)]
    struct InfoSummary {
        #[serde(default, deserialize_with = "empty_time")]
        first_deployed: String,
        #[serde(default, deserialize_with = "empty_time")]
        last_deployed: String,
        #[serde(default, deserialize_with = "empty_time")]
        deleted: String,
        #[serde(default)]
        description: String,
        #[serde(default)]
        status: String,
        #[serde(default, deserialize_with = "null_zero")]
        rollback_revision: i64,
    }
    #[derive(Deserialize)]
    struct ChartSummary<'a> {
        #[serde(default, borrow)]
        metadata: Option<&'a serde_json::value::RawValue>,
    }
    let json = payload_json(data)?;
    let s: Summary = serde_json::from_slice(&json).map_err(|e| CodecError::Json(e.to_string()))?;
    let info = s.info.map(|i| Info {
        first_deployed: i.first_deployed,
        last_deployed: i.last_deployed,
        deleted: i.deleted,
        description: i.description,
        status: i.status,
        rollback_revision: i.rollback_revision,
        ..Default::default()
    });
    let chart = match s.chart {
        Some(ChartSummary { metadata: Some(m) }) => ChartJson(format!("{{\"metadata\":{}}}", m.get())),
        Some(_) => ChartJson("{}".into()),
        None => ChartJson::default(),
    };
    Ok(Release {
        name: s.name,
        info: info.unwrap_or_default(),
        chart,
        version: s.version,
        namespace: s.namespace,
        apply_method: s.apply_method,
        ..Default::default()
    })
}

/// Now as Go's `time.Now()` marshals in UTC: RFC 3339 with nanoseconds, trailing zeros trimmed.
pub fn now_rfc3339() -> String {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    rfc3339(d.as_secs() as i64, d.subsec_nanos())
}

/// Unix seconds now (the `createdAt`/`modifiedAt` labels).
pub fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Unix time → `2006-01-02T15:04:05.999999999Z`.
pub fn rfc3339(secs: i64, nanos: u32) -> String {
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let mut out = format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60);
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// An RFC 3339 time as Go's `time.Time.String()` prints it after reading it back from JSON:
/// `2026-11-24 21:48:23.462931319 +0000 UTC`. Text that is not RFC 3339 is returned as it is.
pub fn go_time_string(rfc: &str) -> String {
    let Some((date, rest)) = rfc.split_once('T') else { return rfc.to_string() };
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let zone = match zone {
        "Z" | "z" | "" => "+0000 UTC".to_string(),
        z => {
            let compact = z.replace(':', "");
            format!("{compact} {compact}")
        }
    };
    format!("{date} {clock} {zone}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("testdata/release-example.json");

    #[test]
    fn helm_json_round_trips_byte_for_byte() {
        let rel: Release = serde_json::from_str(EXAMPLE).unwrap();
        assert_eq!(rel.name, "rel");
        assert_eq!(rel.version, 1);
        assert_eq!(rel.apply_method, "ssa");
        assert_eq!(rel.chart_label(), "parent-1.0.0");
        assert_eq!(to_go_json(&rel), EXAMPLE.trim_end());
    }

    #[test]
    fn a_summary_has_what_list_shows() {
        let rel: Release = serde_json::from_str(EXAMPLE).unwrap();
        let sum = decode_summary(&encode(&rel).unwrap()).unwrap();
        assert_eq!((sum.name.as_str(), sum.version, sum.namespace.as_str()), (rel.name.as_str(), rel.version, rel.namespace.as_str()));
        assert_eq!(sum.info.last_deployed, rel.info.last_deployed);
        assert_eq!(sum.info.status, rel.info.status);
        assert_eq!(sum.chart_label(), rel.chart_label());
        assert_eq!(sum.chart_field("appVersion"), rel.chart_field("appVersion"));
        assert!(sum.manifest.is_empty() && sum.hooks.is_empty());
    }

    #[test]
    fn unknown_fields_survive() {
        let text = r#"{"name":"a","info":{"status":"deployed","future":1},"version":2,"zzz":{"k":true}}"#;
        let rel: Release = serde_json::from_str(text).unwrap();
        let again = to_go_json(&rel);
        assert!(again.contains(r#""future":1"#) && again.contains(r#""zzz":{"k":true}"#), "{again}");
    }

    #[test]
    fn v3_empty_times_and_plain_json_payloads_decode() {
        let text = r#"{"name":"a","info":{"first_deployed":"","deleted":"","status":"deployed"},"hooks":null,"config":null}"#;
        let payload = base64::engine::general_purpose::STANDARD.encode(text);
        let rel = decode(&payload).unwrap();
        assert_eq!(rel.info.status, "deployed");
        assert!(!to_go_json(&rel).contains("deleted"));
    }

    #[test]
    fn a_record_that_inflates_past_the_bound_is_refused() {
        // 64 MiB of zeros gzip to about 64 KiB: a "zip bomb" record
        let mut gz = flate2::GzBuilder::new().write(Vec::new(), flate2::Compression::best());
        let zeros = vec![b' '; 1 << 20];
        for _ in 0..64 {
            gz.write_all(&zeros).unwrap();
        }
        let bytes = gz.finish().unwrap();
        assert!(bytes.len() < 1 << 20);
        match inflate_bounded(&bytes, 8 << 20) {
            Err(e @ CodecError::TooLarge { .. }) => assert!(e.to_string().contains("more than 8 MiB"), "{e}"),
            other => panic!("expected TooLarge, got {:?}", other.map(|v| v.len())),
        }
        assert_eq!(inflate_bounded(&bytes, 64 << 20).unwrap().len(), 64 << 20);
    }

    #[test]
    fn encode_decode_gzip() {
        let rel = Release { name: "x<y>&".into(), version: 3, ..Default::default() };
        let enc = encode(&rel).unwrap();
        let raw = base64::engine::general_purpose::STANDARD.decode(&enc).unwrap();
        assert_eq!(&raw[..3], &[0x1f, 0x8b, 0x08]);
        assert_eq!(decode(&enc).unwrap(), rel);
        assert!(to_go_json(&rel).contains(r#""x\u003cy\u003e\u0026""#));
        assert_eq!(go_json_escape(r#"{"a":1.0,"b":[8080.0,-2,0.5,1e21,1.5e-7],"c":"1.0 e"}"#), r#"{"a":1,"b":[8080,-2,0.5,1e+21,1.5e-07],"c":"1.0 e"}"#);
    }

    #[test]
    fn times() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_557_703, 462_931_000), "2026-11-24T22:01:43.462931Z");
        assert_eq!(go_time_string("2026-11-24T21:48:23.462931319Z"), "2026-11-24 21:48:23.462931319 +0000 UTC");
        assert_eq!(go_time_string("2026-11-24T21:48:23+01:00"), "2026-11-24 21:48:23 +0100 +0100");
    }
}
