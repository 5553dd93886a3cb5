//! Syslog headers (RFC 3164 and RFC 5424) shared by the syslog formats.
//!
//! [`parse`] strips what a relay or the device put before the message: a priority
//! `<NN>`, a timestamp, and a host name, and returns the time and the rest. The
//! timestamps read are:
//!
//! - BSD dates (RFC 3164) with or without a year: `Feb 27 10:00:00`,
//!   `Feb 27 2024 10:00:00`, optionally followed by `:` (Cisco) or a time-zone
//!   abbreviation (`EDT`, see [`zone_offset`]); a date without a year takes `ctx.year`
//!   and sets `ctx.year_assumed`;
//! - ISO 8601 date-times (RFC 5424 and many relays): `2024-02-27T10:00:00.5+01:00`.
//!
//! Times without a zone are read at `ctx.offset` seconds from UTC.
//!
//! The host name is the token after the timestamp when it looks like one (letters,
//! digits, `.`, `-`, `_`, `:` and not ending with `:`); otherwise the token is taken to
//! be the start of the message (a tag such as `filterlog[72237]:` or `kernel:`). A line
//! without a timestamp is returned whole after its priority: no host is guessed there.
//!
//! An RFC 5424 header (`<134>1 TIMESTAMP HOST APP PROCID MSGID`) gives the host and the
//! application name; the message is what follows MSGID, structured data included,
//! since some vendors (Check Point) write their fields there.
//!
//! ```
//! use smb_egress::formats::{syslog, Ctx};
//!
//! let mut ctx = Ctx::new(2024, 0);
//! let h = syslog::parse("<134>Feb 27 10:00:00 fw01 filterlog[1]: 5,,,", &mut ctx);
//! assert_eq!(h.time, Some(1_709_028_000.0));
//! assert_eq!(h.host, Some("fw01"));
//! assert_eq!(h.message, "filterlog[1]: 5,,,");
//! assert!(ctx.year_assumed);
//! ```

use super::Ctx;
use crate::time::{parse_iso8601, parse_syslog_date};

/// What a syslog header gave, and the message after it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Header<'a> {
    /// The priority (`<134>` gives 134), if the line had one.
    pub priority: Option<u16>,
    /// The timestamp in epoch seconds, if one was read.
    pub time: Option<f64>,
    /// The host name, if one was recognized.
    pub host: Option<&'a str>,
    /// The RFC 5424 APP-NAME, if the header was RFC 5424.
    pub app: Option<&'a str>,
    /// The rest of the line: the message, starting at its tag for RFC 3164.
    pub message: &'a str,
}

/// Reads the syslog header of `line`; see the module doc for what is recognized.
pub fn parse<'a>(line: &'a str, ctx: &mut Ctx) -> Header<'a> {
    let (priority, rest) = strip_priority(line.trim_start());
    if let Some(body) = rfc5424_body(rest) {
        return rfc5424(priority, body, ctx);
    }
    let mut header = Header {
        priority,
        time: None,
        host: None,
        app: None,
        message: rest,
    };
    let Some((time, after)) = timestamp(rest, ctx) else {
        return header;
    };
    header.time = Some(time);
    let after = after.trim_start();
    let (token, tail) = split_token(after);
    if is_host(token) && !tail.is_empty() {
        header.host = Some(token);
        header.message = tail.trim_start();
    } else {
        header.message = after;
    }
    header
}

/// Splits a leading `<NN>` priority off `text`.
fn strip_priority(text: &str) -> (Option<u16>, &str) {
    let Some(inner) = text.strip_prefix('<') else {
        return (None, text);
    };
    let Some(end) = inner.find('>') else {
        return (None, text);
    };
    let digits = &inner[..end];
    match digits.parse::<u16>() {
        Ok(p) if (1..=3).contains(&digits.len()) => (Some(p), &inner[end + 1..]),
        _ => (None, text),
    }
}

/// The text after `1 ` when `text` starts an RFC 5424 header.
fn rfc5424_body(text: &str) -> Option<&str> {
    let body = text.strip_prefix("1 ")?;
    let first = body.bytes().next()?;
    (first.is_ascii_digit() || body.starts_with("- ")).then_some(body)
}

fn rfc5424<'a>(priority: Option<u16>, body: &'a str, ctx: &mut Ctx) -> Header<'a> {
    let mut parts = body.splitn(6, ' ');
    let mut next = || parts.next().filter(|p| *p != "-");
    let time = next().and_then(|t| parse_iso8601(t, ctx.offset));
    let host = next();
    let app = next();
    let _procid = next();
    let _msgid = next();
    let message = next().unwrap_or("");
    Header {
        priority,
        time,
        host,
        app,
        message,
    }
}

/// Reads a timestamp at the start of `text`, returning the time and the text after it
/// (and after a trailing `:` or zone abbreviation).
fn timestamp<'a>(text: &'a str, ctx: &mut Ctx) -> Option<(f64, &'a str)> {
    let (token, after) = split_token(text);
    if token.len() >= 19 && token.as_bytes().get(4) == Some(&b'-') {
        let time = parse_iso8601(token.trim_end_matches(':'), ctx.offset)?;
        return Some((time, after));
    }
    let date = parse_syslog_date(text, ctx.year, ctx.offset)?;
    ctx.year_assumed |= date.year_assumed;
    let mut rest = text.get(date.len..)?;
    rest = rest.strip_prefix(':').unwrap_or(rest);
    let (zone, after_zone) = split_token(rest.trim_start());
    match zone_offset(zone.trim_end_matches(':')) {
        Some(offset) => {
            let time = date.epoch + f64::from(ctx.offset) - f64::from(offset);
            Some((time, after_zone))
        }
        None => Some((date.epoch, rest)),
    }
}

/// The offset in seconds of a few time-zone abbreviations that devices print after a
/// BSD date (Cisco ASA `logging timestamp` with `clock timezone`): `UTC`, `GMT`, and the
/// North American and Central European zones. Other abbreviations are ambiguous and
/// give `None`, so the time keeps the user's offset.
pub fn zone_offset(abbreviation: &str) -> Option<i32> {
    const ZONES: [(&str, i32); 12] = [
        ("UTC", 0),
        ("GMT", 0),
        ("EST", -5),
        ("EDT", -4),
        ("CST", -6),
        ("CDT", -5),
        ("MST", -7),
        ("MDT", -6),
        ("PST", -8),
        ("PDT", -7),
        ("CET", 1),
        ("CEST", 2),
    ];
    ZONES
        .iter()
        .find(|(name, _)| *name == abbreviation)
        .map(|(_, hours)| hours * 3600)
}

/// Splits `text` at its first space: the token and the rest (which keeps its spaces).
fn split_token(text: &str) -> (&str, &str) {
    match text.find(' ') {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    }
}

fn is_host(token: &str) -> bool {
    !token.is_empty()
        && !token.ends_with(':')
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'))
}

/// Skips RFC 5424 structured data (`-` or one or more `[id key="value"]` elements) at
/// the start of `text`, returning the message after it.
///
/// ```
/// use smb_egress::formats::syslog::skip_structured_data;
///
/// assert_eq!(skip_structured_data(r#"[meta sequenceId="3"] 82,,,"#), "82,,,");
/// assert_eq!(skip_structured_data("- 82,,,"), "82,,,");
/// ```
pub fn skip_structured_data(text: &str) -> &str {
    if let Some(rest) = text.strip_prefix('-') {
        return rest.trim_start();
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while bytes.get(i) == Some(&b'[') {
        i = match element_end(bytes, i) {
            Some(end) => end,
            None => return text,
        };
    }
    text.get(i..).unwrap_or("").trim_start()
}

/// The index after the `]` closing the element that starts at `start`.
fn element_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut quoted = false;
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' if quoted => i += 1,
            b'"' => quoted = !quoted,
            b']' if !quoted => return Some(i + 1),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(line: &str) -> (Header<'_>, bool) {
        let mut ctx = Ctx::new(2024, 0);
        let h = parse(line, &mut ctx);
        (h, ctx.year_assumed)
    }

    /// (line, time, host, message, year assumed)
    type Case = (
        &'static str,
        Option<f64>,
        Option<&'static str>,
        &'static str,
        bool,
    );

    #[test]
    fn reads_the_header_styles_of_the_corpus() {
        let cases: &[Case] = &[
            (
                "<134>Jul  3 19:10:30 filterlog[72237]: 146,,,",
                Some(1_720_033_830.0),
                None,
                "filterlog[72237]: 146,,,",
                true,
            ),
            (
                "Apr 29 2013 12:59:50: %ASA-6-302013: Built",
                Some(1_367_240_390.0),
                None,
                "%ASA-6-302013: Built",
                false,
            ),
            (
                "Apr 24 2013 16:00:28 INT-FW01 : %ASA-6-106100: x",
                Some(1_366_819_228.0),
                Some("INT-FW01"),
                ": %ASA-6-106100: x",
                false,
            ),
            (
                "Apr 15 2014 09:34:34 EDT: %ASA-session-5-106100: x",
                Some(1_397_568_874.0),
                None,
                "%ASA-session-5-106100: x",
                false,
            ),
            (
                "Dec 11 2018 08:01:24 <IP>: %ASA-6-302015: x",
                Some(1_544_515_284.0),
                None,
                "<IP>: %ASA-6-302015: x",
                false,
            ),
            (
                "2019-08-15T16:03:31Z firepower  %FTD-1-430002: x",
                Some(1_565_885_011.0),
                Some("firepower"),
                "%FTD-1-430002: x",
                false,
            ),
            (
                "2023-03-27T08:41:37Z   %FTD-1-430003: x",
                Some(1_679_906_497.0),
                None,
                "%FTD-1-430003: x",
                false,
            ),
            (
                "Jan  8 03:37:09 DENY: IN=eth0 OUT=",
                Some(1_704_685_029.0),
                None,
                "DENY: IN=eth0 OUT=",
                true,
            ),
            (
                "[  132.172629] Inbound IN=ppp0",
                None,
                None,
                "[  132.172629] Inbound IN=ppp0",
                false,
            ),
            (
                "%ASA-2-106001: Inbound TCP",
                None,
                None,
                "%ASA-2-106001: Inbound TCP",
                false,
            ),
            (
                "date=2019-05-10 time=11:37:47 type=\"traffic\"",
                None,
                None,
                "date=2019-05-10 time=11:37:47 type=\"traffic\"",
                false,
            ),
        ];
        for (line, time, host, message, assumed) in cases {
            let (h, year_assumed) = header(line);
            assert_eq!(h.time, *time, "{line}");
            assert_eq!(h.host, *host, "{line}");
            assert_eq!(h.message, *message, "{line}");
            assert_eq!(year_assumed, *assumed, "{line}");
        }
    }

    #[test]
    fn reads_rfc5424() {
        let (h, _) = header("<134>1 2020-03-29T13:19:20Z gw-da58d3 CheckPoint 1930 - [a:\"b\"]");
        assert_eq!(h.priority, Some(134));
        assert_eq!(h.time, Some(1_585_487_960.0));
        assert_eq!(h.host, Some("gw-da58d3"));
        assert_eq!(h.app, Some("CheckPoint"));
        assert_eq!(h.message, "[a:\"b\"]");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for line in [
            "",
            "<",
            "<999999>",
            "<1>1 ",
            "Feb",
            "Feb 3",
            "1 - - - - -",
            "é<é>",
        ] {
            let _ = header(line);
        }
    }

    #[test]
    fn skips_structured_data() {
        assert_eq!(skip_structured_data(r#"[a b="]"][c] msg"#), "msg");
        assert_eq!(skip_structured_data("[unclosed msg"), "[unclosed msg");
    }
}
