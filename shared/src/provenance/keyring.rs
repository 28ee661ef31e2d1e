//! OpenPGP keyrings as Helm reads them (`openpgp.ReadKeyRing`: GnuPG's legacy binary pubring.gpg or
//! secring.gpg; we also take ASCII-armored exports), choosing the signing key by name as `--key` does,
//! and the cleartext signing and signature checking behind .prov files (rpgp, pure Rust).

use std::path::Path;

use pgp::composed::{ArmorOptions, CleartextSignedMessage, PublicOrSecret, SignedPublicKey, SignedSecretKey};
use pgp::crypto::hash::HashAlgorithm;
use pgp::crypto::public_key::PublicKeyAlgorithm;
use pgp::packet::{Signature, SignatureConfig, SignatureType, Subpacket, SubpacketData};
use pgp::types::{KeyDetails, Password, Timestamp};

use super::Error;

/// One key of a keyring with its user IDs and subkeys (Go's `openpgp.Entity`).
#[derive(Debug, Clone)]
pub struct Entity {
    public: SignedPublicKey,
    secret: Option<SignedSecretKey>,
}

impl Entity {
    /// The user IDs (`Name (Comment) <email>`), in keyring order.
    pub fn identities(&self) -> Vec<String> {
        self.public
            .details
            .users
            .iter()
            .map(|u| String::from_utf8_lossy(u.id.id()).into_owned())
            .collect()
    }

    /// The primary key's fingerprint, upper-case hex as Helm prints it (`%X`).
    pub fn fingerprint(&self) -> String {
        hex_upper(self.public.primary_key.fingerprint().as_bytes())
    }

    /// Whether the keyring held the secret half of this key.
    pub fn is_secret(&self) -> bool {
        self.secret.is_some()
    }

    /// Whether the secret key is protected by a passphrase.
    pub fn is_encrypted(&self) -> bool {
        self.secret.as_ref().is_some_and(|s| s.primary_key.secret_params().is_encrypted())
    }

    /// The name Helm shows when asking for the passphrase: the first non-empty identity, or "Unknown".
    pub fn display_name(&self) -> String {
        self.identities().into_iter().find(|i| !i.is_empty()).unwrap_or_else(|| "Unknown".into())
    }
}

/// Every key of a keyring file, public or secret.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    pub entities: Vec<Entity>,
}

impl Keyring {
    /// Reads a keyring file (`open PATH: …` when it cannot be read, as Go words it).
    pub fn load(path: &Path) -> Result<Keyring, Error> {
        let data = std::fs::read(path).map_err(|e| Error::new(crate::chart::go_os_error("open", path, &e)))?;
        Keyring::from_bytes(&data)
    }

    /// Parses binary keyring bytes (concatenated transferable keys) or an ASCII-armored key block.
    /// An empty keyring is valid and simply knows no one.
    pub fn from_bytes(data: &[u8]) -> Result<Keyring, Error> {
        let trimmed = trim_ascii_start(data);
        let armored = trimmed.starts_with(b"-----BEGIN PGP");
        if data.is_empty() {
            return Ok(Keyring::default());
        }
        if !armored && data.first().is_some_and(|b| b & 0x80 == 0) {
            // What Go's packet reader says about anything that is not an OpenPGP packet.
            return Err(Error::new("openpgp: invalid data: tag byte does not have MSB set"));
        }
        let parsed = if armored {
            PublicOrSecret::from_armor_many(trimmed).map(|(it, _)| it)
        } else {
            PublicOrSecret::from_bytes_many(data)
        };
        let iter = parsed.map_err(|e| Error::new(format!("openpgp: invalid data: {e}")))?;
        let mut entities = Vec::new();
        let mut last_err = None;
        // A keyring may hold keys this implementation cannot use (unknown algorithms): like Go, skip
        // those and fail only when nothing at all could be read.
        for (n, item) in iter.enumerate() {
            if n > 100_000 {
                break;
            }
            match item {
                Ok(PublicOrSecret::Public(k)) => entities.push(Entity { public: k, secret: None }),
                Ok(PublicOrSecret::Secret(k)) => entities.push(Entity { public: k.to_public_key(), secret: Some(k) }),
                Err(e) => last_err = Some(e),
            }
        }
        match (entities.is_empty(), last_err) {
            (true, Some(e)) => Err(Error::new(format!("openpgp: invalid data: {e}"))),
            _ => Ok(Keyring { entities }),
        }
    }

    /// Helm's `NewFromKeyring` key choice: an identity equal to `id` wins; otherwise the one key with an
    /// identity containing `id` (two such keys: "more than one key contain the id"). Beyond Helm, a key
    /// ID or fingerprint in hex (optionally `0x…`) names its key too. `None` when nothing matches.
    pub fn find(&self, id: &str) -> Result<Option<&Entity>, Error> {
        if id.is_empty() {
            return Ok(None);
        }
        let mut candidate: Option<usize> = None;
        let mut vague = false;
        for (i, e) in self.entities.iter().enumerate() {
            for n in e.identities() {
                if n == id {
                    return Ok(Some(e));
                }
                if n.contains(id) {
                    if candidate.is_some_and(|c| c != i) {
                        vague = true;
                    }
                    candidate = Some(i);
                }
            }
        }
        if vague {
            return Err(Error::new(format!("more than one key contain the id {}", go_quote(id))));
        }
        if let Some(i) = candidate {
            return Ok(self.entities.get(i));
        }
        let hex = id.strip_prefix("0x").or_else(|| id.strip_prefix("0X")).unwrap_or(id).to_ascii_uppercase();
        if hex.len() >= 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            let hits: Vec<&Entity> = self.entities.iter().filter(|e| e.fingerprint().ends_with(&hex)).collect();
            if hits.len() == 1 {
                return Ok(hits.first().copied());
            }
        }
        Ok(None)
    }
}

/// A secret key ready to sign: chosen and, if protected, unlocked (Helm's `Signatory` after `DecryptKey`).
pub struct Signer {
    entity: Entity,
    password: Password,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("key", &self.entity.fingerprint()).finish()
    }
}

impl Signer {
    /// Helm's `DecryptKey`: `fetch` is asked for the passphrase (with the key's name) only when the
    /// key is protected; a wrong passphrase is an error here, before anything is signed.
    pub fn new(
        entity: Option<&Entity>,
        fetch: &mut dyn FnMut(&str) -> Result<Vec<u8>, Error>,
    ) -> Result<Signer, Error> {
        let entity = entity.ok_or_else(|| Error::new("private key not found"))?;
        let secret = entity
            .secret
            .as_ref()
            .ok_or_else(|| Error::new("provided key is not a private key. Try providing a keyring with secret keys"))?;
        let password = if entity.is_encrypted() {
            let pw = fetch(&entity.display_name())?;
            let password = Password::from(pw.as_slice());
            match secret.primary_key.unlock(&password, |_, _| Ok(())) {
                Ok(Ok(())) => {}
                _ => return Err(Error::new("openpgp: invalid data: private key checksum failure")),
            }
            password
        } else {
            Password::empty()
        };
        Ok(Signer { entity: entity.clone(), password })
    }

    /// The signing key.
    pub fn entity(&self) -> &Entity {
        &self.entity
    }

    /// Clear-signs `text` with SHA-512 as Helm's `clearsign.Encode` does, returning the armored
    /// message exactly as Helm writes it (no armor headers, no checksum line, no final newline).
    pub fn clear_sign(&self, text: &str) -> Result<String, Error> {
        let secret = self.entity.secret.as_ref().ok_or_else(|| Error::new("private key not found"))?;
        let key = &secret.primary_key;
        let sign_err = |e: pgp::errors::Error| Error::new(format!("failed to either sign or armor message block: {e}"));
        let mut config = SignatureConfig::v4(SignatureType::Text, key.algorithm(), HashAlgorithm::Sha512);
        config.hashed_subpackets = vec![
            Subpacket::regular(SubpacketData::SignatureCreationTime(Timestamp::now())).map_err(sign_err)?,
            Subpacket::regular(SubpacketData::IssuerFingerprint(key.fingerprint())).map_err(sign_err)?,
        ];
        config.unhashed_subpackets =
            vec![Subpacket::regular(SubpacketData::IssuerKeyId(key.legacy_key_id())).map_err(sign_err)?];
        let msg = CleartextSignedMessage::new(text, config, key, &self.password).map_err(sign_err)?;
        let opts = ArmorOptions { headers: None, include_checksum: false };
        let mut out = msg.to_armored_string(opts).map_err(sign_err)?;
        while out.ends_with('\n') {
            out.pop();
        }
        Ok(out)
    }
}

/// A decoded clear-signed block (Go's `clearsign.Block`): the plaintext and the signatures.
pub struct SignedBlock {
    message: CleartextSignedMessage,
    /// The text as Go's `Block.Plaintext` gives it: dash-escapes removed, trailing blanks trimmed,
    /// lines joined by `\n`.
    pub plaintext: String,
}

/// Go's `clearsign.Decode`: finds the first clear-signed block in the data. `None` when there is none
/// or it is malformed ("signature block not found").
pub fn decode_clearsigned(data: &[u8]) -> Option<SignedBlock> {
    let text = std::str::from_utf8(data).ok()?;
    const BEGIN: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
    let start = if text.starts_with(BEGIN) { 0 } else { text.find(&format!("\n{BEGIN}"))? + 1 };
    let (message, _headers) = CleartextSignedMessage::from_string(text.get(start..)?).ok()?;
    if message.signatures().is_empty() {
        return None;
    }
    let plaintext = plaintext_of(message.text());
    Some(SignedBlock { message, plaintext })
}

fn plaintext_of(csf: &str) -> String {
    let mut out = String::with_capacity(csf.len());
    for (i, line) in csf.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = line.strip_prefix("- ").unwrap_or(line);
        out.push_str(line.trim_end_matches([' ', '\t']));
    }
    out
}

/// Go's `openpgp.CheckDetachedSignature` over a clear-signed block: the first signature whose issuer
/// is in the keyring must verify; the signer's entity is returned.
pub fn check_signature<'k>(ring: &'k Keyring, block: &SignedBlock) -> Result<&'k Entity, Error> {
    let signed = block.message.signed_text();
    for sig in block.message.signatures() {
        for entity in &ring.entities {
            if let Some(result) = verify_with_entity(entity, sig, signed.as_bytes()) {
                return result.map(|()| entity);
            }
        }
    }
    Err(Error::new("openpgp: signature made by unknown entity"))
}

/// `None` when the signature names none of the entity's signing keys; else whether it verifies.
fn verify_with_entity(entity: &Entity, sig: &Signature, data: &[u8]) -> Option<Result<(), Error>> {
    let primary = &entity.public.primary_key;
    if issued_by(sig, primary) {
        return Some(sig.verify(primary, data).map_err(|_| invalid_signature(primary.algorithm())));
    }
    for sub in &entity.public.public_subkeys {
        if issued_by(sig, &sub.key) && sub.verify_bindings(primary).is_ok() {
            return Some(sig.verify(&sub.key, data).map_err(|_| invalid_signature(sub.key.algorithm())));
        }
    }
    None
}

fn issued_by(sig: &Signature, key: &impl KeyDetails) -> bool {
    let fp = key.fingerprint();
    let id = key.legacy_key_id();
    sig.issuer_fingerprint().iter().any(|f| **f == fp) || sig.issuer_key_id().iter().any(|k| **k == id)
}

/// go-crypto's `errors.SignatureError` for a signature that does not verify.
fn invalid_signature(alg: PublicKeyAlgorithm) -> Error {
    let name = match alg {
        PublicKeyAlgorithm::RSA | PublicKeyAlgorithm::RSASign | PublicKeyAlgorithm::RSAEncrypt => "RSA",
        PublicKeyAlgorithm::DSA => "DSA",
        PublicKeyAlgorithm::ECDSA => "ECDSA",
        PublicKeyAlgorithm::EdDSALegacy => "EdDSA",
        PublicKeyAlgorithm::Ed25519 => "ed25519",
        PublicKeyAlgorithm::Ed448 => "ed448",
        _ => "signature",
    };
    Error::new(format!("openpgp: invalid signature: {name} verification failure"))
}

fn hex_upper(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// Go's `%q` for the plain strings key names are.
fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}
