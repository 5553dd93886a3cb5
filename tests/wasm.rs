//! Tests of the JS binding (`src/wasm.rs`), run by wasm-bindgen-test-runner in Node
//! and, with `WASM_BINDGEN_USE_BROWSER=1`, in headless Chromium:
//!
//! ```text
//! cargo test --target wasm32-unknown-unknown --features wasm --test wasm
//! ```

#![cfg(all(target_arch = "wasm32", feature = "wasm"))]

use serde_json::Value;
use smb_egress::wasm::{WasmAnalyzer, formats, header_length, version};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// A Zeek conn.log line of a workstation reaching an Internet host on port 445.
const OUTBOUND: &str = concat!(
    r#"{"ts":1709028000.25,"uid":"C1","id.orig_h":"10.1.2.3","id.orig_p":50312,"#,
    r#""id.resp_h":"81.169.238.17","id.resp_p":445,"proto":"tcp","conn_state":"SF"}"#,
    "\n"
);

/// The same workstation reaching the file server: not a finding.
const INTERNAL: &str = concat!(
    r#"{"ts":1709028100.5,"uid":"C2","id.orig_h":"10.1.2.3","id.orig_p":50313,"#,
    r#""id.resp_h":"10.1.0.20","id.resp_p":445,"proto":"tcp","conn_state":"SF"}"#,
    "\n"
);

/// A JS function that pushes what it is called with onto `pieces`.
fn collector(pieces: &js_sys::Array) -> js_sys::Function {
    js_sys::Function::new_with_args("piece", "this.push(piece)").bind0(pieces)
}

/// The report as text: the pieces `finish` gives, joined.
fn finish(analyzer: &mut WasmAnalyzer, output: &str) -> Result<String, JsValue> {
    let pieces = js_sys::Array::new();
    analyzer.finish(output, &collector(&pieces))?;
    Ok(pieces.join("").into())
}

fn report(analyzer: &mut WasmAnalyzer) -> Value {
    serde_json::from_str(&finish(analyzer, "object").unwrap()).unwrap()
}

fn analyzer(options: &str) -> WasmAnalyzer {
    WasmAnalyzer::new(options, 2024).unwrap()
}

/// The `code` and `message` of a JS error.
fn code_and_message(error: JsValue) -> (String, String) {
    let error: js_sys::Error = error.dyn_into().expect("a JS Error");
    let code = js_sys::Reflect::get(&error, &"code".into()).unwrap();
    assert_eq!(error.name(), "SmbEgressError");
    (code.as_string().unwrap(), error.message().into())
}

#[wasm_bindgen_test]
fn finds_outbound_smb_and_not_internal_smb() {
    let mut a = analyzer("{}");
    a.push(OUTBOUND.as_bytes()).unwrap();
    a.push(INTERNAL.as_bytes()).unwrap();
    let report = report(&mut a);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["src_ip"], "10.1.2.3");
    assert_eq!(findings[0]["dest_ip"][0], "81.169.238.17");
    assert_eq!(report["stats"]["excluded"]["destination_internal"], 1);
}

#[wasm_bindgen_test]
fn renders_every_output() {
    for (output, needle) in [
        ("json", "\"findings\""),
        ("ndjson", "\"src_ip\":\"10.1.2.3\""),
        ("csv", "src_ip,start_time"),
        ("table", "10.1.2.3"),
    ] {
        let mut a = analyzer(r#"{"profile":"escu"}"#);
        a.push(OUTBOUND.as_bytes()).unwrap();
        let text = finish(&mut a, output).unwrap();
        assert!(text.contains(needle), "{output}: {text}");
    }
}

#[wasm_bindgen_test]
fn option_errors_are_js_errors_with_a_code() {
    let error = WasmAnalyzer::new(r#"{"prots":[445]}"#, 2024).err().unwrap();
    let (code, message) = code_and_message(error);
    assert_eq!(code, "bad_option");
    assert!(message.contains("prots"), "{message}");

    let error = WasmAnalyzer::new(r#"{"internal":["10.0.0.0/33"]}"#, 2024)
        .err()
        .unwrap();
    assert!(code_and_message(error).1.contains("10.0.0.0/33"));

    let error = WasmAnalyzer::new("not json", 2024).err().unwrap();
    assert_eq!(code_and_message(error).0, "bad_option");
}

#[wasm_bindgen_test]
fn an_unknown_output_and_a_finished_analyzer_are_errors() {
    let mut a = analyzer("{}");
    assert_eq!(
        code_and_message(finish(&mut a, "xml").unwrap_err()).0,
        "bad_output"
    );
    finish(&mut a, "json").unwrap();
    assert_eq!(code_and_message(a.push(b"x").unwrap_err()).0, "finished");
    assert_eq!(
        code_and_message(finish(&mut a, "json").unwrap_err()).0,
        "finished"
    );
}

#[wasm_bindgen_test]
fn merged_snapshots_equal_one_pass() {
    let input = format!("{OUTBOUND}{INTERNAL}garbage line\n{OUTBOUND}");
    let mut whole = analyzer("{}");
    whole.begin_input("a.log", None).unwrap();
    whole.push(input.as_bytes()).unwrap();
    let expected = report(&mut whole);

    let cut = OUTBOUND.len() + INTERNAL.len();
    let mut first = analyzer("{}");
    first.begin_input("a.log", None).unwrap();
    first.push(&input.as_bytes()[..cut]).unwrap();
    let mut second = analyzer("{}");
    second.begin_input("a.log", Some(Vec::new())).unwrap();
    second.push(&input.as_bytes()[cut..]).unwrap();

    let mut merged = analyzer("{}");
    merged.merge_snapshot(&first.snapshot().unwrap()).unwrap();
    merged.merge_snapshot(&second.snapshot().unwrap()).unwrap();
    assert_eq!(report(&mut merged), expected);
}

#[wasm_bindgen_test]
fn snapshots_of_other_options_or_garbage_are_refused() {
    let mut escu = analyzer(r#"{"profile":"escu"}"#);
    let snapshot = escu.snapshot().unwrap();
    let mut a = analyzer("{}");
    let (code, _) = code_and_message(a.merge_snapshot(&snapshot).unwrap_err());
    assert_eq!(code, "bad_snapshot");
    let (code, _) = code_and_message(a.merge_snapshot(b"\x00\x01garbage").unwrap_err());
    assert_eq!(code, "bad_snapshot");
}

#[wasm_bindgen_test]
fn the_records_view_gives_one_json_object_a_line() {
    let mut a = analyzer("{}");
    a.collect_records(true).unwrap();
    a.push(OUTBOUND.as_bytes()).unwrap();
    a.push(INTERNAL.as_bytes()).unwrap();
    let records = a.take_records().unwrap();
    let lines: Vec<Value> = records
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["dest_ip"], "10.1.0.20");
}

#[wasm_bindgen_test]
fn the_verdicts_view_gives_each_smb_record_its_verdict_under_a_cap() {
    let mut a = analyzer("{}");
    a.collect_verdicts(Some(1)).unwrap();
    a.push(OUTBOUND.as_bytes()).unwrap();
    a.push(INTERNAL.as_bytes()).unwrap();
    let lines: Vec<Value> = a
        .take_verdicts()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["verdict"], "finding");
    assert_eq!(a.verdicts_dropped().unwrap(), 1.0);
    a.push(INTERNAL.as_bytes()).unwrap();
    let line: Value = serde_json::from_str(a.take_verdicts().unwrap().trim()).unwrap();
    assert_eq!(line["reason"], "destination_internal");
}

/// A small deterministic generator, so a failure can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[wasm_bindgen_test]
fn no_input_makes_it_panic() {
    let mut rng = XorShift(0x5eed_cafe_f00d_0001);
    let pieces: [&[u8]; 9] = [
        OUTBOUND.as_bytes(),
        b"{\"ts\":\"x\",\"id.orig_h\":[],\"id.resp_p\":445}\n",
        b"<Event><System><EventID>3</EventID></System></Event>\n",
        b"Mar 12 2024 10:00:00 fw : %ASA-6-302013: Built outbound TCP connection\n",
        b"#fields\tts\tid.orig_h\n",
        b"\xff\xfe1\x002\x00\n",
        b"{\n  \"nested\": {\n",
        b"\r\n\r\n\t\0\0",
        b"1,2,3,445,tcp,allow\n",
    ];
    for round in 0..40 {
        let mut a = analyzer(if round % 2 == 0 {
            "{}"
        } else {
            r#"{"profile":"escu"}"#
        });
        for _ in 0..60 {
            let n = rng.next() as usize;
            let chunk: Vec<u8> = if n % 3 == 0 {
                (0..n % 200).map(|_| rng.next() as u8).collect()
            } else {
                pieces[n % pieces.len()].to_vec()
            };
            let cut = (rng.next() as usize) % (chunk.len() + 1);
            a.push(&chunk[..cut]).unwrap();
            a.push(&chunk[cut..]).unwrap();
        }
        report(&mut a);
    }
}

#[wasm_bindgen_test]
fn lists_formats_and_version() {
    let list: Vec<Value> = serde_json::from_str(&formats()).unwrap();
    assert_eq!(list.len(), 20);
    assert_eq!(list[0]["id"], "zeek-conn");
    assert_eq!(list[0]["sourcetype"], "bro:conn:json");
    assert_eq!(version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn measures_a_files_header_lines() {
    let head = b"#separator \\x09\n#fields\tts\tuid\n1709028000.1\tC1\n";
    assert_eq!(
        header_length(head),
        head.len() - b"1709028000.1\tC1\n".len()
    );
    assert_eq!(header_length(OUTBOUND.as_bytes()), 0);
}

/// The module's allocator grows the linear memory in steps that grow with it: 47 MiB
/// held in 16 KiB pieces takes a few dozen `memory.grow`, not the 750 of 64 KiB steps,
/// and the memory ends at most one step past what the pieces need.
#[wasm_bindgen_test]
fn memory_grows_in_few_steps_and_not_far_past_the_need() {
    use core::arch::wasm32::memory_size;

    const PAGE: usize = 64 * 1024;
    const PIECE: usize = 16 * 1024;
    const PIECES: usize = 3000;
    let start = memory_size(0);
    let mut last = start;
    let mut grows = 0;
    let mut held = Vec::with_capacity(PIECES);
    for i in 0..PIECES {
        held.push(vec![i as u8; PIECE]);
        if memory_size(0) != last {
            grows += 1;
            last = memory_size(0);
        }
    }

    let intact = held
        .iter()
        .enumerate()
        .all(|(i, piece)| piece.iter().all(|&b| b == i as u8));
    assert!(intact, "a piece was overwritten");
    assert!(grows <= 60, "{grows} grows");
    let grown = (last - start) * PAGE;
    let need = PIECES * PIECE;
    assert!(
        grown <= need + last * PAGE / 16 + (1 << 20),
        "grew {grown} for {need}"
    );
}

/// Sources whose application names are not ASCII, enough for a report of many pieces.
fn many_sources() -> String {
    (0..4000)
        .map(|n| {
            format!(
                "{{\"ts\":1709028000.{n},\"id.orig_h\":\"10.1.{}.{}\",\"id.resp_p\":445,\
                 \"id.resp_h\":\"81.169.{}.17\",\"proto\":\"tcp\",\"service\":\"smb-é{n}\"}}\n",
                n / 250,
                n % 250,
                n % 200
            )
        })
        .collect()
}

#[wasm_bindgen_test]
fn a_report_of_many_pieces_joins_into_the_report_of_the_core() {
    use smb_egress::{Analyzer, Config, Options, render};

    let input = many_sources();
    for profile in ["escu", "default"] {
        let options = format!(r#"{{"profile":"{profile}"}}"#);
        let config = Config::new(&Options::from_json(&options).unwrap()).unwrap();
        let core = Analyzer::analyze(config, input.as_bytes());
        for (output, expected) in [
            ("object", render::render(&core, render::Output::Object)),
            ("json", render::to_json(&core)),
            ("ndjson", render::to_ndjson(&core)),
            ("csv", render::to_csv(&core)),
            ("table", render::to_table(&core)),
        ] {
            let mut a = analyzer(&options);
            a.push(input.as_bytes()).unwrap();
            let pieces = js_sys::Array::new();
            a.finish(output, &collector(&pieces)).unwrap();
            assert!(
                pieces.length() > 1,
                "{output}: {} piece(s)",
                pieces.length()
            );
            assert_eq!(
                String::from(pieces.join("")),
                expected,
                "{profile} {output}"
            );
        }
    }
}

/// What the sink throws ends the report and reaches the caller as it was thrown, after
/// the pieces handed on before it.
#[wasm_bindgen_test]
fn an_error_of_the_sink_is_thrown_again() {
    let input = many_sources();
    let pieces = js_sys::Array::new();
    let sink = js_sys::Function::new_with_args(
        "piece",
        "if (this.length === 1) { throw new RangeError('disk full'); } this.push(piece);",
    )
    .bind0(&pieces);
    let mut a = analyzer(r#"{"profile":"escu"}"#);
    a.push(input.as_bytes()).unwrap();
    let error: js_sys::Error = a.finish("json", &sink).unwrap_err().dyn_into().unwrap();
    assert_eq!(error.name(), "RangeError");
    assert_eq!(String::from(error.message()), "disk full");
    assert_eq!(pieces.length(), 1);
}
