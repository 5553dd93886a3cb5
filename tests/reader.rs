//! The push reader: lines across chunks, line endings, byte-order marks, UTF-16, the
//! line cap, and multi-line JSON.

use smb_egress::reader::{Assembled, JsonAssembler, Line, LineReader};

#[derive(Debug, PartialEq)]
enum Got {
    Text(u64, String),
    TooLong(u64, u64),
}

fn read(input: &[u8], chunk: usize, cap: usize) -> Vec<Got> {
    let mut reader = LineReader::new(cap);
    let mut got = Vec::new();
    let mut sink = |n: u64, line: Line<'_>| {
        got.push(match line {
            Line::Text(t) => Got::Text(n, String::from_utf8_lossy(t).into_owned()),
            Line::TooLong { bytes } => Got::TooLong(n, bytes),
        })
    };
    for piece in input.chunks(chunk.max(1)) {
        reader.push(piece, &mut sink);
    }
    reader.finish(&mut sink);
    got
}

fn texts(lines: &[(u64, &str)]) -> Vec<Got> {
    lines
        .iter()
        .map(|(n, t)| Got::Text(*n, t.to_string()))
        .collect()
}

#[test]
fn lines_are_the_same_whatever_the_chunk_size() {
    let input = b"alpha\r\nbeta\n\ngamma\r\ndelta";
    let expected = texts(&[
        (1, "alpha"),
        (2, "beta"),
        (3, ""),
        (4, "gamma"),
        (5, "delta"),
    ]);
    for chunk in [1, 2, 3, 7, 1000] {
        assert_eq!(read(input, chunk, 100), expected, "chunk {chunk}");
    }
}

#[test]
fn a_utf8_byte_order_mark_is_dropped() {
    for chunk in [1, 2, 100] {
        assert_eq!(
            read(b"\xEF\xBB\xBFone\ntwo\n", chunk, 100),
            texts(&[(1, "one"), (2, "two")])
        );
    }
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let units = bom
        .then_some(0xFEFFu16)
        .into_iter()
        .chain(text.encode_utf16());
    for unit in units {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

#[test]
fn utf16_input_is_decoded_with_or_without_a_byte_order_mark() {
    let text = "2024-02-27 10:00:00 ALLOW TCP 10.0.0.1 8.8.8.8\r\nsecond 😀 line\r\n";
    let expected = texts(&[
        (1, "2024-02-27 10:00:00 ALLOW TCP 10.0.0.1 8.8.8.8"),
        (2, "second 😀 line"),
    ]);
    for (big_endian, bom) in [(false, true), (true, true), (false, false), (true, false)] {
        let bytes = utf16(text, big_endian, bom);
        for chunk in [1, 3, 5, 4096] {
            assert_eq!(
                read(&bytes, chunk, 1000),
                expected,
                "be={big_endian} bom={bom} chunk={chunk}"
            );
        }
    }
}

#[test]
fn a_line_over_the_cap_is_reported_once_with_its_length() {
    let mut input = b"short\n".to_vec();
    input.extend(std::iter::repeat_n(b'x', 10_000));
    input.extend(b"\nafter\n");
    for chunk in [1, 7, 64, 100_000] {
        let got = read(&input, chunk, 100);
        assert_eq!(
            got,
            vec![
                Got::Text(1, "short".into()),
                Got::TooLong(2, 10_000),
                Got::Text(3, "after".into())
            ],
            "chunk {chunk}"
        );
    }
    assert_eq!(
        read(&input[6..10_006], 1000, 100),
        vec![Got::TooLong(1, 10_000)]
    );
}

#[test]
fn the_reader_never_holds_more_than_the_cap() {
    let mut reader = LineReader::new(1024);
    let chunk = vec![b'y'; 64 * 1024];
    let mut lines = 0;
    for _ in 0..256 {
        reader.push(&chunk, &mut |_, _| lines += 1);
    }
    reader.finish(&mut |_, line| {
        assert_eq!(
            line,
            Line::TooLong {
                bytes: 256 * 64 * 1024
            }
        )
    });
    assert_eq!(lines, 0);
}

#[test]
fn invalid_utf8_keeps_the_rest_of_the_line() {
    let got = read(b"a=1 \xFF\xFE b=2\n", 3, 100);
    assert_eq!(got, texts(&[(1, "a=1 \u{FFFD}\u{FFFD} b=2")]));
}

#[test]
fn json_documents_over_several_lines_are_joined() {
    let mut json = JsonAssembler::new(1000);
    let lines: [&[u8]; 9] = [
        b"[",
        b"  {",
        b"    \"a\": \"{not a brace}\",",
        b"    \"b\": {\"c\": [1, 2]}",
        b"  },",
        b"  {\"d\": 1},",
        b"  {",
        b"    \"e\": \"\\\"}\"",
        b"  }",
    ];
    let got: Vec<Assembled> = lines.iter().map(|l| json.line(l)).collect();
    assert_eq!(got[0], Assembled::Structure);
    assert_eq!(
        got[1..4],
        [Assembled::Pending, Assembled::Pending, Assembled::Pending]
    );
    let first = b"{\n    \"a\": \"{not a brace}\",\n    \"b\": {\"c\": [1, 2]}\n  }".to_vec();
    assert_eq!(got[4], Assembled::Document(first));
    assert_eq!(got[5], Assembled::Line);
    assert_eq!(
        got[8],
        Assembled::Document(b"{\n    \"e\": \"\\\"}\"\n  }".to_vec())
    );
    assert_eq!(json.line(b"]"), Assembled::Structure);
    assert_eq!(json.line(b"{\"whole\": true}"), Assembled::Line);
    assert_eq!(json.line(b"plain text"), Assembled::Line);
}

#[test]
fn a_json_document_over_the_cap_is_dropped() {
    let mut json = JsonAssembler::new(20);
    assert_eq!(json.line(b"{"), Assembled::Pending);
    assert_eq!(
        json.line(b"\"key\": \"a long value here\""),
        Assembled::TooLong(27)
    );
    assert!(!json.is_active());
}
