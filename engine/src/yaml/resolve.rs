//! Tag resolution and number formatting with go-yaml's rules.
//!
//! Reading follows go-yaml v3 (what kyaml parses with); printing follows the JSON round
//! trip kustomize makes before go-yaml v2 prints (Go's `encoding/json` number format,
//! then v2's YAML 1.1 resolver to decide which strings need quotes).

use super::node::Tag;

/// Resolves the tag of a plain (unquoted, untagged) scalar as go-yaml v3 does.
pub fn resolve_plain(s: &str) -> Tag {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Tag::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => return Tag::Bool,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => return Tag::Float,
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return Tag::Str;
    }
    if is_timestamp(s) {
        return Tag::Timestamp;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if parse_go_int(&plain).is_some() {
        return Tag::Int;
    }
    if is_yaml_float(&plain) && plain.parse::<f64>().is_ok() {
        return Tag::Float;
    }
    Tag::Str
}

/// An integer value as Go's `strconv.ParseInt(s, 0, 64)` / `ParseUint` read it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GoInt {
    /// Fits in int64.
    I(i64),
    /// Fits only in uint64.
    U(u64),
}

/// Parses an integer with Go's base-0 rules (sign, `0x`, `0o`, `0b`, leading-zero octal).
pub fn parse_go_int(s: &str) -> Option<GoInt> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mag = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if mag <= i64::MAX as u64 + 1 {
            return Some(GoInt::I((mag as i128).wrapping_neg() as i64));
        }
        return None;
    }
    if mag <= i64::MAX as u64 {
        Some(GoInt::I(mag as i64))
    } else {
        Some(GoInt::U(mag))
    }
}

/// Matches go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if int_digits == 0 && i == frac_start {
            return false;
        }
    } else if int_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

/// Parses a YAML float spelling (including `.inf`/`.nan`) to f64.
pub fn parse_yaml_float(s: &str) -> Option<f64> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Some(f64::NAN),
        _ => {
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            plain.parse::<f64>().ok()
        }
    }
}

/// Calendar fields of a timestamp spelling.
#[derive(Clone, Debug, PartialEq)]
pub struct Timestamp {
    /// The date part.
    pub date: (i32, u32, u32),
    /// Hour, minute, second and the fraction digits, if a time was given.
    pub time: Option<(u32, u32, u32, String)>,
    /// Offset from UTC in seconds, if given (`Z` is 0).
    pub offset: Option<i32>,
}

/// Returns true when go-yaml v3 reads `s` as a timestamp.
pub fn is_timestamp(s: &str) -> bool {
    parse_timestamp(s).is_some()
}

/// Parses the timestamp forms go-yaml accepts: `2006-1-2`, `2006-1-2T15:4:5[.9][Z07:00]`,
/// `2006-1-2 15:4:5[.9]` (lower-case `t` too).
pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let num = |t: &str, min: usize, max: usize| -> Option<u32> {
        if t.len() < min || t.len() > max || !t.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    let (date, rest) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut parts = date.split('-');
    let y = num(parts.next()?, 4, 4)? as i32;
    let m = num(parts.next()?, 1, 2)?;
    let d = num(parts.next()?, 1, 2)?;
    if parts.next().is_some() || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let Some(rest) = rest else {
        return Some(Timestamp {
            date: (y, m, d),
            time: None,
            offset: None,
        });
    };
    let (clock, offset) = split_offset(rest)?;
    let mut hms = clock.split(':');
    let h = num(hms.next()?, 1, 2)?;
    let mi = num(hms.next()?, 1, 2)?;
    let sec_part = hms.next()?;
    if hms.next().is_some() {
        return None;
    }
    let (sec, frac) = match sec_part.split_once('.') {
        Some((a, f)) => {
            if f.is_empty() || f.len() > 9 || !f.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            (num(a, 1, 2)?, f.to_string())
        }
        None => (num(sec_part, 1, 2)?, String::new()),
    };
    if h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    // The space-separated form takes no zone in go-yaml's layouts.
    if s.contains(' ') && offset.is_some() {
        return None;
    }
    Some(Timestamp {
        date: (y, m, d),
        time: Some((h, mi, sec, frac)),
        offset,
    })
}

fn split_offset(rest: &str) -> Option<(&str, Option<i32>)> {
    if let Some(c) = rest.strip_suffix('Z') {
        return Some((c, Some(0)));
    }
    if let Some(i) = rest.rfind(['+', '-']) {
        let (c, z) = rest.split_at(i);
        let sign = if z.starts_with('-') { -1 } else { 1 };
        let (hh, mm) = z[1..].split_once(':')?;
        if hh.len() != 2 || mm.len() != 2 {
            return None;
        }
        let h: i32 = hh.parse().ok()?;
        let m: i32 = mm.parse().ok()?;
        return Some((c, Some(sign * (h * 3600 + m * 60))));
    }
    Some((rest, None))
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats a timestamp as Go's `time.Time` JSON encoding (RFC 3339 with nanoseconds,
/// trailing zeros trimmed), in the parsed offset.
pub fn timestamp_json(t: &Timestamp) -> String {
    let (y, m, d) = t.date;
    let (h, mi, s, frac) = t.time.clone().unwrap_or((0, 0, 0, String::new()));
    let frac = frac.trim_end_matches('0');
    let mut out = format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    match t.offset {
        None | Some(0) => out.push('Z'),
        Some(off) => {
            let sign = if off < 0 { '-' } else { '+' };
            let a = off.abs();
            out.push_str(&format!("{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60));
        }
    }
    out
}

/// Splits f64's shortest round-trip decimal form into (negative, digits, decimal exponent),
/// where the value is `0.d1d2d3... * 10^exp`.
fn shortest_digits(f: f64) -> (bool, String, i32) {
    let (digits, dp) = exp_digits(&format!("{:e}", f.abs()));
    (f.is_sign_negative() && f != 0.0, digits, dp)
}

/// The digits and decimal point position of a float printed with `{:e}` (Rust's
/// shortest round-trip digits).
fn exp_digits(s: &str) -> (String, i32) {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    (mant.chars().filter(|c| *c != '.').collect(), exp + 1)
}

/// Go's shortest `'g'` layout of the digits: exponent form from the seventh digit
/// before the point or past the fourth zero after it.
fn go_g_layout(neg: bool, digits: &str, dp: i32) -> String {
    if !(-4..6).contains(&(dp - 1)) {
        return go_exp(neg, digits, dp);
    }
    go_fixed(neg, digits, dp)
}

/// Formats like Go's `strconv.FormatFloat(f, 'e', -1, 64)`.
fn go_exp(neg: bool, digits: &str, dp: i32) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    let e = dp - 1;
    out.push('e');
    out.push(if e < 0 { '-' } else { '+' });
    out.push_str(&format!("{:02}", e.abs()));
    out
}

/// Formats like Go's `strconv.FormatFloat(f, 'f', -1, 64)`.
fn go_fixed(neg: bool, digits: &str, dp: i32) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..(-dp) {
            out.push('0');
        }
        out.push_str(digits);
    } else if dp as usize >= digits.len() {
        out.push_str(digits);
        for _ in 0..(dp as usize - digits.len()) {
            out.push('0');
        }
    } else {
        out.push_str(&digits[..dp as usize]);
        out.push('.');
        out.push_str(&digits[dp as usize..]);
    }
    out
}

/// Formats a float as Go's `encoding/json` does (shortest; exponent form outside
/// [1e-6, 1e21), with `e-7` rather than `e-07`). None for NaN and infinities, which
/// JSON cannot carry.
pub fn json_float(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    if f == 0.0 {
        return Some(if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        });
    }
    let (neg, digits, dp) = shortest_digits(f);
    let abs = f.abs();
    if !(1e-6..1e21).contains(&abs) {
        let s = go_exp(neg, &digits, dp);
        // encoding/json trims a two-digit negative exponent's leading zero.
        if let Some(i) = s.find("e-0") {
            return Some(format!("{}e-{}", &s[..i], &s[i + 3..]));
        }
        return Some(s);
    }
    Some(go_fixed(neg, &digits, dp))
}

/// Formats like Go's `strconv.FormatFloat(f, 'g', -1, 64)` with go-yaml's names for
/// infinities and NaN.
pub fn go_g(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let (neg, digits, dp) = shortest_digits(f);
    go_g_layout(neg, &digits, dp)
}

/// Formats like Go's `strconv.FormatFloat(f, 'g', -1, 32)`: the shortest digits that
/// read back as the same 32-bit float (how sigs.k8s.io/yaml turns a YAML float into a
/// string where a config field is a string).
pub fn go_g32(f: f64) -> String {
    let x = f as f32;
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let (digits, dp) = exp_digits(&format!("{:e}", x.abs()));
    go_g_layout(x.is_sign_negative(), &digits, dp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_g32_formats_as_go_does() {
        for (f, s) in [
            (1.20, "1.2"),
            (0.1, "0.1"),
            (21.0, "21"),
            (1.5e6, "1.5e+06"),
            (123456.0, "123456"),
            (0.00001, "1e-05"),
            (1.23456789, "1.2345679"),
            (-2.5, "-2.5"),
            (f64::INFINITY, "+Inf"),
        ] {
            assert_eq!(go_g32(f), s, "{f}");
        }
    }

    #[test]
    fn plain_resolution_matches_go_yaml_v3() {
        for (s, t) in [
            ("0777", Tag::Int),
            ("1e3", Tag::Float),
            ("yes", Tag::Str),
            ("~", Tag::Null),
            ("1_000", Tag::Int),
            ("0x1F", Tag::Int),
            ("0o17", Tag::Int),
            ("08", Tag::Float),
            ("1.", Tag::Float),
            (".5", Tag::Float),
            ("2001-12-14", Tag::Timestamp),
            ("1.2.3", Tag::Str),
            ("-", Tag::Str),
            ("+1", Tag::Int),
            ("12345678901234567890", Tag::Int),
            ("123456789012345678901234", Tag::Float),
        ] {
            assert_eq!(resolve_plain(s), t, "{s}");
        }
    }

    #[test]
    fn float_formats_match_go() {
        assert_eq!(json_float(1000.0).as_deref(), Some("1000"));
        assert_eq!(json_float(1e20).as_deref(), Some("100000000000000000000"));
        assert_eq!(json_float(1e21).as_deref(), Some("1e+21"));
        assert_eq!(json_float(1e-7).as_deref(), Some("1e-7"));
        assert_eq!(go_g(1e20), "1e+20");
        assert_eq!(go_g(1234567.5), "1.2345675e+06");
        assert_eq!(go_g(1e-7), "1e-07");
        assert_eq!(go_g(1.2345678901234569e23), "1.2345678901234569e+23");
        assert_eq!(go_g(0.5), "0.5");
        assert_eq!(go_g(1.23456789012), "1.23456789012");
        assert_eq!(go_g(123456.0), "123456");
        assert_eq!(go_g(0.0001), "0.0001");
        assert_eq!(go_g(0.00001), "1e-05");
    }
}
