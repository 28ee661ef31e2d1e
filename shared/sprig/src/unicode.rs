//! Go's `unicode` predicates and simple case mappings, as close as std's tables allow.

/// `unicode.IsSpace`.
pub fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// `unicode.IsUpper` (category Lu).
pub fn is_upper(c: char) -> bool {
    c.is_uppercase() && to_lower(c) != c
}

/// `unicode.IsLower` (category Ll).
pub fn is_lower(c: char) -> bool {
    c.is_lowercase() && !matches!(c as u32, 0xAA | 0xBA | 0x2B0..=0x2FF | 0x1D2C..=0x1D6A | 0x2170..=0x217F | 0x24D0..=0x24E9)
}

/// `unicode.IsTitle` (category Lt).
pub fn is_title(c: char) -> bool {
    matches!(c as u32, 0x1C5 | 0x1C8 | 0x1CB | 0x1F2 | 0x1F88..=0x1F8F | 0x1F98..=0x1F9F | 0x1FA8..=0x1FAF | 0x1FBC | 0x1FCC | 0x1FFC)
}

/// `unicode.IsLetter`.
pub fn is_letter(c: char) -> bool {
    c.is_alphabetic() && !c.is_numeric() && !is_mark(c)
}

fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x300..=0x36F | 0x483..=0x489 | 0x591..=0x5BD | 0x610..=0x61A | 0x64B..=0x65F
        | 0x900..=0x903 | 0x93A..=0x94F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// `unicode.IsNumber` (categories Nd, Nl, No).
pub fn is_number(c: char) -> bool {
    c.is_numeric()
}

/// `unicode.IsDigit` (category Nd).
pub fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (c as u32 >= 0x80 && c.is_numeric() && c.to_digit(10).is_none() && decimal_digit_block(c))
}

fn decimal_digit_block(c: char) -> bool {
    let u = c as u32;
    // The zero of each Nd run sits at a multiple of 16 (or +6) in its block; accept the common runs.
    matches!(u, 0x660..=0x669 | 0x6F0..=0x6F9 | 0x7C0..=0x7C9 | 0x966..=0x96F | 0x9E6..=0x9EF
        | 0xA66..=0xA6F | 0xAE6..=0xAEF | 0xB66..=0xB6F | 0xBE6..=0xBEF | 0xC66..=0xC6F | 0xCE6..=0xCEF
        | 0xD66..=0xD6F | 0xE50..=0xE59 | 0xED0..=0xED9 | 0xF20..=0xF29 | 0x1040..=0x1049 | 0xFF10..=0xFF19)
}

/// `unicode.IsPunct` (categories Pc, Pd, Ps, Pe, Pi, Pf, Po).
pub fn is_punct(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return matches!(c, '!' | '"' | '#' | '%' | '&' | '\'' | '(' | ')' | '*' | ',' | '-' | '.' | '/' | ':' | ';'
            | '?' | '@' | '[' | '\\' | ']' | '_' | '{' | '}');
    }
    matches!(u, 0xA1 | 0xA7 | 0xAB | 0xB6 | 0xB7 | 0xBB | 0xBF | 0x37E | 0x387 | 0x55A..=0x55F | 0x589 | 0x58A
        | 0x5BE | 0x5C0 | 0x5C3 | 0x5C6 | 0x5F3 | 0x5F4 | 0x609 | 0x60A | 0x60C | 0x60D | 0x61B | 0x61D..=0x61F
        | 0x66A..=0x66D | 0x6D4 | 0x964 | 0x965 | 0x970 | 0xE4F | 0xE5A | 0xE5B | 0x2010..=0x2027 | 0x2030..=0x2043
        | 0x2045..=0x2051 | 0x2053..=0x205E | 0x207D | 0x207E | 0x208D | 0x208E | 0x2308..=0x230B | 0x2329 | 0x232A
        | 0x2768..=0x2775 | 0x27C5 | 0x27C6 | 0x27E6..=0x27EF | 0x2983..=0x2998 | 0x29D8..=0x29DB | 0x29FC | 0x29FD
        | 0x2CF9..=0x2CFC | 0x2CFE | 0x2CFF | 0x2E00..=0x2E2E | 0x2E30..=0x2E4F | 0x3001..=0x3003 | 0x3008..=0x3011
        | 0x3014..=0x301F | 0x3030 | 0x303D | 0x30A0 | 0x30FB | 0xFE10..=0xFE19 | 0xFE30..=0xFE52 | 0xFE54..=0xFE61
        | 0xFE63 | 0xFE68 | 0xFE6A | 0xFE6B | 0xFF01..=0xFF03 | 0xFF05..=0xFF0A | 0xFF0C..=0xFF0F | 0xFF1A | 0xFF1B
        | 0xFF1F | 0xFF20 | 0xFF3B..=0xFF3D | 0xFF3F | 0xFF5B | 0xFF5D | 0xFF5F..=0xFF65)
}

/// `unicode.ToUpper` (simple mapping: characters whose uppercase is several characters stay).
pub fn to_upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// `unicode.ToLower` (simple mapping).
pub fn to_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        (Some(l), Some(_)) if c == '\u{130}' => l,
        _ => c,
    }
}

/// `unicode.ToTitle`: uppercase, except the Latin digraphs that have their own title case.
pub fn to_title(c: char) -> char {
    match c as u32 {
        0x1C4..=0x1C6 => '\u{1C5}',
        0x1C7..=0x1C9 => '\u{1C8}',
        0x1CA..=0x1CC => '\u{1CB}',
        0x1F1..=0x1F3 => '\u{1F2}',
        _ => to_upper(c),
    }
}

/// `strings.ToUpper`.
pub fn upper(s: &str) -> String {
    s.chars().map(to_upper).collect()
}

/// `strings.ToLower`.
pub fn lower(s: &str) -> String {
    s.chars().map(to_lower).collect()
}
