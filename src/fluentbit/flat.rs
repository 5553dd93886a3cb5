//! A quick read of the records most pipelines send: Zeek logs as flat JSON objects.
//!
//! Reading a record into a [`serde_json::Value`] allocates every key and string and
//! hashes every key, and the Zeek reader then hashes the names it looks up, several
//! spellings each; for a record of twenty members that is most of the filter's work.
//! [`Doc::parse`] instead checks the record's JSON and notes where each member's value
//! lies, without copying, and [`read_zeek`] reads the Zeek fields from there with the
//! reader the `Value` path uses ([`zeek::from_json_row`]).
//!
//! It takes only the records it reads exactly as the `Value` path does, and leaves
//! every other record to it (`None`): a record that is not a JSON object of the JSON
//! grammar's plain forms (a member whose value is an object, a key with an escape, a
//! number with an exponent or too long, arrays nested deep), that has an `event_type`
//! (a Suricata event is tried first), or that is not a Zeek log. With no member
//! holding an object, a dotted path such as `id.orig_h` can only be a key of its own,
//! which is all the lookups below handle.

use std::borrow::Cow;

use serde_json::Value;

use crate::formats::json;
use crate::formats::zeek::{self, Field, LogKind, Row};
use crate::formats::{Ctx, Format, Skip};
use crate::record::{Record, parse_port};

/// Arrays nested deeper than this are left to the `Value` path.
const MAX_DEPTH: usize = 16;

/// Numbers longer than this are left to the `Value` path, which may find them out of
/// range.
const MAX_NUMBER_LEN: usize = 40;

/// A member's value, as it lies in the record's text.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Raw<'a> {
    /// A string's contents between the quotes; whether they hold an escape.
    Str(&'a str, bool),
    /// A number as written.
    Num(&'a str),
    Bool(bool),
    Null,
    /// An array, which lookups never look into.
    Array,
}

/// A JSON object whose members hold no object, read without copying.
#[derive(Debug)]
pub(super) struct Doc<'a> {
    members: Vec<Member<'a>>,
}

/// A member of a [`Doc`].
#[derive(Debug)]
struct Member<'a> {
    key: &'a str,
    /// The key's [`tag`], compared before the key.
    tag: u64,
    value: Raw<'a>,
}

/// A key's length and its first, middle and last bytes in one number, so that a
/// look-up compares whole keys only where they likely match (`id.orig_h` and
/// `id.resp_h` differ in the middle, `id.orig_h` and `id.orig_p` at the end).
fn tag(key: &str) -> u64 {
    match key.as_bytes() {
        [] => 0,
        bytes => {
            let at = |i: usize| u64::from(bytes[i]);
            let len = bytes.len();
            (len as u64) << 24 | at(0) << 16 | at(len / 2) << 8 | at(len - 1)
        }
    }
}

impl<'a> Doc<'a> {
    /// Reads a record; `None` when it is not such an object or not plain enough.
    pub(super) fn parse(text: &'a str) -> Option<Doc<'a>> {
        let mut scanner = Scanner { text, at: 0 };
        let members = scanner.object()?;
        scanner.space();
        (scanner.at == text.len()).then_some(Doc { members })
    }

    /// The value of a key, the last one when the key is repeated (as `Value` keeps it).
    fn get(&self, key: &str) -> Option<Raw<'a>> {
        let tag = tag(key);
        self.members
            .iter()
            .rev()
            .find(|m| m.tag == tag && m.key == key)
            .map(|m| m.value)
    }

    /// Whether the record has a key, whatever its value.
    pub(super) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The first of several keys that is present and not null, as [`json::get_any`].
    fn get_any(&self, keys: &[&str]) -> Option<Raw<'a>> {
        keys.iter()
            .find_map(|k| self.get(k).filter(|v| *v != Raw::Null))
    }

    /// A value as the `Value` path holds it; `None` for a string or number that does
    /// not read back (never for one [`Doc::parse`] took).
    fn value(raw: Raw<'a>) -> Option<Value> {
        Some(match raw {
            Raw::Str(s, false) => Value::String(s.to_owned()),
            Raw::Str(s, true) => Value::String(unescape(s)?),
            Raw::Num(n) => match count(n) {
                Some(count) => Value::from(count),
                None => Value::Number(serde_json::from_str(n).ok()?),
            },
            Raw::Bool(b) => Value::Bool(b),
            Raw::Null => Value::Null,
            Raw::Array => Value::Array(Vec::new()),
        })
    }

    /// Text at one of several keys, as [`json::text`] reads it.
    fn text(&self, keys: &[&str]) -> Option<Cow<'a, str>> {
        match self.get_any(keys)? {
            Raw::Str("", _) => None,
            Raw::Str(s, false) => Some(Cow::Borrowed(s)),
            // serde_json writes such a number back as it came.
            Raw::Num(n) if count(n).is_some() => Some(Cow::Borrowed(n)),
            raw => json::text_of(&Doc::value(raw)?).map(|t| Cow::Owned(t.into_owned())),
        }
    }
}

/// A number of digits only that fits a `u64`, which serde_json reads as that `u64`
/// (the scanner has turned away leading zeros).
fn count(number: &str) -> Option<u64> {
    let digits = number.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| number.parse().ok()).flatten()
}

/// A string's contents decoded by serde_json, as the `Value` path decodes them.
fn unescape(contents: &str) -> Option<String> {
    serde_json::from_str(&format!("\"{contents}\"")).ok()
}

/// Reads a Zeek record of a [`Doc`] into `out`, as [`crate::formats::parse_json_value`]
/// would with no forced format; `None` when the record is not one this module reads
/// exactly so (then nothing is added to `out`).
pub(super) fn read_zeek(
    doc: &Doc,
    ctx: &mut Ctx,
    out: &mut Vec<Record>,
) -> Option<Result<Format, Skip>> {
    if doc.has("event_type") {
        return None;
    }
    let kind = kind(doc)?;
    let format = kind.format();
    match zeek::from_json_row(&DocRow(doc), &kind, ctx, out) {
        Ok(()) => Some(Ok(format)),
        // A record the Zeek reader skips may still hold a log line to read.
        Err(_) if ["log", "message"].iter().any(|k| holds_text(doc, k)) => None,
        Err(skip) => Some(Err(skip)),
    }
}

/// Whether a key holds a string, as the `Value` path looks for a log line.
fn holds_text(doc: &Doc, key: &str) -> bool {
    matches!(doc.get(key), Some(Raw::Str(..)))
}

/// The kind of a Zeek record, or `None` when it is not one, as
/// [`zeek::json_kind`] finds it.
fn kind(doc: &Doc) -> Option<LogKind> {
    doc.get_any(Field::OrigH.names())?;
    if let Some(path) = doc.text(&["_path", "@stream"]) {
        return Some(LogKind::from_path(&path));
    }
    let smb_action = doc
        .text(&["action"])
        .is_some_and(|a| a.starts_with("SMB::"));
    Some(LogKind::guess(|k| doc.has(k), smb_action))
}

/// A [`Doc`] read as a Zeek row, field by field as the JSON row of the `Value` path.
struct DocRow<'d, 'a>(&'d Doc<'a>);

impl DocRow<'_, '_> {
    fn value(&self, field: Field) -> Option<Value> {
        Doc::value(self.0.get_any(field.names())?)
    }
}

impl Row for DocRow<'_, '_> {
    fn text(&self, field: Field) -> Option<Cow<'_, str>> {
        self.0.text(field.names())
    }

    fn number(&self, field: Field) -> Option<f64> {
        json::number_of(&self.value(field)?)
    }

    fn count(&self, field: Field) -> Option<u64> {
        json::count_of(&self.value(field)?)
    }

    fn port(&self, field: Field) -> Option<u16> {
        parse_port(&self.text(field)?)
    }
}

/// How many bytes at the start of `bytes` a string holds as they are: up to the first
/// quote, backslash or control byte. Eight bytes are looked at a time, in a `u64`.
fn plain_len(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // High bits of the bytes below `n`; the lowest is exact (borrows only run upward).
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let stops =
            below(word ^ (ONES * 0x22), 1) | below(word ^ (ONES * 0x5C), 1) | below(word, 0x20);
        if stops != 0 {
            return at + stops.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    let rest = bytes[at..]
        .iter()
        .position(|&b| matches!(b, b'"' | b'\\' | 0..=0x1F));
    at + rest.unwrap_or(bytes.len() - at)
}

/// A checking reader of JSON text, over the plain forms only.
struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Takes `byte` after any white space.
    fn eat(&mut self, byte: u8) -> Option<()> {
        self.space();
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    /// An object whose members hold no object.
    fn object(&mut self) -> Option<Vec<Member<'a>>> {
        self.eat(b'{')?;
        let mut members = Vec::with_capacity(32);
        self.space();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Some(members);
        }
        loop {
            self.eat(b'"')?;
            let (key, escaped) = self.string()?;
            if escaped {
                return None;
            }
            self.eat(b':')?;
            self.space();
            let value = self.value(0)?;
            members.push(Member {
                key,
                tag: tag(key),
                value,
            });
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(members);
                }
                _ => return None,
            }
        }
    }

    /// A value that is not an object, at the cursor.
    fn value(&mut self, depth: usize) -> Option<Raw<'a>> {
        match self.peek()? {
            b'"' => {
                self.at += 1;
                let (contents, escaped) = self.string()?;
                if escaped {
                    unescape(contents)?;
                }
                Some(Raw::Str(contents, escaped))
            }
            b'-' | b'0'..=b'9' => self.number().map(Raw::Num),
            b't' => self.word("true").map(|()| Raw::Bool(true)),
            b'f' => self.word("false").map(|()| Raw::Bool(false)),
            b'n' => self.word("null").map(|()| Raw::Null),
            b'[' if depth < MAX_DEPTH => self.array(depth + 1).map(|()| Raw::Array),
            _ => None,
        }
    }

    /// A string's contents, after its opening quote, up to and past its closing one;
    /// whether they hold an escape (checked by [`unescape`] where it matters).
    fn string(&mut self) -> Option<(&'a str, bool)> {
        let start = self.at;
        let mut escaped = false;
        loop {
            self.at += plain_len(self.text.as_bytes().get(self.at..)?);
            match self.peek()? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.at += 2;
                }
                _ => return None,
            }
        }
        let contents = self.text.get(start..self.at)?;
        self.at += 1;
        Some((contents, escaped))
    }

    /// A number of the JSON grammar without an exponent.
    fn number(&mut self) -> Option<&'a str> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            let first = self.at;
            self.digits();
            if self.at == first {
                return None;
            }
        }
        let number = &self.text[start..self.at];
        let plain = !matches!(self.peek(), Some(b'e' | b'E' | b'0'..=b'9'));
        (plain && number.len() <= MAX_NUMBER_LEN).then_some(number)
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    fn word(&mut self, word: &str) -> Option<()> {
        let rest = self.text.get(self.at..)?;
        rest.starts_with(word).then(|| self.at += word.len())
    }

    /// An array, after checking its values (objects in it included).
    fn array(&mut self, depth: usize) -> Option<()> {
        self.at += 1;
        self.space();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Some(());
        }
        loop {
            self.space();
            if self.peek() == Some(b'{') {
                self.nested_object(depth)?;
            } else {
                self.value(depth)?;
            }
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// An object inside an array, checked and passed over.
    fn nested_object(&mut self, depth: usize) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.at += 1;
        self.space();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Some(());
        }
        loop {
            self.eat(b'"')?;
            let (key, escaped) = self.string()?;
            if escaped {
                unescape(key)?;
            }
            self.eat(b':')?;
            self.space();
            if self.peek() == Some(b'{') {
                self.nested_object(depth + 1)?;
            } else {
                self.value(depth + 1)?;
            }
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_runs_stop_at_quotes_backslashes_and_control_bytes() {
        let reference = |b: &[u8]| {
            let stop = b.iter().position(|&b| matches!(b, b'"' | b'\\' | 0..=0x1F));
            stop.unwrap_or(b.len())
        };
        let alphabet = b"ab\"\\\x00\x1f\x20\x21\x7f\x80\xff\x5b\x5d\x23\x02";
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..50_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 40) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|i| match (seed >> (i % 60)) % 7 {
                    0 => alphabet[(seed >> (i % 50)) as usize % alphabet.len()],
                    _ => b'a' + (i % 26) as u8,
                })
                .collect();
            assert_eq!(plain_len(&bytes), reference(&bytes), "{bytes:?}");
        }
    }

    #[test]
    fn takes_plain_objects_only() {
        let cases: [(&str, bool); 24] = [
            (
                r#"{"a":1,"b":"x","c":true,"d":null,"e":[1,{"f":[]}]}"#,
                true,
            ),
            (" \t{ \"a\" : -0.5 ,\r\n\"b\":\"\\u00e9\\n\"}\n", true),
            ("{}", true),
            (r#"{"a":"é, \"quoted\""}"#, true),
            (r#"{"a":{"b":1}}"#, false),
            (r#"{"a\u0041":1}"#, false),
            (r#"{"a":1e5}"#, false),
            (r#"{"a":01}"#, false),
            (r#"{"a":1.}"#, false),
            (r#"{"a":-}"#, false),
            (r#"{"a":.5}"#, false),
            (r#"{"a":1,}"#, false),
            (r#"{"a":1}x"#, false),
            (r#"{"a":1}{}"#, false),
            (r#"{"a":tru}"#, false),
            (r#"{"a":truex}"#, false),
            (r#"{"a":"\x"}"#, false),
            (r#"{"a":"\ud800"}"#, false),
            ("{\"a\":\"tab\there\"}", false),
            (r#"{"a":[1,]}"#, false),
            (r#"{"a":"open}"#, false),
            (r#"{a:1}"#, false),
            (r#"[{"a":1}]"#, false),
            ("", false),
        ];
        for (text, taken) in cases {
            assert_eq!(Doc::parse(text).is_some(), taken, "{text}");
        }
        let deep = format!(r#"{{"a":{}1{}}}"#, "[".repeat(40), "]".repeat(40));
        assert!(Doc::parse(&deep).is_none());
    }

    /// Whatever the text, a record taken is JSON that serde_json reads as an object
    /// with the same members (the last of a repeated key), value for value.
    #[test]
    fn taken_records_read_as_serde_json_reads_them() {
        let base = concat!(
            r#"{"ts":1588205199.827696,"id.orig_h":"10.0.1.6","p":[1,{"x":"y"}],"n":null,"#,
            r#""s":"a\"b\u00e9","b":false,"i":-12,"big":123456789012345678901234567890,"ts":3}"#,
        );
        let bytes = base.as_bytes();
        let mut next = crate::testing::xorshift(0x2545_F491_4F6C_DD1D);
        let mut taken = 0;
        for _ in 0..20_000 {
            let mut text = bytes.to_vec();
            for _ in 0..1 + next() % 3 {
                let at = next() % text.len();
                match next() % 3 {
                    0 => drop(text.remove(at)),
                    1 => text.insert(at, b"{}[]\",:.-+eE0 9\\tnu"[next() % 19]),
                    _ => {
                        let other = next() % text.len();
                        text.swap(at, other);
                    }
                }
            }
            let Ok(text) = String::from_utf8(text) else {
                continue;
            };
            let Some(doc) = Doc::parse(&text) else {
                continue;
            };
            taken += 1;
            let value: Value = serde_json::from_str(&text).expect(&text);
            let map = value.as_object().expect(&text);
            for Member {
                key, value: raw, ..
            } in &doc.members
            {
                let Some(want) = map.get(*key) else {
                    panic!("{key} missing: {text}");
                };
                if *raw != Raw::Array && doc.get(key) == Some(*raw) {
                    assert_eq!(Doc::value(*raw).as_ref(), Some(want), "{text}");
                }
            }
            assert!(map.keys().all(|k| doc.has(k)), "{text}");
        }
        assert!(taken > 1_000, "{taken}");
    }
}
