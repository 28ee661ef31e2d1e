//! Private keys as Sprig handles them: generation (`genPrivateKey`), Go's PEM forms (`RSA PRIVATE KEY`,
//! `EC PRIVATE KEY`, `DSA PRIVATE KEY`, PKCS#8 `PRIVATE KEY` for ed25519), parsing them back
//! (`parsePrivateKeyPEM`), public key info and certificate signatures.

use super::der::{self, bit_string, octet_string, seq, tlv, uint};
use rand_core::OsRng;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};

/// DER of the OBJECT IDENTIFIERs used here (tag and length included).
pub(crate) mod oid {
    pub const RSA_ENCRYPTION: &[u8] = &[6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 1];
    pub const SHA256_WITH_RSA: &[u8] = &[6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 11];
    pub const EC_PUBLIC_KEY: &[u8] = &[6, 7, 0x2a, 0x86, 0x48, 0xce, 0x3d, 2, 1];
    pub const PRIME256V1: &[u8] = &[6, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 3, 1, 7];
    pub const ECDSA_WITH_SHA256: &[u8] = &[6, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 4, 3, 2];
    pub const ED25519: &[u8] = &[6, 3, 0x2b, 0x65, 0x70];
}

const NULL: &[u8] = &[5, 0];

/// A private key of one of the kinds Sprig generates or reads.
pub(crate) enum PrivateKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ec(p256::SecretKey),
    Ed25519(ed25519_dalek::SigningKey),
    /// DSA keys can be generated and read but not used to sign (Go's DSA key is no `crypto.Signer`).
    Dsa(Vec<u8>),
}

/// Go's `%v` of a generation failure is opaque; this is what we say instead.
fn keygen_error(e: impl std::fmt::Display) -> String {
    format!("failed to generate private key: {e}")
}

/// `genPrivateKey`: the PEM text, or Sprig's in-band message (`Unknown type …`).
pub(crate) fn generate_pem(typ: &str) -> String {
    let key = match typ {
        "" | "rsa" => generate_rsa(4096),
        "dsa" => generate_dsa(),
        "ecdsa" => Ok(PrivateKey::Ec(p256::SecretKey::random(&mut OsRng))),
        "ed25519" => Ok(PrivateKey::Ed25519(ed25519_dalek::SigningKey::generate(
            &mut OsRng,
        ))),
        _ => return format!("Unknown type {typ}"),
    };
    match key {
        Ok(k) => k.to_pem(),
        Err(e) => e,
    }
}

/// An RSA key with public exponent 65537. Sizes whose primes are whole 64-bit words (2048, 4096)
/// take the fast prime search (`prime.rs`); others the `rsa` crate's own generator.
pub(crate) fn generate_rsa(bits: usize) -> Result<PrivateKey, String> {
    if bits >= 256 && bits % 128 == 0 {
        let p = super::prime::random_prime(&mut OsRng, bits / 2);
        let q = loop {
            let q = super::prime::random_prime(&mut OsRng, bits / 2);
            if q != p {
                break q;
            }
        };
        let big = |x: &[u64]| rsa::BigUint::from_bytes_be(&super::prime::to_be_bytes(x));
        return rsa::RsaPrivateKey::from_p_q(big(&p), big(&q), rsa::BigUint::from(65537u32))
            .map(|k| PrivateKey::Rsa(Box::new(k)))
            .map_err(keygen_error);
    }
    rsa::RsaPrivateKey::new(&mut OsRng, bits)
        .map(|k| PrivateKey::Rsa(Box::new(k)))
        .map_err(keygen_error)
}

fn generate_dsa() -> Result<PrivateKey, String> {
    let components = dsa::Components::generate(&mut OsRng, dsa::KeySize::DSA_2048_256);
    let key = dsa::SigningKey::generate(&mut OsRng, components);
    let vk = key.verifying_key();
    let c = vk.components();
    let der = seq(&[
        &uint(&[0]),
        &uint(&c.p().to_bytes_be()),
        &uint(&c.q().to_bytes_be()),
        &uint(&c.g().to_bytes_be()),
        &uint(&vk.y().to_bytes_be()),
        &uint(&key.x().to_bytes_be()),
    ]);
    Ok(PrivateKey::Dsa(der))
}

/// Go's `elliptic.Marshal`: the uncompressed point.
fn ec_point(k: &p256::SecretKey) -> Vec<u8> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    k.public_key().to_encoded_point(false).as_bytes().to_vec()
}

impl PrivateKey {
    /// Sprig's `pemBlockForKey`: block type and DER as Go's marshal functions write them.
    pub(crate) fn to_pem(&self) -> String {
        match self {
            PrivateKey::Rsa(k) => {
                let der = k
                    .to_pkcs1_der()
                    .map(|d| d.as_bytes().to_vec())
                    .unwrap_or_default();
                der::pem_encode("RSA PRIVATE KEY", &der)
            }
            PrivateKey::Ec(k) => {
                // x509.MarshalECPrivateKey: version 1, D padded to the curve size, curve, public key.
                let d = k.to_bytes();
                let der = seq(&[
                    &uint(&[1]),
                    &octet_string(&d),
                    &tlv(0xa0, oid::PRIME256V1),
                    &tlv(0xa1, &bit_string(&ec_point(k))),
                ]);
                der::pem_encode("EC PRIVATE KEY", &der)
            }
            PrivateKey::Ed25519(k) => {
                // x509.MarshalPKCS8PrivateKey: version 0, Ed25519 algorithm, OCTET STRING(OCTET STRING(seed)).
                let der = seq(&[
                    &uint(&[0]),
                    &seq(&[oid::ED25519]),
                    &octet_string(&octet_string(&k.to_bytes())),
                ]);
                der::pem_encode("PRIVATE KEY", &der)
            }
            PrivateKey::Dsa(der) => der::pem_encode("DSA PRIVATE KEY", der),
        }
    }

    /// Go's `marshalPublicKey`: the SubjectPublicKeyInfo algorithm identifier and key bits.
    pub(crate) fn public_key_info(&self) -> Result<(Vec<u8>, Vec<u8>), String> {
        match self {
            PrivateKey::Rsa(k) => {
                let pubkey = k.to_public_key();
                let der = pubkey
                    .to_pkcs1_der()
                    .map_err(|e| format!("x509: {e}"))?
                    .as_bytes()
                    .to_vec();
                Ok((seq(&[oid::RSA_ENCRYPTION, NULL]), der))
            }
            PrivateKey::Ec(k) => Ok((seq(&[oid::EC_PUBLIC_KEY, oid::PRIME256V1]), ec_point(k))),
            PrivateKey::Ed25519(k) => {
                Ok((seq(&[oid::ED25519]), k.verifying_key().to_bytes().to_vec()))
            }
            PrivateKey::Dsa(_) => Err("x509: unsupported public key type: *dsa.PublicKey".into()),
        }
    }

    /// The signature AlgorithmIdentifier Go picks for this signing key.
    pub(crate) fn signature_algorithm(&self) -> Result<Vec<u8>, String> {
        match self {
            PrivateKey::Rsa(_) => Ok(seq(&[oid::SHA256_WITH_RSA, NULL])),
            PrivateKey::Ec(_) => Ok(seq(&[oid::ECDSA_WITH_SHA256])),
            PrivateKey::Ed25519(_) => Ok(seq(&[oid::ED25519])),
            PrivateKey::Dsa(_) => Err(not_a_signer()),
        }
    }

    /// Sign `tbs` as Go's `signTBS` does for this key type.
    pub(crate) fn sign(&self, tbs: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            PrivateKey::Rsa(k) => {
                let digest = Sha256::digest(tbs);
                k.sign_with_rng(&mut OsRng, rsa::Pkcs1v15Sign::new::<Sha256>(), &digest)
                    .map_err(|e| format!("x509: {e}"))
            }
            PrivateKey::Ec(k) => {
                use p256::ecdsa::signature::Signer;
                let signer = p256::ecdsa::SigningKey::from(k);
                let sig: p256::ecdsa::Signature =
                    signer.try_sign(tbs).map_err(|e| format!("x509: {e}"))?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            PrivateKey::Ed25519(k) => {
                use ed25519_dalek::Signer;
                Ok(k.sign(tbs).to_bytes().to_vec())
            }
            PrivateKey::Dsa(_) => Err(not_a_signer()),
        }
    }

    pub(crate) fn is_signer(&self) -> bool {
        !matches!(self, PrivateKey::Dsa(_))
    }
}

pub(crate) fn not_a_signer() -> String {
    "x509: certificate private key does not implement crypto.Signer".into()
}

/// Go's `x509.ParseECPrivateKey` for P-256 (the only curve Sprig generates). `curve` is the curve named
/// by an enclosing PKCS#8 structure, if any.
fn parse_ec(der_bytes: &[u8], curve: Option<&[u8]>) -> Result<p256::SecretKey, String> {
    let malformed = || "x509: failed to parse EC private key: asn1: structure error".to_string();
    let (outer, _) = der::read(der_bytes).ok_or_else(malformed)?;
    if outer.tag != 0x30 {
        return Err(malformed());
    }
    let items = der::read_all(outer.content).ok_or_else(malformed)?;
    if items.len() < 2 || items[0].tag != 2 || items[1].tag != 4 {
        return Err(malformed());
    }
    if items[0].content != [1] {
        return Err(format!(
            "x509: unknown EC private key version {}",
            items[0].content.first().unwrap_or(&0)
        ));
    }
    let named = items.iter().find(|e| e.tag == 0xa0).map(|e| e.content);
    match named.or(curve) {
        Some(c) if c == oid::PRIME256V1 => {}
        _ => return Err("x509: unknown elliptic curve".into()),
    }
    let d = items[1].content;
    if d.len() > 32 {
        return Err("x509: invalid private key length".into());
    }
    let mut padded = [0u8; 32];
    padded[32 - d.len()..].copy_from_slice(d);
    p256::SecretKey::from_slice(&padded)
        .map_err(|_| "x509: invalid elliptic curve private key value".into())
}

/// Go's `x509.ParsePKCS8PrivateKey` for RSA, P-256 and Ed25519 keys.
fn parse_pkcs8(der_bytes: &[u8]) -> Result<PrivateKey, String> {
    let malformed = || "x509: failed to parse private key (asn1: structure error)".to_string();
    let (outer, _) = der::read(der_bytes).ok_or_else(malformed)?;
    let items = der::read_all(outer.content).ok_or_else(malformed)?;
    if outer.tag != 0x30 || items.len() < 3 || items[1].tag != 0x30 || items[2].tag != 4 {
        return Err(malformed());
    }
    let alg = der::read_all(items[1].content).ok_or_else(malformed)?;
    let alg_oid = alg.first().filter(|e| e.tag == 6).ok_or_else(malformed)?;
    let oid_der = der::tlv(6, alg_oid.content);
    let key = items[2].content;
    if oid_der == oid::RSA_ENCRYPTION {
        rsa::RsaPrivateKey::from_pkcs1_der(key)
            .map(|k| PrivateKey::Rsa(Box::new(k)))
            .map_err(|e| format!("x509: failed to parse RSA private key embedded in PKCS#8: {e}"))
    } else if oid_der == oid::EC_PUBLIC_KEY {
        let curve = alg
            .get(1)
            .filter(|e| e.tag == 6)
            .map(|e| der::tlv(6, e.content));
        parse_ec(key, curve.as_deref())
            .map(PrivateKey::Ec)
            .map_err(|e| format!("x509: failed to parse EC private key embedded in PKCS#8: {e}"))
    } else if oid_der == oid::ED25519 {
        match der::read(key) {
            Some((inner, rest))
                if inner.tag == 4 && rest.is_empty() && inner.content.len() == 32 =>
            {
                let mut seed = [0u8; 32];
                seed.copy_from_slice(inner.content);
                Ok(PrivateKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(
                    &seed,
                )))
            }
            Some((inner, _)) if inner.tag == 4 => Err(format!(
                "x509: invalid Ed25519 private key length: {}",
                inner.content.len()
            )),
            _ => Err("x509: invalid Ed25519 private key: asn1: structure error".into()),
        }
    } else {
        Err("x509: PKCS#8 wrapping contained private key with unknown algorithm".into())
    }
}

/// Sprig's `parsePrivateKeyPEM`, with its error texts.
pub(crate) fn parse_pem(pem: &str) -> Result<PrivateKey, String> {
    let block = der::pem_decode(pem).ok_or("no PEM data in input")?;
    if block.block_type == "PRIVATE KEY" {
        return parse_pkcs8(&block.bytes).map_err(|e| format!("decoding PEM as PKCS#8: {e}"));
    }
    let Some(kind) = block.block_type.strip_suffix(" PRIVATE KEY") else {
        return Err(format!(
            "no private key data in PEM block of type {}",
            block.block_type
        ));
    };
    match kind {
        "RSA" => rsa::RsaPrivateKey::from_pkcs1_der(&block.bytes)
            .map(|k| PrivateKey::Rsa(Box::new(k)))
            .map_err(|e| format!("parsing RSA private key from PEM: {e}")),
        "EC" => parse_ec(&block.bytes, None)
            .map(PrivateKey::Ec)
            .map_err(|e| format!("parsing EC private key from PEM: {e}")),
        "DSA" => {
            let ok = der::read(&block.bytes)
                .filter(|(e, _)| e.tag == 0x30)
                .and_then(|(e, _)| der::read_all(e.content))
                .is_some_and(|items| items.len() >= 6 && items.iter().take(6).all(|i| i.tag == 2));
            if ok {
                Ok(PrivateKey::Dsa(block.bytes))
            } else {
                Err("parsing DSA private key from PEM: asn1: structure error".into())
            }
        }
        _ => Err(format!("invalid private key type {}", block.block_type)),
    }
}

/// The RSA modulus size in bits (for tests and diagnostics).
#[allow(dead_code)]
pub(crate) fn rsa_bits(k: &PrivateKey) -> Option<usize> {
    match k {
        PrivateKey::Rsa(k) => Some(k.n().bits()),
        _ => None,
    }
}
