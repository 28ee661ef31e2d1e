//! The encodings under Sprig's key and certificate functions, shaped as Go writes them: a small DER
//! writer and reader, Go's `encoding/pem` framing and Go's strict base64 decoder (with its error offsets).

/// One DER TLV with a short tag.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// `SEQUENCE { parts… }`.
pub(crate) fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// An INTEGER from unsigned big-endian magnitude bytes (minimal, with a 0x00 when the top bit is set).
pub(crate) fn uint(be: &[u8]) -> Vec<u8> {
    let skip = be.iter().take_while(|&&b| b == 0).count();
    let mag = &be[skip..];
    let mut content = Vec::with_capacity(mag.len() + 1);
    if mag.is_empty() || mag[0] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(mag);
    tlv(0x02, &content)
}

/// `BIT STRING` with no unused bits.
pub(crate) fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(bytes.len() + 1);
    content.push(0);
    content.extend_from_slice(bytes);
    tlv(0x03, &content)
}

pub(crate) fn octet_string(bytes: &[u8]) -> Vec<u8> {
    tlv(0x04, bytes)
}

/// A DER element read back: tag, content, and the whole encoding.
pub(crate) struct Element<'a> {
    pub tag: u8,
    pub content: &'a [u8],
}

/// Read one element from the front of `input`; returns it and the rest. Only definite lengths.
pub(crate) fn read(input: &[u8]) -> Option<(Element<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((
        Element {
            tag,
            content: &rest[..len],
        },
        &rest[len..],
    ))
}

/// The elements of a constructed content, all of them or `None`.
pub(crate) fn read_all(mut input: &[u8]) -> Option<Vec<Element<'_>>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (e, rest) = read(input)?;
        out.push(e);
        input = rest;
    }
    Some(out)
}

/// Go's `pem.EncodeToMemory`: header line, base64 body in 64-character lines, footer, final newline.
pub(crate) fn pem_encode(block_type: &str, der: &[u8]) -> String {
    let b64 = gotemplate::value::base64_std(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * block_type.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(block_type);
    out.push_str("-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(block_type);
    out.push_str("-----\n");
    out
}

/// A decoded PEM block.
pub(crate) struct PemBlock {
    pub block_type: String,
    pub bytes: Vec<u8>,
}

/// Go's `pem.Decode`, for our purposes: the first well-formed block in `data` (a malformed candidate
/// is skipped, as in Go), headers ignored.
pub(crate) fn pem_decode(data: &str) -> Option<PemBlock> {
    let mut rest = data;
    loop {
        let start = if rest.starts_with("-----BEGIN ") {
            0
        } else {
            rest.find("\n-----BEGIN ")? + 1
        };
        let after = &rest[start + "-----BEGIN ".len()..];
        let line_end = after.find('\n').unwrap_or(after.len());
        let line = after[..line_end].trim_end_matches([' ', '\t', '\r']);
        rest = &after[line_end.min(after.len())..];
        let Some(block_type) = line.strip_suffix("-----") else {
            continue;
        };
        let footer = format!("\n-----END {block_type}-----");
        let Some(end) = rest.find(&footer) else {
            continue;
        };
        let body = rest[..end].strip_prefix('\n').unwrap_or(&rest[..end]);
        // Headers: lines with a colon before the first blank line.
        let mut text = String::new();
        let mut in_headers = true;
        for l in body.lines() {
            if in_headers {
                if l.contains(':') {
                    continue;
                }
                in_headers = false;
                if l.trim().is_empty() {
                    continue;
                }
            }
            text.extend(l.chars().filter(|c| !matches!(c, ' ' | '\t' | '\r')));
        }
        match base64_decode(&text) {
            Ok(bytes) => {
                return Some(PemBlock {
                    block_type: block_type.to_string(),
                    bytes,
                })
            }
            Err(_) => continue,
        }
    }
}

fn b64_value(c: u8) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    })
}

/// Go's `base64.StdEncoding.DecodeString`: padding required, `\r` and `\n` ignored, errors as
/// `illegal base64 data at input byte N`.
pub(crate) fn base64_decode(src: &str) -> Result<Vec<u8>, String> {
    let src = src.as_bytes();
    let corrupt = |at: usize| format!("illegal base64 data at input byte {at}");
    let is_nl = |c: u8| c == b'\n' || c == b'\r';
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    while si < src.len() {
        let mut buf = [0u8; 4];
        let mut n = 0; // sextets in this quantum
        let mut ended = false;
        let mut j = 0;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(corrupt(si - j));
            }
            let c = src[si];
            si += 1;
            if let Some(v) = b64_value(c) {
                buf[j] = v;
                j += 1;
                n = j;
                continue;
            }
            if is_nl(c) {
                continue;
            }
            if c != b'=' || j < 2 {
                return Err(corrupt(si - 1));
            }
            if j == 2 {
                while si < src.len() && is_nl(src[si]) {
                    si += 1;
                }
                if si == src.len() {
                    return Err(corrupt(src.len()));
                }
                if src[si] != b'=' {
                    return Err(corrupt(si - 1));
                }
                si += 1;
            }
            while si < src.len() && is_nl(src[si]) {
                si += 1;
            }
            if si < src.len() {
                return Err(corrupt(si));
            }
            ended = true;
            break;
        }
        let v =
            (buf[0] as u32) << 18 | (buf[1] as u32) << 12 | (buf[2] as u32) << 6 | buf[3] as u32;
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(&bytes[..n.saturating_sub(1).min(3)]);
        if ended {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_like_go() {
        assert_eq!(base64_decode("YWJj").unwrap(), b"abc");
        assert_eq!(base64_decode("YWI=").unwrap(), b"ab");
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert_eq!(base64_decode("YW\nJj\r\n").unwrap(), b"abc");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert_eq!(
            base64_decode("!!!!").unwrap_err(),
            "illegal base64 data at input byte 0"
        );
        assert_eq!(
            base64_decode("AAA").unwrap_err(),
            "illegal base64 data at input byte 0"
        );
        assert_eq!(
            base64_decode("YQ=").unwrap_err(),
            "illegal base64 data at input byte 3"
        );
        assert_eq!(
            base64_decode("YQ==YQ==").unwrap_err(),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            base64_decode("Y===").unwrap_err(),
            "illegal base64 data at input byte 1"
        );
    }

    #[test]
    fn pem_round_trip() {
        let der: Vec<u8> = (0..100u8).collect();
        let pem = pem_encode("TEST", &der);
        assert_eq!(pem.lines().count(), 5);
        assert!(pem.lines().nth(1).is_some_and(|l| l.len() == 64));
        let b = pem_decode(&format!("junk\n{pem}more")).unwrap();
        assert_eq!((b.block_type.as_str(), b.bytes), ("TEST", der));
        assert!(pem_decode("no pem here").is_none());
    }

    #[test]
    fn der_integers() {
        assert_eq!(uint(&[0, 0, 0x7f]), [2, 1, 0x7f]);
        assert_eq!(uint(&[0x80]), [2, 2, 0, 0x80]);
        assert_eq!(uint(&[]), [2, 1, 0]);
        assert_eq!(tlv(4, &[0; 200])[..3], [4, 0x81, 200]);
    }
}
