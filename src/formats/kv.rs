//! Key-value tokenizing shared by several syslog formats.
//!
//! Two forms are read, both without allocating: values are slices of the line, quotes
//! removed but backslash escapes left as written ([`unescape`] resolves them when a
//! caller needs the exact text).
//!
//! - [`pairs`]: `key=value` separated by white space, a value optionally in double
//!   quotes (`app="Web Management(HTTPS)"`), as FortiGate and the eStreamer eNcore
//!   client write them. Tokens without `=` are skipped.
//! - [`colon_pairs`]: `key:"value"` separated by `;`, inside or outside `[...]`, as the
//!   Check Point Log Exporter writes them (`[action:"Accept"; src:"10.0.0.1"; ]`).
//!
//! ```
//! use smb_egress::formats::kv;
//!
//! let line = r#"srcip=10.1.2.3 app="Web Management(HTTPS)" action="close""#;
//! let found: Vec<_> = kv::pairs(line).collect();
//! assert_eq!(found[1], ("app", "Web Management(HTTPS)"));
//!
//! let cp = r#"[action:"Accept"; src:"10.1.2.3"; sys_message::"x"]"#;
//! let found: Vec<_> = kv::colon_pairs(cp).collect();
//! assert_eq!(found, [("action", "Accept"), ("src", "10.1.2.3"), ("sys_message", "x")]);
//! ```

use std::borrow::Cow;

/// An iterator over `key=value` pairs; see [`pairs`].
#[derive(Clone, Debug)]
pub struct Pairs<'a> {
    text: &'a str,
    pos: usize,
}

/// The `key=value` pairs of `text`, separated by white space.
pub fn pairs(text: &str) -> Pairs<'_> {
    Pairs { text, pos: 0 }
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.text.as_bytes();
        loop {
            while bytes.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
                self.pos += 1;
            }
            if self.pos >= bytes.len() {
                return None;
            }
            let start = self.pos;
            while bytes
                .get(self.pos)
                .is_some_and(|b| *b != b'=' && !b.is_ascii_whitespace())
            {
                self.pos += 1;
            }
            if bytes.get(self.pos) != Some(&b'=') {
                continue;
            }
            let key = &self.text[start..self.pos];
            self.pos += 1;
            let value = self.value();
            return Some((key, value));
        }
    }
}

impl<'a> Pairs<'a> {
    /// Reads the value at `pos`, quoted or bare, leaving `pos` after it.
    fn value(&mut self) -> &'a str {
        let bytes = self.text.as_bytes();
        if bytes.get(self.pos) == Some(&b'"') {
            let start = self.pos + 1;
            let end = closing_quote(bytes, start);
            self.pos = (end + 1).min(bytes.len());
            return &self.text[start..end];
        }
        let start = self.pos;
        while bytes
            .get(self.pos)
            .is_some_and(|b| !b.is_ascii_whitespace())
        {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }
}

/// The index of the `"` closing a value that starts at `start`, skipping `\"`; the end
/// of the text when the value is not closed.
fn closing_quote(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// An iterator over Check Point `key:"value"` pairs; see [`colon_pairs`].
#[derive(Clone, Debug)]
pub struct ColonPairs<'a> {
    text: &'a str,
    pos: usize,
}

/// The `key:"value"` pairs of `text`, separated by `;` and optionally wrapped in
/// `[...]`. A key may end with more than one `:` (`sys_message::"..."`); a value
/// without quotes runs to the next `;` or `]`. Reading stops at a `]` outside a value.
pub fn colon_pairs(text: &str) -> ColonPairs<'_> {
    ColonPairs { text, pos: 0 }
}

impl<'a> Iterator for ColonPairs<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.text.as_bytes();
        while bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_whitespace() || matches!(b, b';' | b'['))
        {
            self.pos += 1;
        }
        if bytes.get(self.pos).is_none_or(|b| *b == b']') {
            return None;
        }
        let start = self.pos;
        while bytes
            .get(self.pos)
            .is_some_and(|b| !matches!(b, b':' | b';' | b']'))
        {
            self.pos += 1;
        }
        let key = self.text[start..self.pos].trim();
        while bytes.get(self.pos) == Some(&b':') {
            self.pos += 1;
        }
        let value = self.value();
        Some((key, value))
    }
}

impl<'a> ColonPairs<'a> {
    fn value(&mut self) -> &'a str {
        let bytes = self.text.as_bytes();
        if bytes.get(self.pos) == Some(&b'"') {
            let start = self.pos + 1;
            let end = closing_quote(bytes, start);
            self.pos = (end + 1).min(bytes.len());
            return &self.text[start..end];
        }
        let start = self.pos;
        while bytes
            .get(self.pos)
            .is_some_and(|b| !matches!(b, b';' | b']'))
        {
            self.pos += 1;
        }
        self.text[start..self.pos].trim()
    }
}

/// Resolves backslash escapes (`\"`, `\\`, `\]`) in a value; borrows when there are
/// none.
///
/// ```
/// use smb_egress::formats::kv::unescape;
///
/// assert_eq!(unescape(r#"policy_name=Standard\]"#), "policy_name=Standard]");
/// assert_eq!(unescape("plain"), "plain");
/// ```
pub fn unescape(value: &str) -> Cow<'_, str> {
    if !value.contains('\\') {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_key_value_pairs() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("a=1 b=2", &[("a", "1"), ("b", "2")]),
            (r#"a="x y" b="""#, &[("a", "x y"), ("b", "")]),
            (r#"a="q\"uote" b=3"#, &[("a", r#"q\"uote"#), ("b", "3")]),
            ("junk a=1 =2 b=", &[("a", "1"), ("", "2"), ("b", "")]),
            (r#"a="unclosed"#, &[("a", "unclosed")]),
            (
                "ssl=b'00' url=https://x/?a=b",
                &[("ssl", "b'00'"), ("url", "https://x/?a=b")],
            ),
        ];
        for (text, expected) in cases {
            let found: Vec<_> = pairs(text).collect();
            assert_eq!(found, *expected, "{text}");
        }
    }

    #[test]
    fn reads_check_point_pairs() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            (r#"[a:"1"; b:"2"]"#, &[("a", "1"), ("b", "2")]),
            (r#"[a:"1"; b:"2"; ]"#, &[("a", "1"), ("b", "2")]),
            (r#"[t:"x\]"; u:"y"]"#, &[("t", r"x\]"), ("u", "y")]),
            (
                r#"a:"1";b:bare; c:"3""#,
                &[("a", "1"), ("b", "bare"), ("c", "3")],
            ),
            ("[", &[]),
            (r#"[a:"1"] trailing:"no""#, &[("a", "1")]),
        ];
        for (text, expected) in cases {
            let found: Vec<_> = colon_pairs(text).collect();
            assert_eq!(found, *expected, "{text}");
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in ["=", "\"", "a=\"\\", "é=é", "[:", "a:\"\\", ":::", "]"] {
            let _ = pairs(text).count();
            let _ = colon_pairs(text).count();
        }
    }
}
