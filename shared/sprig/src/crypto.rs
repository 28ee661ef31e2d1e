//! Sprig's crypto, random, UUID and semver functions (genCA, genPrivateKey, bcrypt, derivePassword,
//! encryptAES, randAlphaNum, uuidv4, semverCompare, …) with Sprig v3.3's behaviour and messages.
//!
//! Random outputs cannot match Go byte for byte; their shape does (alphabets, lengths, PEM block types,
//! line counts, certificate fields). Deterministic functions (hashes, `derivePassword`, `decryptAES`
//! of Sprig ciphertext) are byte-exact.

mod cert;
mod der;
mod keys;
mod prime;

use gotemplate::{ArgType, FuncMap, Function, Object, Signature, Value};
use rand_core::{OsRng, RngCore};
use crate::util::bytes_of;
use std::rc::Rc;

use ArgType::{Any, ByteString as ByteStr, Int, List, String as Str};

pub fn register(map: &mut FuncMap) {
    let mut add = |name: &str, params: &[ArgType], f: fn(&[Value]) -> Result<Value, String>| {
        map.insert(name.to_string(), Function::pure(Signature::new(params), f));
    };

    // Hashes.
    add("sha1sum", &[ByteStr], |a| {
        Ok(Value::string(hex(&sha1_digest(&bytes_of(a, 0)))))
    });
    add("sha256sum", &[ByteStr], |a| {
        use sha2::Digest;
        Ok(Value::string(hex(&sha2::Sha256::digest(
            &bytes_of(a, 0),
        ))))
    });
    add("sha512sum", &[ByteStr], |a| {
        use sha2::Digest;
        Ok(Value::string(hex(&sha2::Sha512::digest(
            &bytes_of(a, 0),
        ))))
    });
    add("adler32sum", &[ByteStr], |a| {
        Ok(Value::string(adler32(&bytes_of(a, 0)).to_string()))
    });

    // Passwords.
    add("bcrypt", &[Str], |a| {
        Ok(Value::string(bcrypt_hash(s(a, 0))))
    });
    add("htpasswd", &[Str, Str], |a| {
        let (user, pass) = (s(a, 0), s(a, 1));
        if user.contains(':') {
            return Ok(Value::string(format!("invalid username: {user}")));
        }
        Ok(Value::string(format!("{user}:{}", bcrypt_hash(pass))))
    });
    add("derivePassword", &[Int, Str, Str, Str, Str], |a| {
        let counter = match a.first() {
            Some(Value::Int(n) | Value::Int64(n)) => {
                u32::try_from(*n).map_err(|_| format!("expected unsigned integer; found {n}"))?
            }
            _ => 0,
        };
        Ok(Value::string(derive_password(
            counter,
            s(a, 1),
            s(a, 2),
            s(a, 3),
            s(a, 4),
        )))
    });

    // Symmetric encryption.
    add("encryptAES", &[Str, Str], |a| {
        encrypt_aes(s(a, 0), s(a, 1)).map(Value::string)
    });
    add("decryptAES", &[Str, Str], |a| {
        decrypt_aes(s(a, 0), s(a, 1)).map(Value::string)
    });

    // Random values.
    add("randAlphaNum", &[Int], |a| {
        random_string(int(a, 0), RandClass::AlphaNum).map(Value::string)
    });
    add("randAlpha", &[Int], |a| {
        random_string(int(a, 0), RandClass::Alpha).map(Value::string)
    });
    add("randNumeric", &[Int], |a| {
        random_string(int(a, 0), RandClass::Numeric).map(Value::string)
    });
    add("randAscii", &[Int], |a| {
        random_string(int(a, 0), RandClass::Ascii).map(Value::string)
    });
    add("randBytes", &[Int], |a| {
        let n = usize::try_from(int(a, 0)).map_err(|_| MAKESLICE)?;
        let mut buf = Vec::new();
        buf.try_reserve_exact(n).map_err(|_| MAKESLICE)?;
        buf.resize(n, 0);
        OsRng.try_fill_bytes(&mut buf).map_err(|e| e.to_string())?;
        Ok(Value::string(gotemplate::value::base64_std(&buf)))
    });
    add("randInt", &[Int, Int], |a| {
        let (min, max) = (int(a, 0), int(a, 1));
        let n = max.wrapping_sub(min);
        if n <= 0 {
            return Err("invalid argument to Intn".into());
        }
        Ok(Value::Int(min.wrapping_add(below(n as u64) as i64)))
    });
    add("uuidv4", &[], |_| Ok(Value::string(uuid_v4())));
    add("shuffle", &[Str], |a| Ok(Value::string(shuffle(s(a, 0)))));

    // Keys and certificates.
    add("genPrivateKey", &[Str], |a| {
        Ok(Value::string(keys::generate_pem(s(a, 0))))
    });
    add("genCA", &[Str, Int], |a| {
        cert::gen_ca(s(a, 0), int(a, 1), None).map(|c| c.into_value())
    });
    add("genCAWithKey", &[Str, Int, Str], |a| {
        cert::gen_ca(s(a, 0), int(a, 1), Some(s(a, 2))).map(|c| c.into_value())
    });
    add("genSelfSignedCert", &[Str, List, List, Int], |a| {
        cert::gen_self_signed(s(a, 0), arg(a, 1), arg(a, 2), int(a, 3), None)
            .map(|c| c.into_value())
    });
    add(
        "genSelfSignedCertWithKey",
        &[Str, List, List, Int, Str],
        |a| {
            cert::gen_self_signed(s(a, 0), arg(a, 1), arg(a, 2), int(a, 3), Some(s(a, 4)))
                .map(|c| c.into_value())
        },
    );
    add("genSignedCert", &[Str, List, List, Int, Any], |a| {
        let ca = cert::Certificate::from_value(arg(a, 4))?;
        cert::gen_signed(s(a, 0), arg(a, 1), arg(a, 2), int(a, 3), &ca, None)
            .map(|c| c.into_value())
    });
    add(
        "genSignedCertWithKey",
        &[Str, List, List, Int, Any, Str],
        |a| {
            let ca = cert::Certificate::from_value(arg(a, 4))?;
            cert::gen_signed(s(a, 0), arg(a, 1), arg(a, 2), int(a, 3), &ca, Some(s(a, 5)))
                .map(|c| c.into_value())
        },
    );
    add("buildCustomCert", &[Str, Str], |a| {
        cert::build_custom(s(a, 0), s(a, 1)).map(|c| c.into_value())
    });

    // Semantic versions.
    add("semver", &[Str], |a| {
        gosemver::Version::parse(s(a, 0))
            .map(|v| SemverVersion::value(v, true))
            .map_err(|e| e.to_string())
    });
    add("semverCompare", &[Str, Str], |a| {
        let c = gosemver::Constraints::parse(s(a, 0)).map_err(|e| e.to_string())?;
        let v = gosemver::Version::parse(s(a, 1)).map_err(|e| e.to_string())?;
        Ok(Value::Bool(c.check(&v)))
    });
}

/// Go's runtime panic for an impossible slice length, which text/template reports as the call's error.
const MAKESLICE: &str = "runtime error: makeslice: len out of range";

fn arg(a: &[Value], i: usize) -> &Value {
    const NIL: &Value = &Value::Nil;
    a.get(i).unwrap_or(NIL)
}

/// A `string` parameter (the executor has converted it already).
fn s(a: &[Value], i: usize) -> &str {
    arg(a, i).as_str().unwrap_or("")
}

/// An `int` parameter.
fn int(a: &[Value], i: usize) -> i64 {
    match arg(a, i) {
        Value::Int(n) | Value::Int64(n) => *n,
        Value::Float(f) => *f as i64,
        _ => 0,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha1_digest(data: &[u8]) -> Vec<u8> {
    use sha1::Digest;
    sha1::Sha1::digest(data).to_vec()
}

/// Go's `hash/adler32.Checksum`.
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += x as u32;
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    b << 16 | a
}

/// Sprig's `bcrypt`: cost 10, `$2a$`, errors reported in the output text as Sprig does.
fn bcrypt_hash(input: &str) -> String {
    if input.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .into();
    }
    match bcrypt::hash_with_result(input, 10) {
        Ok(parts) => parts.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

const MASTER_PASSWORD_SEED: &[u8] = b"com.lyndir.masterpassword";

fn password_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_chars(class: u8) -> &'static [u8] {
    match class {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// Sprig's `derivePassword`: the Master Password algorithm (scrypt N=32768 r=8 p=2, HMAC-SHA256 seed,
/// template characters).
fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    use hmac::Mac;
    let Some(templates) = password_templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let mut salt = MASTER_PASSWORD_SEED.to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let mut key = [0u8; 64];
    let derived = scrypt::Params::new(15, 8, 2, 64)
        .map_err(|e| e.to_string())
        .and_then(|p| {
            scrypt::scrypt(password.as_bytes(), &salt, &p, &mut key).map_err(|e| e.to_string())
        });
    if let Err(e) = derived {
        return format!("failed to derive password: {e}");
    }
    let mut message = MASTER_PASSWORD_SEED.to_vec();
    message.extend_from_slice(&(site.len() as u32).to_be_bytes());
    message.extend_from_slice(site.as_bytes());
    message.extend_from_slice(&counter.to_be_bytes());
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key) else {
        return "failed to derive password: hmac".into();
    };
    mac.update(&message);
    let seed = mac.finalize().into_bytes();
    let template = templates[seed[0] as usize % templates.len()];
    template
        .bytes()
        .enumerate()
        .map(|(i, class)| {
            let chars = template_chars(class);
            chars[seed.get(i + 1).copied().unwrap_or(0) as usize % chars.len()] as char
        })
        .collect()
}

/// Sprig's AES key: the password's bytes in a zeroed 32-byte buffer (AES-256).
fn aes_key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let p = password.as_bytes();
    let n = p.len().min(32);
    key[..n].copy_from_slice(&p[..n]);
    key
}

/// Sprig's `encryptAES`: PKCS#7-style padding, random IV, AES-256-CBC, base64(IV ‖ ciphertext).
fn encrypt_aes(password: &str, plaintext: &str) -> Result<String, String> {
    use aes::cipher::{BlockEncryptMut, KeyIvInit};
    if plaintext.is_empty() {
        return Ok(String::new());
    }
    let mut content = plaintext.as_bytes().to_vec();
    let pad = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(pad as u8, pad));
    let mut iv = [0u8; 16];
    OsRng.try_fill_bytes(&mut iv).map_err(|e| e.to_string())?;
    let mut enc = cbc::Encryptor::<aes::Aes256>::new(&aes_key(password).into(), &iv.into());
    for block in content.chunks_mut(16) {
        enc.encrypt_block_mut(aes::Block::from_mut_slice(block));
    }
    let mut out = iv.to_vec();
    out.extend_from_slice(&content);
    Ok(gotemplate::value::base64_std(&out))
}

/// Sprig's `decryptAES`, failing where Go panics, with Go's runtime messages.
fn decrypt_aes(password: &str, crypt64: &str) -> Result<String, String> {
    use aes::cipher::{BlockDecryptMut, KeyIvInit};
    if crypt64.is_empty() {
        return Ok(String::new());
    }
    let crypt = der::base64_decode(crypt64)?;
    if crypt.len() < 16 {
        return Err(format!(
            "runtime error: slice bounds out of range [:16] with capacity {}",
            crypt.len()
        ));
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let mut data = body.to_vec();
    let mut dec = cbc::Decryptor::<aes::Aes256>::new(&aes_key(password).into(), iv.into());
    for block in data.chunks_mut(16) {
        dec.decrypt_block_mut(aes::Block::from_mut_slice(block));
    }
    let Some(&last) = data.last() else {
        return Err("runtime error: index out of range [-1]".into());
    };
    let keep = data.len() as i64 - last as i64;
    if keep < 0 {
        return Err(format!(
            "runtime error: slice bounds out of range [:{keep}]"
        ));
    }
    data.truncate(keep as usize);
    Ok(String::from_utf8_lossy(&data).into_owned())
}

/// A uniform random number in [0, n), n > 0.
fn below(n: u64) -> u64 {
    let zone = u64::MAX - (u64::MAX % n + 1) % n;
    loop {
        let x = OsRng.next_u64();
        if x <= zone {
            return x % n;
        }
    }
}

#[derive(Clone, Copy)]
enum RandClass {
    Alpha,
    AlphaNum,
    Numeric,
    Ascii,
}

/// goutils' `CryptoRandom*`: `count` characters drawn uniformly from the class (Alpha: A–Z a–z,
/// AlphaNum: plus 0–9, Numeric: 0–9, Ascii: code points 32–126). A negative count gives "" as in
/// Sprig, which drops goutils' error.
fn random_string(count: i64, class: RandClass) -> Result<String, String> {
    // goutils allocates `make([]rune, count)` first; Go refuses lengths beyond its allocation limit.
    if count > 1 << 46 {
        return Err(MAKESLICE.into());
    }
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const DIGITS: &[u8] = b"0123456789";
    let mut out = String::new();
    for _ in 0..count.max(0) {
        let c = match class {
            RandClass::Alpha => ALPHA[below(ALPHA.len() as u64) as usize],
            RandClass::AlphaNum => ALNUM[below(ALNUM.len() as u64) as usize],
            RandClass::Numeric => DIGITS[below(10) as usize],
            RandClass::Ascii => 32 + below(95) as u8,
        };
        out.push(c as char);
    }
    Ok(out)
}

/// google/uuid `New().String()`: a random (version 4, RFC 4122 variant) UUID in lower-case hex.
fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// xstrings `Shuffle`: a uniform permutation of the string's characters.
fn shuffle(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for i in (1..chars.len()).rev() {
        let j = below(i as u64 + 1) as usize;
        chars.swap(i, j);
    }
    chars.into_iter().collect()
}

/// Masterminds' `*semver.Version` (from `semver`) or `semver.Version` (from `IncMajor` and friends)
/// as a template object: `.Major`, `.Prerelease`, `.Original`, `.Compare $other`, …
struct SemverVersion {
    v: gosemver::Version,
    pointer: bool,
}

impl SemverVersion {
    fn value(v: gosemver::Version, pointer: bool) -> Value {
        Value::Object(Rc::new(SemverVersion { v, pointer }))
    }

    fn other(&self, args: &[Value]) -> Result<gosemver::Version, String> {
        match args.first() {
            Some(Value::Object(o)) if o.type_name() == "*semver.Version" => {
                let text = match o.field("Original") {
                    Some(Value::String(s)) if !s.is_empty() => s.to_string(),
                    _ => o.display(),
                };
                gosemver::Version::parse(&text).map_err(|e| e.to_string())
            }
            Some(v) => Err(format!(
                "wrong type for value; expected *semver.Version; got {}",
                v.type_name()
            )),
            None => Err("wrong number of args: got 0 want 1".into()),
        }
    }
}

impl Object for SemverVersion {
    fn type_name(&self) -> String {
        if self.pointer {
            "*semver.Version"
        } else {
            "semver.Version"
        }
        .into()
    }
    fn kind(&self) -> &'static str {
        if self.pointer {
            "ptr"
        } else {
            "struct"
        }
    }
    fn field(&self, name: &str) -> Option<Value> {
        let v = &self.v;
        Some(match name {
            "Major" => Value::Int64(v.major() as i64),
            "Minor" => Value::Int64(v.minor() as i64),
            "Patch" => Value::Int64(v.patch() as i64),
            "Prerelease" => Value::str(v.prerelease()),
            "Metadata" => Value::str(v.metadata()),
            "Original" => Value::str(v.original()),
            "String" => Value::string(v.to_string()),
            "IncMajor" => SemverVersion::value(v.inc_major()?, false),
            "IncMinor" => SemverVersion::value(v.inc_minor()?, false),
            "IncPatch" => SemverVersion::value(v.inc_patch()?, false),
            _ => return None,
        })
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "Compare"
                | "LessThan"
                | "LessThanEqual"
                | "GreaterThan"
                | "GreaterThanEqual"
                | "Equal"
                | "SetPrerelease"
                | "SetMetadata"
        )
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        use std::cmp::Ordering::*;
        let cmp = |f: fn(std::cmp::Ordering) -> bool| {
            self.other(args).map(|o| Value::Bool(f(self.v.compare(&o))))
        };
        Some(match name {
            "Compare" => self
                .other(args)
                .map(|o| Value::Int(self.v.compare(&o) as i64)),
            "LessThan" => cmp(|o| o == Less),
            "LessThanEqual" => cmp(|o| o != Greater),
            "GreaterThan" => cmp(|o| o == Greater),
            "GreaterThanEqual" => cmp(|o| o != Less),
            "Equal" => cmp(|o| o == Equal),
            "SetPrerelease" | "SetMetadata" => {
                let text = args.first().and_then(|a| a.as_str()).unwrap_or("");
                let r = if name == "SetPrerelease" {
                    self.v.set_prerelease(text)
                } else {
                    self.v.set_metadata(text)
                };
                r.map(|v| SemverVersion::value(v, false))
                    .map_err(|e| e.to_string())
            }
            _ => return self.field(name).map(Ok),
        })
    }
    fn display(&self) -> String {
        self.v.to_string()
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::String(self.v.to_string()))
    }
}

#[cfg(test)]
mod tests;
