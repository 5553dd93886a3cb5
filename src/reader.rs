//! Bytes in, lines out: the push reader under every format.
//!
//! [`LineReader`] takes chunks of any size and gives complete lines: `\n`, `\r\n` and a
//! lone `\r` end a line (as Splunk breaks lines), so files with any mix of line endings
//! read alike; a line split across chunks is joined, a UTF-8 byte-order mark is dropped,
//! and UTF-16 input (with a byte-order mark, or recognized by its zero bytes) is decoded
//! to UTF-8. A line longer than the cap is never held whole: the reader drops its bytes
//! as they come and reports one [`Line::TooLong`] at its end. Memory is bounded by the
//! cap, whatever the input.
//!
//! [`JsonAssembler`] joins a JSON document written over several lines (pretty-printed
//! objects, arrays of objects) into one piece of text, within the same cap.

/// What the reader gives for each line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// A complete line, without its line ending.
    Text(&'a [u8]),
    /// A line over the cap; its bytes were dropped.
    TooLong {
        /// How long it was, in bytes.
        bytes: u64,
    },
}

/// Where the reader's lines go.
///
/// A sink may let the reader pass over lines it has no use for: at each line start,
/// [`LineSink::skippable`] sees the bytes from there and tells how many of them
/// (whole lines only) to pass over, and how many lines that is. Those lines still
/// count in the line numbers.
pub trait LineSink {
    /// Takes a complete line and its number.
    fn line(&mut self, n: u64, line: Line<'_>);

    /// How many bytes from the start of `bytes`, a line start, to pass over, and how
    /// many lines they hold; they must end with a line's `\n`. By default none.
    fn skippable(&mut self, bytes: &[u8]) -> (usize, u64) {
        let _ = bytes;
        (0, 0)
    }
}

/// A closure as a sink that takes every line.
struct EveryLine<'a, F>(&'a mut F);

impl<F: FnMut(u64, Line<'_>)> LineSink for EveryLine<'_, F> {
    fn line(&mut self, n: u64, line: Line<'_>) {
        (self.0)(n, line)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Undecided,
    Utf8,
    Utf16 { big_endian: bool },
}

/// Splits a byte stream into lines (see the module documentation).
///
/// ```
/// use smb_egress::reader::{Line, LineReader};
///
/// let mut reader = LineReader::new(1 << 20);
/// let mut lines = Vec::new();
/// let mut keep = |n: u64, line: Line| {
///     if let Line::Text(t) = line { lines.push((n, String::from_utf8_lossy(t).into_owned())) }
/// };
/// reader.push(b"\xEF\xBB\xBFfirst\r\nsec", &mut keep);
/// reader.push(b"ond\nthird", &mut keep);
/// reader.finish(&mut keep);
/// assert_eq!(lines, [(1, "first".into()), (2, "second".into()), (3, "third".into())]);
/// ```
#[derive(Clone, Debug)]
pub struct LineReader {
    max_line: usize,
    encoding: Encoding,
    head: Vec<u8>,
    partial: Vec<u8>,
    dropping: Option<u64>,
    line_number: u64,
    odd_byte: Option<u8>,
    high_surrogate: Option<u16>,
    decoded: Vec<u8>,
    after_cr: bool,
}

impl LineReader {
    /// A reader whose lines may be at most `max_line` bytes long.
    pub fn new(max_line: usize) -> LineReader {
        LineReader {
            max_line,
            encoding: Encoding::Undecided,
            head: Vec::new(),
            partial: Vec::new(),
            dropping: None,
            line_number: 0,
            odd_byte: None,
            high_surrogate: None,
            decoded: Vec::new(),
            after_cr: false,
        }
    }

    /// Lines given so far.
    pub fn line_number(&self) -> u64 {
        self.line_number
    }

    /// Whether the input was recognized as UTF-16 and is being decoded.
    pub fn is_utf16(&self) -> bool {
        matches!(self.encoding, Encoding::Utf16 { .. })
    }

    /// Feeds a chunk; `sink` gets each complete line with its number (from 1).
    pub fn push(&mut self, chunk: &[u8], sink: &mut impl FnMut(u64, Line<'_>)) {
        self.push_to(chunk, &mut EveryLine(sink));
    }

    /// Feeds a chunk to a [`LineSink`], which may pass over whole lines unread.
    pub fn push_to(&mut self, chunk: &[u8], sink: &mut impl LineSink) {
        if self.encoding == Encoding::Undecided {
            // Four bytes decide the encoding; only those are held, never the chunk.
            let take = chunk.len().min(4usize.saturating_sub(self.head.len()));
            self.head.extend_from_slice(&chunk[..take]);
            if self.head.len() < 4 && could_be_bom(&self.head) {
                return;
            }
            let head = std::mem::take(&mut self.head);
            self.decide(&head);
            self.feed(&head[bom_len(&head)..], sink);
            self.feed(&chunk[take..], sink);
            return;
        }
        self.feed(chunk, sink);
    }

    /// Ends the input: the last line, if it had no line ending, is given now.
    pub fn finish(&mut self, sink: &mut impl FnMut(u64, Line<'_>)) {
        self.finish_to(&mut EveryLine(sink));
    }

    /// [`LineReader::finish`] for a [`LineSink`].
    pub fn finish_to(&mut self, sink: &mut impl LineSink) {
        if self.encoding == Encoding::Undecided {
            let head = std::mem::take(&mut self.head);
            self.decide(&head);
            self.feed(&head[bom_len(&head)..], sink);
        }
        if let Some(bytes) = self.dropping.take() {
            self.line_number += 1;
            sink.line(self.line_number, Line::TooLong { bytes });
        } else if !self.partial.is_empty() {
            self.line_number += 1;
            let line = std::mem::take(&mut self.partial);
            sink.line(self.line_number, Line::Text(&line));
        }
    }

    fn decide(&mut self, head: &[u8]) {
        self.encoding = match head {
            [0xFF, 0xFE, ..] => Encoding::Utf16 { big_endian: false },
            [0xFE, 0xFF, ..] => Encoding::Utf16 { big_endian: true },
            [a, 0, b, 0, ..] if *a != 0 && *b != 0 => Encoding::Utf16 { big_endian: false },
            [0, a, 0, b, ..] if *a != 0 && *b != 0 => Encoding::Utf16 { big_endian: true },
            _ => Encoding::Utf8,
        };
    }

    fn feed(&mut self, bytes: &[u8], sink: &mut impl LineSink) {
        match self.encoding {
            Encoding::Utf16 { big_endian } => {
                let mut decoded = std::mem::take(&mut self.decoded);
                decoded.clear();
                self.decode_utf16(bytes, big_endian, &mut decoded);
                self.split(&decoded, sink);
                self.decoded = decoded;
            }
            _ => self.split(bytes, sink),
        }
    }

    fn split(&mut self, mut bytes: &[u8], sink: &mut impl LineSink) {
        if self.after_cr && !bytes.is_empty() {
            // The last chunk ended with `\r`: a `\n` here belongs to that line ending.
            self.after_cr = false;
            bytes = bytes.strip_prefix(b"\n").unwrap_or(bytes);
        }
        loop {
            if self.partial.is_empty() && self.dropping.is_none() {
                let (len, lines) = sink.skippable(bytes);
                bytes = &bytes[len..];
                self.line_number += lines;
            }
            let Some(end) = memchr::memchr2(b'\n', b'\r', bytes) else {
                break;
            };
            let piece = &bytes[..end];
            let ending = match &bytes[end..] {
                [b'\r', b'\n', ..] => 2,
                [b'\r'] => {
                    self.after_cr = true;
                    1
                }
                _ => 1,
            };
            bytes = &bytes[end + ending..];
            self.line_number += 1;
            if let Some(dropped) = self.dropping.take() {
                sink.line(
                    self.line_number,
                    Line::TooLong {
                        bytes: dropped + piece.len() as u64,
                    },
                );
            } else if self.partial.is_empty() {
                self.give(piece, sink);
            } else if self.partial.len() + piece.len() > self.max_line {
                let bytes = (self.partial.len() + piece.len()) as u64;
                self.partial.clear();
                sink.line(self.line_number, Line::TooLong { bytes });
            } else {
                let mut line = std::mem::take(&mut self.partial);
                line.extend_from_slice(piece);
                sink.line(self.line_number, Line::Text(&line));
                line.clear();
                self.partial = line;
            }
        }
        self.hold(bytes);
    }

    fn give(&mut self, line: &[u8], sink: &mut impl LineSink) {
        if line.len() > self.max_line {
            sink.line(
                self.line_number,
                Line::TooLong {
                    bytes: line.len() as u64,
                },
            );
        } else {
            sink.line(self.line_number, Line::Text(line));
        }
    }

    /// Keeps the start of an unfinished line, or counts it away once over the cap.
    fn hold(&mut self, rest: &[u8]) {
        if let Some(dropped) = &mut self.dropping {
            *dropped += rest.len() as u64;
        } else if self.partial.len() + rest.len() > self.max_line {
            self.dropping = Some((self.partial.len() + rest.len()) as u64);
            self.partial = Vec::new();
        } else {
            self.partial.extend_from_slice(rest);
        }
    }

    fn decode_utf16(&mut self, bytes: &[u8], big_endian: bool, out: &mut Vec<u8>) {
        let mut units = Vec::with_capacity(bytes.len() / 2 + 1);
        let mut bytes = bytes;
        if let (Some(first), Some(&second)) = (self.odd_byte, bytes.first()) {
            units.push(unit(first, second, big_endian));
            self.odd_byte = None;
            bytes = &bytes[1..];
        }
        let pairs = bytes.chunks_exact(2);
        if let [last] = pairs.remainder() {
            self.odd_byte = Some(*last);
        }
        units.extend(pairs.map(|p| unit(p[0], p[1], big_endian)));
        if let Some(high) = self.high_surrogate.take() {
            units.insert(0, high);
        }
        if units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
            self.high_surrogate = units.pop();
        }
        let mut buf = [0u8; 4];
        for c in char::decode_utf16(units) {
            let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

fn unit(a: u8, b: u8, big_endian: bool) -> u16 {
    if big_endian {
        u16::from_be_bytes([a, b])
    } else {
        u16::from_le_bytes([a, b])
    }
}

fn could_be_bom(head: &[u8]) -> bool {
    const BOMS: [&[u8]; 3] = [&[0xEF, 0xBB, 0xBF], &[0xFF, 0xFE], &[0xFE, 0xFF]];
    let bom_prefix = BOMS
        .iter()
        .any(|bom| bom.starts_with(head) || head.starts_with(bom));
    bom_prefix || head.len() < 4 && !head.contains(&b'\n')
}

fn bom_len(head: &[u8]) -> usize {
    match head {
        [0xEF, 0xBB, 0xBF, ..] => 3,
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => 2,
        _ => 0,
    }
}

/// Joins JSON documents written over several lines.
///
/// Lines that hold a whole JSON object pass through untouched. A line that opens an
/// object without closing it starts a document that the following lines continue
/// until its braces balance. A top-level array of objects is read as its objects; the
/// array's own brackets and commas are dropped.
///
/// ```
/// use smb_egress::reader::{Assembled, JsonAssembler};
///
/// let mut json = JsonAssembler::new(1 << 20);
/// assert_eq!(json.line(b"{"), Assembled::Pending);
/// assert_eq!(json.line(b"  \"a\": \"}\""), Assembled::Pending);
/// assert_eq!(json.line(b"},"), Assembled::Document(b"{\n  \"a\": \"}\"\n}".to_vec()));
/// ```
#[derive(Clone, Debug, Default)]
pub struct JsonAssembler {
    max: usize,
    doc: Vec<u8>,
    depth: usize,
    in_string: bool,
    escaped: bool,
    active: bool,
}

/// What [`JsonAssembler::line`] made of a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assembled {
    /// Not part of a multi-line JSON document: read the line itself.
    Line,
    /// A line of an array's structure (`[`, `]`, `,`): nothing to read.
    Structure,
    /// The line continues a document that is not complete yet.
    Pending,
    /// The line completed a document.
    Document(Vec<u8>),
    /// The document grew past the cap and was dropped; its size so far.
    TooLong(u64),
}

impl JsonAssembler {
    /// An assembler whose documents may be at most `max` bytes.
    pub fn new(max: usize) -> JsonAssembler {
        JsonAssembler {
            max,
            ..JsonAssembler::default()
        }
    }

    /// Whether a document is being assembled.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Takes the next line.
    pub fn line(&mut self, line: &[u8]) -> Assembled {
        if self.active {
            return self.continue_doc(line);
        }
        if is_plain_line(line) {
            return Assembled::Line;
        }
        let trimmed = line.trim_ascii();
        let body = trimmed
            .strip_prefix(b"[")
            .map_or(trimmed, <[u8]>::trim_ascii_start);
        let body = body.strip_suffix(b",").unwrap_or(body).trim_ascii_end();
        if matches!(body, b"" | b"]" | b"[") && !trimmed.is_empty() {
            return Assembled::Structure;
        }
        if !body.starts_with(b"{") || body.ends_with(b"}") || body.ends_with(b"}]") {
            return Assembled::Line;
        }
        self.active = true;
        self.depth = 0;
        self.in_string = false;
        self.escaped = false;
        self.doc.clear();
        self.continue_doc(body)
    }

    fn continue_doc(&mut self, line: &[u8]) -> Assembled {
        if self.doc.len() + line.len() > self.max {
            let size = (self.doc.len() + line.len()) as u64;
            self.active = false;
            self.doc = Vec::new();
            return Assembled::TooLong(size);
        }
        if !self.doc.is_empty() {
            self.doc.push(b'\n');
        }
        for (i, &b) in line.iter().enumerate() {
            self.scan(b);
            if self.depth == 0 && !self.in_string && b == b'}' {
                self.doc.extend_from_slice(&line[..=i]);
                self.active = false;
                return Assembled::Document(std::mem::take(&mut self.doc));
            }
        }
        self.doc.extend_from_slice(line);
        Assembled::Pending
    }

    fn scan(&mut self, b: u8) {
        if self.in_string {
            match (self.escaped, b) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => self.in_string = false,
                _ => {}
            }
            return;
        }
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
    }
}

/// Whether a line is certainly read on its own: it starts with neither whitespace nor
/// JSON structure, or it is a JSON object on one line (the common cases, decided
/// without scanning the line).
fn is_plain_line(line: &[u8]) -> bool {
    match (line.first(), line.last()) {
        (Some(b'{'), Some(b'}')) => true,
        (Some(first), _) => {
            !first.is_ascii_whitespace() && !matches!(first, b'{' | b'[' | b']' | b',')
        }
        (None, _) => false,
    }
}
