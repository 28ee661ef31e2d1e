//! Sprig's date.go: a Go `time.Time` object (`now`, `toDate`), Go layout formatting and parsing,
//! time zones from the system's zoneinfo, and Go's `time.Duration` text.

use crate::util::*;
use gotemplate::ArgType::{Any, String as Str};
use gotemplate::{FuncMap, Object, Value};
use std::rc::Rc;

/// A zone: name and offset east of UTC, for one instant.
#[derive(Clone, Debug, PartialEq)]
struct Zone {
    name: String,
    offset: i64,
}

/// Where a time is shown: UTC, the local zone, or a named zone.
#[derive(Clone, Debug, PartialEq)]
enum Loc {
    Utc,
    Fixed(Zone),
    Tz { name: String, tz: Rc<TzData> },
}

#[derive(Debug, PartialEq)]
struct TzData {
    transitions: Vec<(i64, usize)>,
    types: Vec<Zone>,
}

impl Loc {
    fn zone_at(&self, unix: i64) -> Zone {
        match self {
            Loc::Utc => Zone { name: "UTC".into(), offset: 0 },
            Loc::Fixed(z) => z.clone(),
            Loc::Tz { tz, .. } => {
                let idx = match tz.transitions.binary_search_by(|(t, _)| t.cmp(&unix)) {
                    Ok(i) => tz.transitions[i].1,
                    Err(0) => 0,
                    Err(i) => tz.transitions[i - 1].1,
                };
                tz.types.get(idx).cloned().unwrap_or(Zone { name: "UTC".into(), offset: 0 })
            }
        }
    }
}

/// Read a TZif file (version 1 data, or the 64-bit block of version 2+).
fn parse_tzif(data: &[u8]) -> Option<TzData> {
    let header = |d: &[u8]| -> Option<[usize; 6]> {
        if d.len() < 44 || &d[..4] != b"TZif" {
            return None;
        }
        let n = |i: usize| u32::from_be_bytes([d[20 + 4 * i], d[21 + 4 * i], d[22 + 4 * i], d[23 + 4 * i]]) as usize;
        Some([n(0), n(1), n(2), n(3), n(4), n(5)])
    };
    let [isutc, isstd, leap, timecnt, typecnt, charcnt] = header(data)?;
    let v1_len = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isutc;
    let (d, tsize) = if data[4] >= b'2' && data.len() > v1_len { (&data[v1_len..], 8) } else { (data, 4) };
    let [_, _, _, timecnt, typecnt, charcnt] = header(d)?;
    let mut p = 44;
    let mut transitions = Vec::with_capacity(timecnt);
    let times_at = p;
    p += timecnt * tsize;
    let idx_at = p;
    p += timecnt;
    let types_at = p;
    p += typecnt * 6;
    let chars = d.get(p..p + charcnt)?;
    for i in 0..timecnt {
        let t = if tsize == 8 {
            i64::from_be_bytes(d.get(times_at + 8 * i..times_at + 8 * i + 8)?.try_into().ok()?)
        } else {
            i32::from_be_bytes(d.get(times_at + 4 * i..times_at + 4 * i + 4)?.try_into().ok()?) as i64
        };
        transitions.push((t, *d.get(idx_at + i)? as usize));
    }
    let mut types = Vec::with_capacity(typecnt);
    for i in 0..typecnt {
        let b = d.get(types_at + 6 * i..types_at + 6 * i + 6)?;
        let off = i32::from_be_bytes([b[0], b[1], b[2], b[3]]) as i64;
        let ai = b[5] as usize;
        let end = chars[ai.min(chars.len())..].iter().position(|&c| c == 0).map(|e| ai + e).unwrap_or(chars.len());
        types.push(Zone { name: String::from_utf8_lossy(&chars[ai.min(end)..end]).into_owned(), offset: off });
    }
    if types.is_empty() {
        return None;
    }
    Some(TzData { transitions, types })
}

/// Go's `time.LoadLocation`.
fn load_location(name: &str) -> Option<Loc> {
    match name {
        "" | "UTC" => return Some(Loc::Utc),
        "Local" => return Some(local()),
        _ => {}
    }
    if name.starts_with('/') || name.contains("..") || name.contains('\\') {
        return None;
    }
    let data = std::fs::read(format!("/usr/share/zoneinfo/{name}")).ok()?;
    Some(Loc::Tz { name: name.to_string(), tz: Rc::new(parse_tzif(&data)?) })
}

/// Go's `time.Local`: `$TZ` if set (empty means UTC), else /etc/localtime.
fn local() -> Loc {
    let (name, path) = match std::env::var("TZ") {
        Ok(tz) if tz.is_empty() || tz == "UTC" => return Loc::Utc,
        Ok(tz) => {
            let tz = tz.trim_start_matches(':').to_string();
            let path = if tz.starts_with('/') { tz.clone() } else { format!("/usr/share/zoneinfo/{tz}") };
            (tz, path)
        }
        Err(_) => ("Local".to_string(), "/etc/localtime".to_string()),
    };
    match std::fs::read(path).ok().and_then(|d| parse_tzif(&d)) {
        Some(tz) => {
            if tz.types.len() == 1 && tz.types[0].offset == 0 && tz.types[0].name == "UTC" {
                return Loc::Utc;
            }
            Loc::Tz { name, tz: Rc::new(tz) }
        }
        None => Loc::Utc,
    }
}

/// Go's `time.Time`: an instant and the location it is shown in.
#[derive(Clone, Debug)]
pub struct GoTime {
    unix: i64,
    nanos: u32,
    loc: Loc,
    /// Monotonic reading (seconds since process start) that `time.Now()` carries into `String()`.
    mono: Option<f64>,
}

const UNIX_TO_INTERNAL: i64 = 62135596800; // seconds from year 1 to 1970

impl GoTime {
    pub fn now() -> GoTime {
        let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        GoTime { unix: d.as_secs() as i64, nanos: d.subsec_nanos(), loc: local(), mono: Some(0.000_001) }
    }
    /// A time at `secs`.`nanos` after the Unix epoch shown at a fixed zone (UTC when `offset` is 0
    /// and `zone` is "UTC").
    pub fn fixed(secs: i64, nanos: u32, zone: &str, offset: i64) -> GoTime {
        let loc = if offset == 0 && zone == "UTC" {
            Loc::Utc
        } else {
            Loc::Fixed(Zone { name: zone.to_string(), offset })
        };
        GoTime { unix: secs, nanos, loc, mono: None }
    }
    fn unix(secs: i64) -> GoTime {
        GoTime { unix: secs, nanos: 0, loc: local(), mono: None }
    }
    fn zero() -> GoTime {
        GoTime { unix: -UNIX_TO_INTERNAL, nanos: 0, loc: Loc::Utc, mono: None }
    }
    fn is_zero(&self) -> bool {
        self.unix == -UNIX_TO_INTERNAL && self.nanos == 0
    }
    fn add_nanos(&self, d: i128) -> GoTime {
        let total = self.unix as i128 * 1_000_000_000 + self.nanos as i128 + d;
        GoTime {
            unix: total.div_euclid(1_000_000_000) as i64,
            nanos: total.rem_euclid(1_000_000_000) as u32,
            loc: self.loc.clone(),
            mono: self.mono,
        }
    }
    fn in_loc(&self, loc: Loc) -> GoTime {
        GoTime { loc, ..self.clone() }
    }
    fn since_nanos(&self) -> i128 {
        let now = GoTime::now();
        (now.unix as i128 - self.unix as i128) * 1_000_000_000 + now.nanos as i128 - self.nanos as i128
    }

    /// Civil fields in the time's zone.
    fn civil(&self) -> Civil {
        let zone = self.loc.zone_at(self.unix);
        let local = self.unix + zone.offset;
        let days = local.div_euclid(86400);
        let secs = local.rem_euclid(86400);
        let (year, month, day) = civil_from_days(days);
        let yday = days - days_from_civil(year, 1, 1) + 1;
        Civil {
            year,
            month,
            day,
            hour: secs / 3600,
            min: secs / 60 % 60,
            sec: secs % 60,
            nanos: self.nanos,
            weekday: (days + 4).rem_euclid(7),
            yday,
            zone,
        }
    }

    /// Go's `Time.Format`.
    pub fn format(&self, layout: &str) -> String {
        format_layout(&self.civil(), layout)
    }

    /// Go's `Time.String()`.
    pub fn go_string(&self) -> String {
        let mut s = self.format("2006-01-02 15:04:05.999999999 -0700 MST");
        if let Some(m) = self.mono {
            s.push_str(&format!(" m=+{m:.9}"));
        }
        s
    }
}

struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
    nanos: u32,
    weekday: i64,
    yday: i64,
    zone: Zone,
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Year,
    Year2,
    Month,
    Month1,
    MonthShort,
    MonthLong,
    Day,
    Day1,
    DayUnder,
    Yday,
    YdayUnder,
    Hour,
    Hour12,
    Hour12_0,
    Min,
    Min1,
    Sec,
    Sec1,
    PM,
    Pm,
    WeekShort,
    WeekLong,
    ZoneName,
    /// Numeric zone: (use Z for UTC, with colons, with seconds, hours only)
    ZoneNum(bool, bool, bool, bool),
    /// Fraction: (separator, digits, trailing zeros trimmed)
    Frac(u8, usize, bool),
}

/// Go's `nextStdChunk`: the literal prefix, the token, and the rest of the layout.
fn next_chunk(layout: &str) -> (&str, Option<Tok>, &str) {
    let b = layout.as_bytes();
    let at = |i: usize, s: &str| layout[i..].starts_with(s);
    for i in 0..b.len() {
        let c = b[i];
        let hit: Option<(Tok, usize)> = match c {
            b'J' if at(i, "Jan") => Some(if at(i, "January") { (Tok::MonthLong, 7) } else { (Tok::MonthShort, 3) }),
            b'M' if at(i, "Mon") => {
                if at(i, "Monday") {
                    Some((Tok::WeekLong, 6))
                } else if !at(i, "Month") {
                    Some((Tok::WeekShort, 3))
                } else {
                    None
                }
            }
            b'M' if at(i, "MST") => Some((Tok::ZoneName, 3)),
            b'0' if i + 1 < b.len() && (b'1'..=b'6').contains(&b[i + 1]) => Some(match b[i + 1] {
                b'1' => (Tok::Month, 2),
                b'2' => (Tok::Day, 2),
                b'3' => (Tok::Hour12_0, 2),
                b'4' => (Tok::Min, 2),
                b'5' => (Tok::Sec, 2),
                _ => (Tok::Year2, 2),
            }),
            b'0' if at(i, "002") => Some((Tok::Yday, 3)),
            b'1' => Some(if at(i, "15") { (Tok::Hour, 2) } else { (Tok::Month1, 1) }),
            b'2' => {
                if at(i, "2006") {
                    Some((Tok::Year, 4))
                } else {
                    Some((Tok::Day1, 1))
                }
            }
            b'_' if at(i, "_2") => {
                if at(i, "_2006") {
                    // "_" then the year.
                    return (&layout[..i + 1], Some(Tok::Year), &layout[i + 5..]);
                }
                if at(i, "__2") {
                    Some((Tok::YdayUnder, 3))
                } else {
                    Some((Tok::DayUnder, 2))
                }
            }
            b'_' if at(i, "__2") => Some((Tok::YdayUnder, 3)),
            b'3' => Some((Tok::Hour12, 1)),
            b'4' => Some((Tok::Min1, 1)),
            b'5' => Some((Tok::Sec1, 1)),
            b'P' if at(i, "PM") => Some((Tok::PM, 2)),
            b'p' if at(i, "pm") => Some((Tok::Pm, 2)),
            b'-' => {
                if at(i, "-070000") {
                    Some((Tok::ZoneNum(false, false, true, false), 7))
                } else if at(i, "-07:00:00") {
                    Some((Tok::ZoneNum(false, true, true, false), 9))
                } else if at(i, "-0700") {
                    Some((Tok::ZoneNum(false, false, false, false), 5))
                } else if at(i, "-07:00") {
                    Some((Tok::ZoneNum(false, true, false, false), 6))
                } else if at(i, "-07") {
                    Some((Tok::ZoneNum(false, false, false, true), 3))
                } else {
                    None
                }
            }
            b'Z' => {
                if at(i, "Z070000") {
                    Some((Tok::ZoneNum(true, false, true, false), 7))
                } else if at(i, "Z07:00:00") {
                    Some((Tok::ZoneNum(true, true, true, false), 9))
                } else if at(i, "Z0700") {
                    Some((Tok::ZoneNum(true, false, false, false), 5))
                } else if at(i, "Z07:00") {
                    Some((Tok::ZoneNum(true, true, false, false), 6))
                } else if at(i, "Z07") {
                    Some((Tok::ZoneNum(true, false, false, true), 3))
                } else {
                    None
                }
            }
            b'.' | b',' if i + 1 < b.len() && (b[i + 1] == b'0' || b[i + 1] == b'9') => {
                let ch = b[i + 1];
                let mut j = i + 1;
                while j < b.len() && b[j] == ch {
                    j += 1;
                }
                if !(j < b.len() && b[j].is_ascii_digit()) {
                    Some((Tok::Frac(c, j - i - 1, ch == b'9'), j - i))
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some((tok, len)) = hit {
            return (&layout[..i], Some(tok), &layout[i + len..]);
        }
    }
    (layout, None, "")
}

fn format_layout(c: &Civil, layout: &str) -> String {
    let mut out = String::new();
    let mut rest = layout;
    loop {
        let (prefix, tok, next) = next_chunk(rest);
        out.push_str(prefix);
        let Some(tok) = tok else { break };
        rest = next;
        let hour12 = if c.hour % 12 == 0 { 12 } else { c.hour % 12 };
        match tok {
            Tok::Year => {
                let y = c.year;
                if y < 0 {
                    out.push_str(&format!("-{:04}", -y));
                } else {
                    out.push_str(&format!("{y:04}"));
                }
            }
            Tok::Year2 => out.push_str(&format!("{:02}", c.year.rem_euclid(100))),
            Tok::Month => out.push_str(&format!("{:02}", c.month)),
            Tok::Month1 => out.push_str(&c.month.to_string()),
            Tok::MonthShort => out.push_str(&MONTHS[(c.month - 1) as usize][..3]),
            Tok::MonthLong => out.push_str(MONTHS[(c.month - 1) as usize]),
            Tok::Day => out.push_str(&format!("{:02}", c.day)),
            Tok::Day1 => out.push_str(&c.day.to_string()),
            Tok::DayUnder => out.push_str(&format!("{:>2}", c.day)),
            Tok::Yday => out.push_str(&format!("{:03}", c.yday)),
            Tok::YdayUnder => out.push_str(&format!("{:>3}", c.yday)),
            Tok::Hour => out.push_str(&format!("{:02}", c.hour)),
            Tok::Hour12 => out.push_str(&hour12.to_string()),
            Tok::Hour12_0 => out.push_str(&format!("{hour12:02}")),
            Tok::Min => out.push_str(&format!("{:02}", c.min)),
            Tok::Min1 => out.push_str(&c.min.to_string()),
            Tok::Sec => out.push_str(&format!("{:02}", c.sec)),
            Tok::Sec1 => out.push_str(&c.sec.to_string()),
            Tok::PM => out.push_str(if c.hour >= 12 { "PM" } else { "AM" }),
            Tok::Pm => out.push_str(if c.hour >= 12 { "pm" } else { "am" }),
            Tok::WeekShort => out.push_str(&DAYS[c.weekday as usize][..3]),
            Tok::WeekLong => out.push_str(DAYS[c.weekday as usize]),
            Tok::ZoneName => {
                if !c.zone.name.is_empty() {
                    out.push_str(&c.zone.name);
                } else {
                    let m = c.zone.offset / 60;
                    let (sign, m) = if m < 0 { ('-', -m) } else { ('+', m) };
                    out.push(sign);
                    out.push_str(&format!("{:02}", m / 60));
                    if m % 60 != 0 {
                        out.push_str(&format!("{:02}", m % 60));
                    }
                }
            }
            Tok::ZoneNum(z, colons, secs, hours_only) => {
                let off = c.zone.offset;
                if z && off == 0 {
                    out.push('Z');
                    continue;
                }
                let (sign, a) = if off < 0 { ('-', -off) } else { ('+', off) };
                out.push(sign);
                out.push_str(&format!("{:02}", a / 3600));
                if !hours_only {
                    if colons {
                        out.push(':');
                    }
                    out.push_str(&format!("{:02}", a / 60 % 60));
                }
                if secs {
                    if colons {
                        out.push(':');
                    }
                    out.push_str(&format!("{:02}", a % 60));
                }
            }
            Tok::Frac(sep, n, trim) => {
                let digits = format!("{:09}", c.nanos);
                let mut d = digits[..n.min(9)].to_string();
                if trim {
                    d = d.trim_end_matches('0').to_string();
                    if d.is_empty() {
                        continue;
                    }
                }
                out.push(sep as char);
                out.push_str(&d);
            }
        }
    }
    out
}

/// Go's `time.ParseInLocation` for the common layouts; `Err` carries Go's message.
fn parse_in(layout: &str, value: &str, loc: &Loc) -> Result<GoTime, String> {
    let orig_layout = layout;
    let orig_value = value;
    let err = |elem: &str, v: &str, msg: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}{msg}",
            gotemplate::fmt::quote(orig_value),
            gotemplate::fmt::quote(orig_layout),
            gotemplate::fmt::quote(v),
            gotemplate::fmt::quote(elem)
        )
    };
    let (mut year, mut month, mut day, mut hour, mut min, mut sec, mut nanos) = (1i64, 1i64, 1i64, 0i64, 0i64, 0i64, 0u32);
    let mut pm: Option<bool> = None;
    let mut zone_off: Option<i64> = None;
    let mut zone_name: Option<String> = None;
    // A literal `Z` (ISO offsets) or `UTC` (zone names): Go's parse sets the location to UTC outright.
    let mut utc_literal = false;
    let mut layout = layout;
    let mut value = value;
    let num = |v: &str, min_len: usize, max_len: usize| -> Option<(i64, usize)> {
        let n = v.bytes().take(max_len).take_while(u8::is_ascii_digit).count();
        if n < min_len {
            return None;
        }
        Some((v[..n].parse().ok()?, n))
    };
    loop {
        let (prefix, tok, rest) = next_chunk(layout);
        let std_str = &layout[prefix.len()..layout.len() - rest.len()];
        // Literal prefix must match.
        if !value.starts_with(prefix) {
            return Err(err(prefix, value, ""));
        }
        value = &value[prefix.len()..];
        let Some(tok) = tok else {
            if !value.is_empty() {
                return Err(format!(
                    "parsing time {}: extra text: {}",
                    gotemplate::fmt::quote(orig_value),
                    gotemplate::fmt::quote(value)
                ));
            }
            break;
        };
        layout = rest;
        let hold = value;
        let bad = || err(std_str, hold, "");
        match tok {
            Tok::Year => {
                let (n, l) = num(value, 4, 4).ok_or_else(bad)?;
                year = n;
                value = &value[l..];
            }
            Tok::Year2 => {
                let (n, l) = num(value, 2, 2).ok_or_else(bad)?;
                year = if n >= 69 { n + 1900 } else { n + 2000 };
                value = &value[l..];
            }
            Tok::Month | Tok::Month1 => {
                let (n, l) = if tok == Tok::Month { num(value, 2, 2) } else { num(value, 1, 2) }.ok_or_else(bad)?;
                if !(1..=12).contains(&n) {
                    return Err(format!("parsing time {}: month out of range", gotemplate::fmt::quote(orig_value)));
                }
                month = n;
                value = &value[l..];
            }
            Tok::MonthShort | Tok::MonthLong => {
                let found = MONTHS.iter().enumerate().find_map(|(i, m)| {
                    let name = if tok == Tok::MonthShort { &m[..3] } else { m };
                    (value.len() >= name.len() && value[..name.len()].eq_ignore_ascii_case(name)).then_some((i, name.len()))
                });
                let (i, l) = found.ok_or_else(bad)?;
                month = i as i64 + 1;
                value = &value[l..];
            }
            Tok::WeekShort | Tok::WeekLong => {
                let found = DAYS.iter().find_map(|d| {
                    let name = if tok == Tok::WeekShort { &d[..3] } else { d };
                    (value.len() >= name.len() && value[..name.len()].eq_ignore_ascii_case(name)).then_some(name.len())
                });
                value = &value[found.ok_or_else(bad)?..];
            }
            Tok::Day | Tok::Day1 | Tok::DayUnder => {
                if tok == Tok::DayUnder && value.starts_with(' ') {
                    value = &value[1..];
                }
                let (n, l) = if tok == Tok::Day { num(value, 2, 2) } else { num(value, 1, 2) }.ok_or_else(bad)?;
                day = n;
                value = &value[l..];
            }
            Tok::Yday | Tok::YdayUnder => {
                let v = value.trim_start_matches(' ');
                let (_, l) = num(v, 1, 3).ok_or_else(bad)?;
                value = &v[l..];
            }
            Tok::Hour | Tok::Hour12 | Tok::Hour12_0 => {
                let (n, l) = if tok == Tok::Hour12 { num(value, 1, 2) } else { num(value, 2, 2) }.ok_or_else(bad)?;
                let max = if tok == Tok::Hour { 23 } else { 12 };
                if n > max {
                    return Err(format!("parsing time {}: hour out of range", gotemplate::fmt::quote(orig_value)));
                }
                hour = n;
                value = &value[l..];
            }
            Tok::Min | Tok::Min1 => {
                let (n, l) = if tok == Tok::Min { num(value, 2, 2) } else { num(value, 1, 2) }.ok_or_else(bad)?;
                if n > 59 {
                    return Err(format!("parsing time {}: minute out of range", gotemplate::fmt::quote(orig_value)));
                }
                min = n;
                value = &value[l..];
            }
            Tok::Sec | Tok::Sec1 => {
                let (n, l) = if tok == Tok::Sec { num(value, 2, 2) } else { num(value, 1, 2) }.ok_or_else(bad)?;
                if n > 59 {
                    return Err(format!("parsing time {}: second out of range", gotemplate::fmt::quote(orig_value)));
                }
                sec = n;
                value = &value[l..];
                // A fractional second may follow even if the layout has none.
                if !layout.starts_with(['.', ',']) && value.len() > 1 && value.starts_with(['.', ',']) && value.as_bytes()[1].is_ascii_digit() {
                    let n = value[1..].bytes().take_while(u8::is_ascii_digit).count();
                    nanos = frac_nanos(&value[1..1 + n]);
                    value = &value[1 + n..];
                }
            }
            Tok::PM | Tok::Pm => {
                if value.len() < 2 {
                    return Err(bad());
                }
                match &value[..2] {
                    "PM" | "pm" => pm = Some(true),
                    "AM" | "am" => pm = Some(false),
                    _ => return Err(bad()),
                }
                value = &value[2..];
            }
            Tok::ZoneNum(z, colons, secs, hours_only) => {
                if z && value.starts_with('Z') {
                    value = &value[1..];
                    utc_literal = true;
                    continue;
                }
                let sign = match value.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(bad()),
                };
                let mut v = &value[1..];
                let two = |v: &str| -> Option<i64> { if v.len() >= 2 && v.as_bytes()[..2].iter().all(u8::is_ascii_digit) { v[..2].parse().ok() } else { None } };
                let h = two(v).ok_or_else(bad)?;
                v = &v[2..];
                let mut m = 0;
                let mut s2 = 0;
                if !hours_only {
                    if colons {
                        v = v.strip_prefix(':').ok_or_else(bad)?;
                    }
                    m = two(v).ok_or_else(bad)?;
                    v = &v[2..];
                }
                if secs {
                    if colons {
                        v = v.strip_prefix(':').ok_or_else(bad)?;
                    }
                    s2 = two(v).ok_or_else(bad)?;
                    v = &v[2..];
                }
                zone_off = Some(sign * (h * 3600 + m * 60 + s2));
                value = v;
            }
            Tok::ZoneName => {
                if value.starts_with("UTC") {
                    utc_literal = true;
                    value = &value[3..];
                    continue;
                }
                let n = value.bytes().take_while(u8::is_ascii_uppercase).count();
                if n < 3 {
                    return Err(bad());
                }
                zone_name = Some(value[..n].to_string());
                value = &value[n..];
            }
            Tok::Frac(_, n, trim) => {
                if !value.starts_with(['.', ',']) {
                    if trim {
                        continue;
                    }
                    return Err(bad());
                }
                let digits = value[1..].bytes().take_while(u8::is_ascii_digit).count();
                if !trim && digits != n {
                    return Err(bad());
                }
                nanos = frac_nanos(&value[1..1 + digits]);
                value = &value[1 + digits..];
            }
        }
    }
    if let Some(p) = pm {
        if p && hour < 12 {
            hour += 12;
        } else if !p && hour == 12 {
            hour = 0;
        }
    }
    let days_in = [31, if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if day < 1 || day > days_in[(month - 1) as usize] {
        return Err(format!("parsing time {}: day out of range", gotemplate::fmt::quote(orig_value)));
    }
    let local_secs = days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
    if utc_literal {
        return Ok(GoTime { unix: local_secs, nanos, loc: Loc::Utc, mono: None });
    }
    if let Some(off) = zone_off {
        // The location's zone when it has this offset (and this name, if one was given) at that
        // instant; otherwise a fixed zone that records the name and offset (`+0000 GMT` stays GMT).
        let unix = local_secs - off;
        let lz = loc.zone_at(unix);
        let loc = if lz.offset == off && zone_name.as_ref().is_none_or(|n| *n == lz.name) {
            loc.clone()
        } else {
            Loc::Fixed(Zone { name: zone_name.unwrap_or_default(), offset: off })
        };
        return Ok(GoTime { unix, nanos, loc, mono: None });
    }
    if let Some(name) = zone_name {
        let guess = loc.zone_at(local_secs);
        if guess.name == name {
            return Ok(GoTime { unix: local_secs - guess.offset, nanos, loc: loc.clone(), mono: None });
        }
        return Ok(GoTime { unix: local_secs, nanos, loc: Loc::Fixed(Zone { name, offset: 0 }), mono: None });
    }
    // Local civil time in `loc`: find the offset in force.
    let off1 = loc.zone_at(local_secs).offset;
    let unix = local_secs - off1;
    let off2 = loc.zone_at(unix).offset;
    let unix = if off2 != off1 { local_secs - off2 } else { unix };
    Ok(GoTime { unix, nanos, loc: loc.clone(), mono: None })
}

fn frac_nanos(d: &str) -> u32 {
    let mut s: String = d.chars().take(9).collect();
    while s.len() < 9 {
        s.push('0');
    }
    s.parse().unwrap_or(0)
}

impl Object for GoTime {
    fn type_name(&self) -> String {
        "time.Time".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        let c = self.civil();
        Some(match name {
            "Unix" => Value::Int64(self.unix),
            "UnixNano" => Value::Int64(self.unix.wrapping_mul(1_000_000_000).wrapping_add(self.nanos as i64)),
            "UnixMilli" => Value::Int64(self.unix * 1000 + (self.nanos / 1_000_000) as i64),
            "Year" => Value::Int(c.year),
            "Month" => Value::str(MONTHS[(c.month - 1) as usize]),
            "Day" => Value::Int(c.day),
            "Hour" => Value::Int(c.hour),
            "Minute" => Value::Int(c.min),
            "Second" => Value::Int(c.sec),
            "Nanosecond" => Value::Int(c.nanos as i64),
            "YearDay" => Value::Int(c.yday),
            "Weekday" => Value::str(DAYS[c.weekday as usize]),
            "UTC" => Value::Object(Rc::new(self.in_loc(Loc::Utc))),
            "Local" => Value::Object(Rc::new(self.in_loc(local()))),
            "String" => Value::string(self.go_string()),
            "IsZero" => Value::Bool(self.is_zero()),
            "Location" => Value::string(match &self.loc {
                Loc::Utc => "UTC".to_string(),
                Loc::Fixed(_) => String::new(),
                Loc::Tz { name, .. } => name.clone(),
            }),
            "_offset" => Value::Int(c.zone.offset),
            "_zone" => Value::string(c.zone.name.clone()),
            "_mono" => Value::Bool(self.mono.is_some()),
            _ => return None,
        })
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "Format" | "Add" | "In")
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        match name {
            "Format" => Some(Ok(Value::string(self.format(&s(args, 0))))),
            "Add" => Some(Ok(Value::Object(Rc::new(self.add_nanos(to_int64(arg(args, 0)) as i128))))),
            _ => None,
        }
    }
    fn display(&self) -> String {
        self.go_string()
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::String(self.format("2006-01-02T15:04:05.999999999Z07:00")))
    }
}

fn time_arg(v: &Value) -> Option<GoTime> {
    let Value::Object(o) = v else { return None };
    if o.type_name() != "time.Time" {
        return None;
    }
    // Rebuild from the object's own fields (the Object trait offers no downcasting).
    let unix = match o.field("Unix")? {
        Value::Int64(u) => u,
        _ => return None,
    };
    let nanos = match o.field("Nanosecond") {
        Some(Value::Int(n)) => n as u32,
        _ => 0,
    };
    let loc_name = o.field("Location").and_then(|l| l.as_str().map(str::to_string)).unwrap_or_default();
    let offset = match o.field("_offset") {
        Some(Value::Int(n)) => n,
        _ => 0,
    };
    let zone_name = o.field("_zone").and_then(|l| l.as_str().map(str::to_string)).unwrap_or_default();
    let loc = match loc_name.as_str() {
        "UTC" => Loc::Utc,
        "Local" => local(),
        "" => Loc::Fixed(Zone { name: zone_name, offset }),
        name => load_location(name).unwrap_or(Loc::Fixed(Zone { name: zone_name, offset })),
    };
    let mono = matches!(o.field("_mono"), Some(Value::Bool(true))).then_some(0.000_001);
    Some(GoTime { unix, nanos, loc, mono })
}

fn time_expected(v: &Value) -> String {
    let got = match v {
        Value::Invalid | Value::Nil => "<nil>".to_string(),
        v => v.type_name(),
    };
    format!("wrong type for value; expected time.Time; got {got}")
}

/// The time a `date`-style argument stands for: a time, or Unix seconds from `int`/`int64`; else now.
fn date_value(v: &Value) -> GoTime {
    match v {
        Value::Int(n) | Value::Int64(n) => GoTime::unix(*n),
        v => time_arg(v).unwrap_or_else(GoTime::now),
    }
}

fn date_in_zone(layout: &str, date: &Value, zone: &str) -> String {
    let loc = load_location(zone).unwrap_or(Loc::Utc);
    date_value(date).in_loc(loc).format(layout)
}

/// Go's `time.ParseDuration`.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let orig = s;
    let bad = || format!("time: invalid duration {}", gotemplate::fmt::quote(orig));
    let mut s = s;
    let mut neg = false;
    if let Some(c) = s.chars().next() {
        if c == '-' || c == '+' {
            neg = c == '-';
            s = &s[1..];
        }
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(bad());
    }
    let mut total: u128 = 0;
    while !s.is_empty() {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        let int_part: u128 = if n > 0 { s[..n].parse().map_err(|_| bad())? } else { 0 };
        s = &s[n..];
        let mut frac: u128 = 0;
        let mut scale: u128 = 1;
        let mut fd = 0;
        if let Some(rest) = s.strip_prefix('.') {
            fd = rest.bytes().take_while(u8::is_ascii_digit).count();
            for c in rest[..fd].bytes().take(18) {
                frac = frac * 10 + (c - b'0') as u128;
                scale *= 10;
            }
            s = &rest[fd..];
        }
        if n == 0 && fd == 0 {
            return Err(bad());
        }
        let u = s.bytes().take_while(|c| !(c.is_ascii_digit() || *c == b'.')).count();
        if u == 0 {
            return Err(format!("time: missing unit in duration {}", gotemplate::fmt::quote(orig)));
        }
        let unit: u128 = match &s[..u] {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            other => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    gotemplate::fmt::quote(other),
                    gotemplate::fmt::quote(orig)
                ))
            }
        };
        s = &s[u..];
        total += int_part * unit + frac * unit / scale;
        if total > (1u128 << 63) {
            return Err(bad());
        }
    }
    if !neg && total == 1u128 << 63 {
        return Err(bad());
    }
    Ok(if neg { (total as i128).wrapping_neg() as i64 } else { total as i64 })
}

/// Go's `Duration.String()`.
pub fn duration_string(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (unit, div) = if u < 1_000 {
            ("ns", 1u64)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&frac_str(u, div));
        out.push_str(unit);
    } else {
        let h = u / 3_600_000_000_000;
        u -= h * 3_600_000_000_000;
        let m = u / 60_000_000_000;
        u -= m * 60_000_000_000;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&frac_str(u, 1_000_000_000));
        out.push('s');
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

fn frac_str(v: u64, div: u64) -> String {
    let int = v / div;
    let frac = v % div;
    if frac == 0 {
        return int.to_string();
    }
    let width = div.to_string().len() - 1;
    let f = format!("{frac:0width$}");
    format!("{int}.{}", f.trim_end_matches('0'))
}

/// Go's `Duration.Round(time.Second)`.
fn round_second(d: i64) -> i64 {
    let m = 1_000_000_000i64;
    let mut r = d % m;
    if d < 0 {
        r = -r;
        if r + r < m {
            return d + r;
        }
        return d.checked_sub(m - r).unwrap_or(i64::MIN);
    }
    if r + r < m {
        return d - r;
    }
    d.checked_add(m - r).unwrap_or(i64::MAX)
}

pub fn register(m: &mut FuncMap) {
    reg(m, "now", &[], |_| Ok(Value::Object(Rc::new(GoTime::now()))));
    reg(m, "date", &[Str, Any], |a| Ok(Value::string(date_in_zone(&s(a, 0), arg(a, 1), "Local"))));
    reg(m, "htmlDate", &[Any], |a| Ok(Value::string(date_in_zone("2006-01-02", arg(a, 0), "Local"))));
    reg(m, "htmlDateInZone", &[Any, Str], |a| Ok(Value::string(date_in_zone("2006-01-02", arg(a, 0), &s(a, 1)))));
    for name in ["dateInZone", "date_in_zone"] {
        reg(m, name, &[Str, Any, Str], |a| Ok(Value::string(date_in_zone(&s(a, 0), arg(a, 1), &s(a, 2)))));
    }
    for name in ["dateModify", "date_modify"] {
        reg(m, name, &[Str, Any], |a| {
            let t = time_arg(arg(a, 1)).ok_or_else(|| time_expected(arg(a, 1)))?;
            Ok(Value::Object(Rc::new(match parse_duration(&s(a, 0)) {
                Ok(d) => t.add_nanos(d as i128),
                Err(_) => t,
            })))
        });
    }
    for name in ["mustDateModify", "must_date_modify"] {
        reg(m, name, &[Str, Any], |a| {
            let t = time_arg(arg(a, 1)).ok_or_else(|| time_expected(arg(a, 1)))?;
            let d = parse_duration(&s(a, 0))?;
            Ok(Value::Object(Rc::new(t.add_nanos(d as i128))))
        });
    }
    reg(m, "ago", &[Any], |a| {
        let t = match arg(a, 0) {
            Value::Int(n) | Value::Int64(n) => GoTime::unix(*n),
            v => time_arg(v).unwrap_or_else(GoTime::now),
        };
        let d = t.since_nanos().clamp(i64::MIN as i128, i64::MAX as i128) as i64;
        Ok(Value::string(duration_string(round_second(d))))
    });
    reg(m, "duration", &[Any], |a| {
        let n = match arg(a, 0) {
            Value::String(s) => parse_int(s, 10).unwrap_or(0),
            Value::Int64(n) => *n,
            _ => 0,
        };
        Ok(Value::string(duration_string(n.wrapping_mul(1_000_000_000))))
    });
    reg(m, "durationRound", &[Any], |a| {
        let d: i64 = match arg(a, 0) {
            Value::String(s) => parse_duration(s).unwrap_or(0),
            Value::Int64(n) => *n,
            v => match time_arg(v) {
                Some(t) => t.since_nanos().clamp(i64::MIN as i128, i64::MAX as i128) as i64,
                None => 0,
            },
        };
        let u = d.unsigned_abs();
        const HOUR: u64 = 3_600_000_000_000;
        let units: [(u64, &str); 6] = [
            (HOUR * 24 * 365, "y"),
            (HOUR * 24 * 30, "mo"),
            (HOUR * 24, "d"),
            (HOUR, "h"),
            (60_000_000_000, "m"),
            (1_000_000_000, "s"),
        ];
        for (unit, suffix) in units {
            if u > unit {
                return Ok(Value::string(format!("{}{suffix}", u / unit)));
            }
        }
        Ok(Value::str("0s"))
    });
    reg(m, "toDate", &[Str, Str], |a| {
        Ok(Value::Object(Rc::new(parse_in(&s(a, 0), &s(a, 1), &local()).unwrap_or_else(|_| GoTime::zero()))))
    });
    reg(m, "mustToDate", &[Str, Str], |a| Ok(Value::Object(Rc::new(parse_in(&s(a, 0), &s(a, 1), &local())?))));
    reg(m, "unixEpoch", &[Any], |a| {
        let t = time_arg(arg(a, 0)).ok_or_else(|| time_expected(arg(a, 0)))?;
        Ok(Value::string(t.unix.to_string()))
    });
}
