//! Timestamps as logs write them, and as the report shows them.
//!
//! Times are epoch seconds (`f64`, sub-second precision kept). The readers here accept
//! epoch seconds with fractions, ISO 8601 with or without an offset (a space may stand
//! for the `T`), and syslog dates with or without a year.

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date `(year, month, day)` of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats epoch seconds as `%Y-%m-%dT%H:%M:%S` at a fixed offset from UTC, the
/// sub-seconds truncated.
///
/// ```
/// use smb_egress::time::format_time;
///
/// assert_eq!(format_time(1_709_028_000.9, 0), "2024-02-27T10:00:00");
/// assert_eq!(format_time(1_709_028_000.0, -5 * 3600), "2024-02-27T05:00:00");
/// ```
pub fn format_time(epoch: f64, offset_secs: i32) -> String {
    let secs = epoch.floor() as i64 + i64::from(offset_secs);
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let of_day = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// Parses a fixed offset such as `+02:00`, `-0530`, `Z` or `UTC` into seconds.
///
/// ```
/// use smb_egress::time::parse_offset;
///
/// assert_eq!(parse_offset("+02:00"), Some(7200));
/// assert_eq!(parse_offset("-0530"), Some(-19_800));
/// assert_eq!(parse_offset("Z"), Some(0));
/// assert_eq!(parse_offset("+25:00"), None);
/// ```
pub fn parse_offset(text: &str) -> Option<i32> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("z") || text.eq_ignore_ascii_case("utc") {
        return Some(0);
    }
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = text[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 && digits.len() != 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits.get(2..).map_or(Some(0), |m| m.parse().ok())?;
    (hours <= 23 && minutes <= 59).then_some(sign * (hours * 3600 + minutes * 60))
}

/// Parses epoch seconds written as a decimal number (`1477913708`, `1600000000.123456`).
pub fn parse_epoch(text: &str) -> Option<f64> {
    let text = text.trim();
    let valid = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let value: f64 = if valid {
        text.parse().ok()?
    } else {
        return None;
    };
    value.is_finite().then_some(value)
}

/// Parses ISO 8601 date-times: `2024-02-27T10:00:00`, with fractions, `Z`, or an offset
/// (`+02:00`, `+0200`, `-04`); a space may stand for the `T`. A time without a zone is
/// read at `default_offset` seconds from UTC.
///
/// ```
/// use smb_egress::time::parse_iso8601;
///
/// assert_eq!(parse_iso8601("2024-02-27T10:00:00Z", 0), Some(1_709_028_000.0));
/// assert_eq!(parse_iso8601("2024-02-27 12:00:00.5+02:00", 0), Some(1_709_028_000.5));
/// assert_eq!(parse_iso8601("2024-02-27T10:00:00", 3600), Some(1_709_024_400.0));
/// ```
pub fn parse_iso8601(text: &str, default_offset: i32) -> Option<f64> {
    let text = text.trim();
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ' | b't') {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let seconds = clock(&b[11..19])?;
    let (fraction, rest) = fraction(&text[19..]);
    let offset = if rest.is_empty() {
        default_offset
    } else {
        parse_offset(rest)?
    };
    let days = civil_days(year as i64, month, day)?;
    Some((days * 86_400 + seconds - i64::from(offset)) as f64 + fraction)
}

/// Parses a Windows event `SystemTime` attribute: ISO 8601, with up to nine fraction
/// digits and a `Z` or an offset (`2019-02-13 18:01:47.512341+00:00`).
pub fn parse_system_time(text: &str) -> Option<f64> {
    parse_iso8601(text, 0)
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A syslog timestamp that was read, and how much of the text it took.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SyslogTime {
    /// Epoch seconds.
    pub epoch: f64,
    /// Bytes of the text the timestamp took.
    pub len: usize,
    /// True when the text had no year and `year` was used.
    pub year_assumed: bool,
}

/// Parses a BSD syslog date at the start of `text`: `Feb 27 10:00:00`, `Feb  7 10:00:00`,
/// with an optional year before or after the day (`Feb 27 2024 10:00:00`,
/// `2024 Feb 27 10:00:00`) and optional fractions. Without a year, `year` is used. The
/// time is read at `offset` seconds from UTC.
///
/// ```
/// use smb_egress::time::parse_syslog_date;
///
/// let t = parse_syslog_date("Feb 27 10:00:00 fw01 %ASA-6-302013", 2024, 0).unwrap();
/// assert_eq!(t.epoch, 1_709_028_000.0);
/// assert!(t.year_assumed);
/// assert_eq!(t.len, 15);
/// ```
pub fn parse_syslog_date(text: &str, year: i32, offset: i32) -> Option<SyslogTime> {
    let (lead_year, rest) = match text.get(..5).and_then(|y| y.strip_suffix(' ')) {
        Some(y) if is_digits(y) => (Some(y.parse().ok()?), &text[5..]),
        _ => (None, text),
    };
    let month = MONTHS
        .iter()
        .position(|m| rest.get(..3).is_some_and(|t| t.eq_ignore_ascii_case(m)))?;
    let after_month = rest.get(3..)?.strip_prefix(' ')?;
    let trimmed = after_month.trim_start_matches(' ');
    let day_len = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    if day_len == 0 || day_len > 2 {
        return None;
    }
    let day = digits(&trimmed.as_bytes()[..day_len])?;
    let mut rest = trimmed[day_len..].strip_prefix(' ')?;
    let mut year_value = lead_year;
    let trailing_year = rest.get(..5).and_then(|y| y.strip_suffix(' '));
    if let Some(y) = trailing_year.filter(|y| lead_year.is_none() && is_digits(y)) {
        year_value = Some(y.parse().ok()?);
        rest = &rest[5..];
    }
    let seconds = clock(rest.get(..8)?.as_bytes())?;
    let (fraction, tail) = fraction(&rest[8..]);
    let used = text.len() - tail.len();
    let days = civil_days(i64::from(year_value.unwrap_or(year)), month as u32 + 1, day)?;
    let epoch = (days * 86_400 + seconds - i64::from(offset)) as f64 + fraction;
    Some(SyslogTime {
        epoch,
        len: used,
        year_assumed: year_value.is_none(),
    })
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

fn civil_days(year: i64, month: u32, day: u32) -> Option<i64> {
    let valid = (1..=12).contains(&month) && (1..=31).contains(&day);
    valid.then(|| days_from_civil(year, month, day))
}

fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0, |n, b| n * 10 + u32::from(b - b'0')))
}

/// Seconds of the day of `HH:MM:SS`.
fn clock(b: &[u8]) -> Option<i64> {
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (digits(&b[0..2])?, digits(&b[3..5])?, digits(&b[6..8])?);
    (h <= 24 && m <= 59 && s <= 60).then_some(i64::from(h * 3600 + m * 60 + s))
}

/// Splits a leading `.123` or `,123` fraction off `text`.
fn fraction(text: &str) -> (f64, &str) {
    let b = text.as_bytes();
    if !matches!(b.first(), Some(b'.' | b',')) {
        return (0.0, text);
    }
    let len = b[1..].iter().take_while(|b| b.is_ascii_digit()).count();
    let value = format!("0.{}", &text[1..1 + len]).parse().unwrap_or(0.0);
    (value, &text[1 + len..])
}

/// Writes an offset in seconds as `+HH:MM`.
///
/// ```
/// use smb_egress::time::offset_text;
///
/// assert_eq!(offset_text(0), "+00:00");
/// assert_eq!(offset_text(-19_800), "-05:30");
/// ```
pub fn offset_text(offset_secs: i32) -> String {
    let sign = if offset_secs < 0 { '-' } else { '+' };
    let minutes = offset_secs.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}
