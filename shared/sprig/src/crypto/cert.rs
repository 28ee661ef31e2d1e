//! Sprig's certificate functions (`genCA`, `genSelfSignedCert`, `genSignedCert`, their `WithKey` forms,
//! `buildCustomCert`): the `certificate` result object and X.509 certificates laid out field by field
//! as Go's `x509.CreateCertificate` writes them for Sprig's template.

use super::der::{self, bit_string, octet_string, seq, tlv, uint};
use super::keys::{self, PrivateKey};
use gotemplate::{Object, Value};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Sprig's `certificate` struct: PEM texts of the certificate and of its private key.
#[derive(Debug, Clone)]
pub(crate) struct Certificate {
    pub cert: String,
    pub key: String,
}

impl Object for Certificate {
    fn type_name(&self) -> String {
        "sprig.certificate".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::str(&self.cert)),
            "Key" => Some(Value::str(&self.key)),
            _ => None,
        }
    }
    fn display(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::json!({"Cert": self.cert, "Key": self.key}))
    }
}

impl Certificate {
    pub(crate) fn into_value(self) -> Value {
        Value::Object(Rc::new(self))
    }

    /// The `ca certificate` argument of `genSignedCert*`: only Sprig's own certificate object converts.
    pub(crate) fn from_value(v: &Value) -> Result<Certificate, String> {
        if let Value::Object(o) = v {
            if o.type_name() == "sprig.certificate" {
                let text = |n| match o.field(n) {
                    Some(Value::String(s)) => s.to_string(),
                    _ => String::new(),
                };
                return Ok(Certificate {
                    cert: text("Cert"),
                    key: text("Key"),
                });
            }
        }
        Err(format!(
            "wrong type for value; expected sprig.certificate; got {}",
            v.type_name()
        ))
    }
}

/// What Sprig's `getBaseCertTemplate` fills in, plus the CA switch of `genCA`.
struct Template {
    cn: String,
    ips: Vec<IpAddr>,
    dns: Vec<String>,
    days_valid: i64,
    is_ca: bool,
}

/// The items of a `[]interface{}` argument (nil is an empty list).
fn list_items(v: &Value) -> Vec<Value> {
    match v.underlying() {
        Value::List(l) => l.borrow().clone(),
        _ => Vec::new(),
    }
}

/// Sprig's `getNetIPs`.
fn net_ips(v: &Value) -> Result<Vec<IpAddr>, String> {
    list_items(v)
        .iter()
        .map(|ip| match ip {
            Value::String(s) => parse_ip(s).ok_or_else(|| format!("error parsing ip: {s}")),
            other => Err(format!(
                "error parsing ip: {} is not a string",
                gotemplate::fmt::display(other)
            )),
        })
        .collect()
}

/// Go's `net.ParseIP`: dotted IPv4 without leading zeros, or IPv6 (no zone).
fn parse_ip(s: &str) -> Option<IpAddr> {
    if s.contains('.') && !s.contains(':') {
        // Go rejects octets with leading zeros; so does Rust's parser, but be explicit.
        if s.split('.').any(|p| p.len() > 1 && p.starts_with('0')) {
            return None;
        }
    }
    s.parse::<IpAddr>().ok()
}

/// Sprig's `getAlternateDNSStrs`.
fn dns_names(v: &Value) -> Result<Vec<String>, String> {
    list_items(v)
        .iter()
        .map(|d| match d {
            Value::String(s) => Ok(s.to_string()),
            other => Err(format!(
                "error processing alternate dns name: {} is not a string",
                gotemplate::fmt::display(other)
            )),
        })
        .collect()
}

/// Go's encoding/asn1 `isPrintable` as used for untagged strings (no `*`, no `&`).
fn is_printable_string(s: &str) -> bool {
    s.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b' ' | b'\'' | b'(' | b')' | b'+' | b',' | b'-' | b'.' | b'/' | b':' | b'=' | b'?'
            )
    })
}

/// `pkix.Name{CommonName: cn}` as Go marshals it (an empty name when `cn` is empty).
fn name_der(cn: &str) -> Vec<u8> {
    if cn.is_empty() {
        return seq(&[]);
    }
    let value = if is_printable_string(cn) {
        tlv(0x13, cn.as_bytes())
    } else {
        tlv(0x0c, cn.as_bytes())
    };
    let atv = seq(&[&[6, 3, 0x55, 4, 3], &value]);
    seq(&[&tlv(0x31, &atv)])
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Go's asn1 time: UTCTime for 1950–2049, GeneralizedTime otherwise (years 0–9999).
fn time_der(unix: i64) -> Result<Vec<u8>, String> {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    let (h, mi, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if (1950..2050).contains(&y) {
        let text = format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100);
        Ok(tlv(0x17, text.as_bytes()))
    } else if (0..=9999).contains(&y) {
        let text = format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z");
        Ok(tlv(0x18, text.as_bytes()))
    } else {
        Err("asn1: structure error: cannot represent time as GeneralizedTime".into())
    }
}

/// `NotBefore: time.Now()`, `NotAfter: time.Now().Add(time.Hour * 24 * time.Duration(daysValid))`, in
/// whole seconds as the certificate stores them (the duration wraps like Go's int64 arithmetic).
fn validity(days_valid: i64) -> (i64, i64) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let now_s = now.as_secs() as i64;
    let now_ns = now.subsec_nanos() as i64;
    let d = 86_400_000_000_000i64.wrapping_mul(days_valid);
    let after = now_s + (now_ns + d).div_euclid(1_000_000_000);
    (now_s, after)
}

/// A random serial in [0, 2^128), as `rand.Int(rand.Reader, 1<<128)`.
fn serial() -> Vec<u8> {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b.to_vec()
}

fn extension(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    if critical {
        seq(&[oid, &[1, 1, 0xff], &octet_string(value)])
    } else {
        seq(&[oid, &octet_string(value)])
    }
}

/// Go's `marshalSANs` for DNS names and IP addresses (DNS names first).
fn san_der(dns: &[String], ips: &[IpAddr]) -> Result<Vec<u8>, String> {
    let mut parts = Vec::new();
    for name in dns {
        if !name.is_ascii() {
            return Err(format!(
                "x509: {} cannot be encoded as an IA5String",
                go_quote(name)
            ));
        }
        parts.push(tlv(0x82, name.as_bytes()));
    }
    for ip in ips {
        let bytes = match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.octets().to_vec(),
                None => v6.octets().to_vec(),
            },
        };
        parts.push(tlv(0x87, &bytes));
    }
    Ok(tlv(0x30, &parts.concat()))
}

fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The parts of the issuing certificate that `CreateCertificate` uses.
struct Parent {
    subject: Vec<u8>,
    subject_key_id: Vec<u8>,
    public_key_bits: Vec<u8>,
}

/// Go's `x509.CreateCertificate(rand, template, parent, signee public key, signer)` restricted to what
/// Sprig's templates set. `parent` is `None` for self-signed certificates.
fn create_certificate(
    t: &Template,
    signee: &PrivateKey,
    parent: Option<&Parent>,
    signer: &PrivateKey,
) -> Result<Vec<u8>, String> {
    if !signer.is_signer() {
        return Err(keys::not_a_signer());
    }
    let sig_alg = signer.signature_algorithm()?;
    let (spki_alg, public_key_bits) = signee.public_key_info()?;
    let subject = name_der(&t.cn);
    let issuer = parent.map_or_else(|| subject.clone(), |p| p.subject.clone());
    let authority_key_id = match parent {
        Some(p) if issuer != subject && !p.subject_key_id.is_empty() => p.subject_key_id.clone(),
        _ => Vec::new(),
    };
    let subject_key_id = if t.is_ca {
        Sha256::digest(&public_key_bits)[..20].to_vec()
    } else {
        Vec::new()
    };
    // The signer must match the issuing certificate's key (for self-signed: the template's own key).
    let (_, signer_bits) = signer.public_key_info()?;
    let parent_bits = parent.map_or(&public_key_bits, |p| &p.public_key_bits);
    if &signer_bits != parent_bits {
        return Err("x509: provided PrivateKey doesn't match parent's PublicKey".into());
    }

    // Extensions, in buildCertExtensions order.
    let mut exts = Vec::new();
    let key_usage: &[u8] = if t.is_ca {
        &[3, 2, 2, 0xa4]
    } else {
        &[3, 2, 5, 0xa0]
    };
    exts.push(extension(&[6, 3, 0x55, 29, 15], true, key_usage));
    let eku = seq(&[
        &[6, 8, 0x2b, 6, 1, 5, 5, 7, 3, 1],
        &[6, 8, 0x2b, 6, 1, 5, 5, 7, 3, 2],
    ]);
    exts.push(extension(&[6, 3, 0x55, 29, 37], false, &eku));
    let basic: &[u8] = if t.is_ca {
        &[0x30, 3, 1, 1, 0xff]
    } else {
        &[0x30, 0]
    };
    exts.push(extension(&[6, 3, 0x55, 29, 19], true, basic));
    if !subject_key_id.is_empty() {
        exts.push(extension(
            &[6, 3, 0x55, 29, 14],
            false,
            &octet_string(&subject_key_id),
        ));
    }
    if !authority_key_id.is_empty() {
        exts.push(extension(
            &[6, 3, 0x55, 29, 35],
            false,
            &seq(&[&tlv(0x80, &authority_key_id)]),
        ));
    }
    if !t.dns.is_empty() || !t.ips.is_empty() {
        let subject_is_empty = subject == [0x30, 0];
        exts.push(extension(
            &[6, 3, 0x55, 29, 17],
            subject_is_empty,
            &san_der(&t.dns, &t.ips)?,
        ));
    }

    let (not_before, not_after) = validity(t.days_valid);
    let tbs = seq(&[
        &tlv(0xa0, &uint(&[2])),
        &uint(&serial()),
        &sig_alg,
        &issuer,
        &seq(&[&time_der(not_before)?, &time_der(not_after)?]),
        &subject,
        &seq(&[&spki_alg, &bit_string(&public_key_bits)]),
        &tlv(0xa3, &tlv(0x30, &exts.concat())),
    ]);
    let signature = signer.sign(&tbs)?;
    Ok(seq(&[&tbs, &sig_alg, &bit_string(&signature)]))
}

/// Sprig's `getCertAndKey`: PEM of the certificate and of the signee's key.
fn cert_and_key(
    t: &Template,
    signee: &PrivateKey,
    parent: Option<&Parent>,
    signer: &PrivateKey,
) -> Result<Certificate, String> {
    let der = create_certificate(t, signee, parent, signer)
        .map_err(|e| format!("error creating certificate: {e}"))?;
    Ok(Certificate {
        cert: der::pem_encode("CERTIFICATE", &der),
        key: signee.to_pem(),
    })
}

fn new_rsa_2048() -> Result<PrivateKey, String> {
    keys::generate_rsa(2048).map_err(|e| format!("error generating rsa key: {e}"))
}

fn pem_key(pem: &str) -> Result<PrivateKey, String> {
    keys::parse_pem(pem).map_err(|e| format!("parsing private key: {e}"))
}

fn template(
    cn: &str,
    ips: &Value,
    dns: &Value,
    days: i64,
    is_ca: bool,
) -> Result<Template, String> {
    Ok(Template {
        cn: cn.to_string(),
        ips: net_ips(ips)?,
        dns: dns_names(dns)?,
        days_valid: days,
        is_ca,
    })
}

/// `genCA` / `genCAWithKey` (`key` = PEM text).
pub(crate) fn gen_ca(cn: &str, days: i64, key: Option<&str>) -> Result<Certificate, String> {
    let priv_key = match key {
        Some(pem) => pem_key(pem)?,
        None => new_rsa_2048()?,
    };
    let t = template(cn, &Value::Nil, &Value::Nil, days, true)?;
    cert_and_key(&t, &priv_key, None, &priv_key)
}

/// `genSelfSignedCert` / `genSelfSignedCertWithKey`.
pub(crate) fn gen_self_signed(
    cn: &str,
    ips: &Value,
    dns: &Value,
    days: i64,
    key: Option<&str>,
) -> Result<Certificate, String> {
    let priv_key = match key {
        Some(pem) => pem_key(pem)?,
        None => new_rsa_2048()?,
    };
    let t = template(cn, ips, dns, days, false)?;
    cert_and_key(&t, &priv_key, None, &priv_key)
}

/// `genSignedCert` / `genSignedCertWithKey`.
pub(crate) fn gen_signed(
    cn: &str,
    ips: &Value,
    dns: &Value,
    days: i64,
    ca: &Certificate,
    key: Option<&str>,
) -> Result<Certificate, String> {
    let priv_key = match key {
        Some(pem) => pem_key(pem)?,
        None => new_rsa_2048()?,
    };
    let block = der::pem_decode(&ca.cert).ok_or("unable to decode certificate")?;
    let parent = parse_certificate(&block.bytes)
        .map_err(|e| format!("error parsing certificate: decodedSignerCert.Bytes: {e}"))?;
    let signer = keys::parse_pem(&ca.key).map_err(|e| format!("error parsing private key: {e}"))?;
    let t = template(cn, ips, dns, days, false)?;
    cert_and_key(&t, &priv_key, Some(&parent), &signer)
}

/// `buildCustomCert`: checks both base64 PEM texts and returns them as a certificate object.
pub(crate) fn build_custom(b64cert: &str, b64key: &str) -> Result<Certificate, String> {
    let cert = der::base64_decode(b64cert).map_err(|_| "unable to decode base64 certificate")?;
    let key = der::base64_decode(b64key).map_err(|_| "unable to decode base64 private key")?;
    let cert = String::from_utf8_lossy(&cert).into_owned();
    let key = String::from_utf8_lossy(&key).into_owned();
    let block = der::pem_decode(&cert).ok_or("unable to decode certificate")?;
    parse_certificate(&block.bytes)
        .map_err(|e| format!("error parsing certificate: decodedCert.Bytes: {e}"))?;
    keys::parse_pem(&key).map_err(|e| format!("error parsing private key: {e}"))?;
    Ok(Certificate { cert, key })
}

/// Parse a DER certificate (as Go's `x509.ParseCertificate` would accept it) and keep what signing
/// under it needs.
fn parse_certificate(der_bytes: &[u8]) -> Result<Parent, String> {
    use x509_cert::der::{Decode, Encode};
    let cert = x509_cert::Certificate::from_der(der_bytes)
        .map_err(|_| "x509: malformed certificate".to_string())?;
    let tbs = &cert.tbs_certificate;
    let subject = tbs
        .subject
        .to_der()
        .map_err(|_| "x509: malformed certificate".to_string())?;
    let public_key_bits = tbs
        .subject_public_key_info
        .subject_public_key
        .raw_bytes()
        .to_vec();
    let mut subject_key_id = Vec::new();
    for ext in tbs.extensions.iter().flatten() {
        if ext.extn_id.to_string() == "2.5.29.14" {
            if let Some((inner, _)) = der::read(ext.extn_value.as_bytes()) {
                if inner.tag == 4 {
                    subject_key_id = inner.content.to_vec();
                }
            }
        }
    }
    Ok(Parent {
        subject,
        subject_key_id,
        public_key_bits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_like_go_asn1() {
        assert_eq!(time_der(0).unwrap(), tlv(0x17, b"700101000000Z"));
        assert_eq!(time_der(951_782_400).unwrap(), tlv(0x17, b"000229000000Z"));
        assert_eq!(
            time_der(2_524_608_000).unwrap(),
            tlv(0x18, b"20500101000000Z")
        );
        assert_eq!(
            time_der(-631_152_001).unwrap(),
            tlv(0x18, b"19491231235959Z")
        );
        assert!(time_der(253_402_300_800).is_err());
    }

    #[test]
    fn names_pick_go_string_types() {
        assert_eq!(name_der("my-ca")[11], 0x13);
        assert_eq!(name_der("*.x.com")[11], 0x0c);
        assert_eq!(name_der(""), [0x30, 0]);
    }

    #[test]
    fn ips_like_go() {
        assert!(parse_ip("1.2.3.400").is_none());
        assert!(parse_ip("01.2.3.4").is_none());
        assert!(parse_ip("::ffff:1.2.3.4").is_some());
        assert!(parse_ip("fe80::1%eth0").is_none());
        let san = san_der(&[], &[parse_ip("::ffff:1.2.3.4").unwrap()]).unwrap();
        assert_eq!(san, [0x30, 6, 0x87, 4, 1, 2, 3, 4]);
    }
}
