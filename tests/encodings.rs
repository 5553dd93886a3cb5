//! Encodings and line endings a log may come in: each is read, or counted with a
//! reason, never misread in silence. Every case is fed whole and a byte at a time.

use smb_egress::{Analyzer, Config, Report, render};

const ZEEK: &str = concat!(
    r#"{"ts":1709028000.25,"uid":"C1","id.orig_h":"10.1.2.3","id.orig_p":50312,"#,
    r#""id.resp_h":"81.2.69.160","id.resp_p":445,"proto":"tcp","conn_state":"SF"}"#
);

const ASA: &str = "Feb 27 2024 10:00:00: %ASA-6-302013: Built outbound TCP connection 1 for \
                   outside:81.2.69.160/445 (81.2.69.160/445) to inside:10.1.2.3/50312 \
                   (10.1.2.3/50312)";

/// Reads `input` whole and a byte at a time; both reports must be the same.
fn read(input: &[u8]) -> Report {
    let whole = Analyzer::analyze(Config::default(), input);
    let mut analyzer = Analyzer::new(Config::default());
    for byte in input {
        analyzer.push(std::slice::from_ref(byte));
    }
    let bytewise = analyzer.finish();
    assert_eq!(render::to_json(&whole), render::to_json(&bytewise));
    whole
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut units: Vec<u16> = text.encode_utf16().collect();
    if bom {
        units.insert(0, 0xFEFF);
    }
    let bytes = |u: u16| {
        if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        }
    };
    units.into_iter().flat_map(bytes).collect()
}

fn one_finding(report: &Report) {
    assert_eq!(report.findings.len(), 1, "{}", render::to_json(report));
    assert_eq!(report.findings[0].src_ip, "10.1.2.3");
    assert_eq!(report.findings[0].dest_ip, ["81.2.69.160"]);
}

#[test]
fn utf16_with_a_byte_order_mark_is_decoded() {
    for big_endian in [false, true] {
        let text = format!("{ZEEK}\r\n{ASA}\r\n");
        let report = read(&utf16(&text, big_endian, true));
        one_finding(&report);
        assert_eq!(report.findings[0].count, 2);
        assert_eq!(report.stats.utf16_inputs, 1);
        assert_eq!(report.stats.lines, 2);
        assert_eq!(report.stats.invalid_utf8_lines, 0);
    }
}

#[test]
fn utf16_without_a_byte_order_mark_is_recognized_by_its_zero_bytes() {
    for big_endian in [false, true] {
        let report = read(&utf16(&format!("{ASA}\n"), big_endian, false));
        one_finding(&report);
        assert_eq!(report.stats.utf16_inputs, 1);
    }
}

#[test]
fn a_lone_surrogate_in_utf16_becomes_a_replacement_character() {
    let mut bytes = utf16(&format!("{ASA} "), false, true);
    bytes.extend_from_slice(&0xD800u16.to_le_bytes());
    bytes.extend_from_slice(&utf16("\n", false, false));
    let report = read(&bytes);
    one_finding(&report);
}

#[test]
fn latin1_bytes_are_counted_and_the_fields_around_them_still_read() {
    let line = b"date=2019-05-10 time=11:37:47 logid=\"0000000013\" type=\"traffic\" \
        subtype=\"forward\" level=\"notice\" vd=\"vdom1\" user=\"Jos\xe9 Mu\xf1oz\" \
        srcip=10.1.2.3 srcport=58012 srcintf=\"port12\" dstip=81.2.69.160 dstport=445 \
        sessionid=105048 proto=6 action=\"close\" policyid=1 service=\"SMB\"\n";
    let report = read(line);
    one_finding(&report);
    assert_eq!(report.stats.invalid_utf8_lines, 1);
    assert_eq!(report.stats.formats.get("fortigate"), Some(&1));
    let json = render::report_json(&report);
    assert_eq!(json["stats"]["invalid_utf8_lines"], 1);
}

#[test]
fn nul_bytes_are_removed_and_counted() {
    // A block of NULs where a crashed logger had reserved space, then a line; and a line
    // with a NUL inside an address.
    let mut input = vec![0u8; 4096];
    input.extend_from_slice(ASA.as_bytes());
    input.push(b'\n');
    input.extend_from_slice(ZEEK.replace("10.1.2.3", "10.1.\x002.3").as_bytes());
    input.push(b'\n');
    let report = read(&input);
    one_finding(&report);
    assert_eq!(report.findings[0].count, 2);
    assert_eq!(report.stats.nul_lines, 2);
    assert_eq!(render::report_json(&report)["stats"]["nul_lines"], 2);
    let table = render::to_table(&report);
    assert!(
        table.contains("encoding: 2 line(s) with NUL bytes, read without them"),
        "{table}"
    );
}

#[test]
fn a_file_of_only_nul_bytes_reads_as_one_empty_line() {
    let report = read(&[0u8; 10_000]);
    assert!(report.findings.is_empty());
    assert_eq!(report.stats.lines, 1);
    assert_eq!(report.stats.nul_lines, 1);
}

#[test]
fn mixed_line_endings_all_end_lines() {
    for ending in ["\n", "\r\n", "\r"] {
        let input = format!("{ASA}{ending}{ZEEK}{ending}{ASA}");
        let report = read(input.as_bytes());
        assert_eq!(report.stats.lines, 3, "{ending:?}");
        assert_eq!(report.findings[0].count, 3, "{ending:?}");
    }
    let input = format!("{ASA}\r\n{ZEEK}\r{ASA}\n\r\n{ZEEK}\n\r{ASA}\r\r");
    let report = read(input.as_bytes());
    assert_eq!(report.stats.lines, 8);
    assert_eq!(report.findings[0].count, 5);
    assert_eq!(report.stats.skipped.get("unrecognized"), None);
    assert_eq!(report.stats.prefiltered_lines, 3, "the three empty lines");
}

#[test]
fn a_pretty_printed_json_document_with_cr_endings_is_assembled() {
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(ZEEK).unwrap())
            .unwrap()
            .replace('\n', "\r");
    let report = read(format!("{pretty}\r").as_bytes());
    one_finding(&report);
}
