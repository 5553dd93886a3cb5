//! Input written to hurt: memory stays under a stated bound and the report says what
//! was capped or refused.
//!
//! A counting allocator wraps the system one in this test binary, so each test measures
//! the peak of live heap bytes while it runs (tests take a lock, so one runs at a time).
//! The bounds asserted here are the ones SECURITY.md states.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use smb_egress::{Addr, Analyzer, Config, Format, Options, Record, Report, render};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is passed to the system allocator unchanged; the counters only
// observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const MIB: usize = 1 << 20;

/// Holds the other tests of this binary back, so that their allocations do not count.
fn alone() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` and gives its result with the peak of live heap bytes above those live
/// when it started. Call it while holding [`alone`].
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

fn config(options: Options) -> Config {
    Config::new(&options).unwrap()
}

fn json(report: &Report) -> Value {
    let text = render::to_json(report);
    serde_json::from_str(&text).unwrap()
}

fn skipped(report: &Report, reason: &str) -> u64 {
    report.stats.skipped.get(reason).copied().unwrap_or(0)
}

/// A finding record from `src` to `dest` on port 445.
fn smb(src: &str, dest: &str) -> Record {
    let mut record = Record::new("bro:conn");
    record.src_ip = Some(Addr::parse(src));
    record.dest_ip = Some(Addr::parse(dest));
    record.dest_port = 445;
    record.transport = "tcp".into();
    record.action = "allowed".into();
    record.time = Some(1_709_028_000.0);
    record
}

/// The `n`th address of 10.0.0.0/8 (for sources) or of 81.0.0.0/8 (destinations).
fn v4(first: u8, n: u32) -> String {
    let [_, b, c, d] = n.to_be_bytes();
    format!("{first}.{b}.{c}.{d}")
}

#[test]
fn a_2_gib_line_is_counted_once_and_never_held() {
    let _alone = alone();
    let chunk = vec![b'a'; MIB];
    let after = b"\n{\"ts\":1709028000,\"id.orig_h\":\"10.0.0.5\",\"id.orig_p\":50100,\
        \"id.resp_h\":\"81.2.69.160\",\"id.resp_p\":445,\"proto\":\"tcp\"}\n";
    let (report, peak) = peak_of(|| {
        let mut analyzer = Analyzer::new(Config::default());
        for _ in 0..2048 {
            analyzer.push(&chunk);
        }
        analyzer.push(after);
        analyzer.finish()
    });
    assert_eq!(skipped(&report, "too_long"), 1);
    assert_eq!(report.stats.lines, 2);
    assert_eq!(report.findings.len(), 1, "the line after it is still read");
    let sample = &report.stats.samples[0];
    assert_eq!((sample.line, sample.reason.as_str()), (1, "too_long"));
    assert!(
        sample.detail.contains("2147483648 bytes"),
        "{}",
        sample.detail
    );
    eprintln!("2 GiB line: peak {peak} bytes");
    // The line cap (1 MiB): the start of the line is held until it is over the cap.
    assert!(peak < MIB + 64 * 1024, "peak {peak} bytes");
}

#[test]
fn a_file_of_only_newlines_keeps_nothing() {
    let _alone = alone();
    let chunk = b"\n\r\n".repeat(MIB / 3);
    let (report, peak) = peak_of(|| {
        let mut analyzer = Analyzer::new(Config::default());
        for _ in 0..8 {
            analyzer.push(&chunk);
        }
        analyzer.finish()
    });
    assert_eq!(report.stats.lines, 2 * 8 * (MIB as u64 / 3));
    assert_eq!(report.stats.prefiltered_lines, report.stats.lines);
    assert!(report.stats.samples.is_empty());
    eprintln!("newlines: peak {peak} bytes");
    assert!(peak < 64 * 1024, "peak {peak} bytes");
}

#[test]
fn a_million_distinct_sources_are_capped_at_max_sources() {
    let _alone = alone();
    let options = Options {
        max_sources: Some(10_000),
        ..Options::default()
    };
    let (report, peak) = peak_of(|| {
        let mut analyzer = Analyzer::new(config(options));
        for n in 0..1_000_000u32 {
            analyzer.add_record(Format::ZeekConn, smb(&v4(10, n), "81.2.69.160"));
        }
        analyzer.finish()
    });
    assert_eq!(report.findings.len(), 10_000);
    assert!(report.caps.sources_capped);
    assert_eq!(report.caps.records_held_back, 990_000);
    assert_eq!(report.stats.finding_records, 1_000_000);
    assert_eq!(json(&report)["stats"]["caps"]["sources_capped"], true);
    eprintln!("10 000 sources: peak {peak} bytes");
    assert!(peak < 10_000 * 2048, "peak {peak} bytes");
}

#[test]
fn the_state_of_many_sources_is_compact_and_renders_without_a_copy() {
    use smb_egress::render::Output;

    let _alone = alone();
    for profile in ["escu", "default"] {
        let options = Options {
            profile: Some(profile.into()),
            ..Options::default()
        };
        let (mut analyzer, state) = peak_of(|| {
            let mut analyzer = Analyzer::new(config(options));
            for n in 0..100_000u32 {
                let dest = v4(81, n % 3000);
                analyzer.add_record(Format::ZeekConn, smb(&v4(10, n / 2), &dest));
            }
            analyzer
        });
        analyzer.end_input();
        let view = analyzer.view();
        assert_eq!(view.len(), 50_000);
        eprintln!("50 000 sources ({profile}): state {state} bytes");
        assert!(state < 50_000 * 640, "{profile}: state {state} bytes");
        for output in Output::ALL {
            let mut sink = std::io::sink();
            let (written, peak) = peak_of(|| render::write(&view, output, &mut sink));
            written.unwrap();
            let name = output.name();
            assert!(
                peak < 64 * 1024,
                "{profile} {name}: rendering peak {peak} bytes"
            );
        }
    }
}

#[test]
fn a_source_with_a_million_destinations_is_capped_at_max_values() {
    let _alone = alone();
    let (report, peak) = peak_of(|| {
        let mut analyzer = Analyzer::new(Config::default());
        for n in 0..1_000_000u32 {
            analyzer.add_record(Format::ZeekConn, smb("10.0.0.5", &v4(81, n)));
        }
        analyzer.finish()
    });
    let finding = &report.findings[0];
    assert_eq!(finding.count, 1_000_000);
    assert_eq!(finding.dest_ip.len(), 1000);
    assert_eq!(finding.capped, ["dest_ip"]);
    assert_eq!(report.caps.findings_with_capped_values, 1);
    let value = json(&report);
    assert_eq!(value["stats"]["capped_columns"]["10.0.0.5"][0], "dest_ip");
    eprintln!("1000 destinations: peak {peak} bytes");
    assert!(peak < 600 * 1024, "peak {peak} bytes");
}

/// The magic and fingerprint a snapshot made under `config` starts with.
fn snapshot_header(config: &Config) -> Vec<u8> {
    let snapshot = Analyzer::new(config.clone()).snapshot();
    let (_, rest) = postcard::take_from_bytes::<(String, String)>(&snapshot).unwrap();
    snapshot[..snapshot.len() - rest.len()].to_vec()
}

#[test]
fn a_snapshot_with_a_hostile_length_prefix_is_refused_cheaply() {
    let _alone = alone();
    let config = Config::default();
    let mut bytes = snapshot_header(&config);
    // Stats: bytes 0, lines 0, then a list of files said to hold 2^63 entries.
    bytes.extend_from_slice(&[0, 0]);
    bytes.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    bytes.extend_from_slice(&[1, b'a', 0, 0]);
    let (result, peak) = peak_of(|| Analyzer::new(config.clone()).merge_snapshot(&bytes));
    assert_eq!(result.unwrap_err().code, "bad_snapshot");
    assert!(peak < 2 * MIB, "peak {peak} bytes");

    let mut analyzer = Analyzer::new(config);
    for raw in [
        &b""[..],
        b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
        b"\x15smb-egress-snapshot-2",
    ] {
        assert_eq!(
            analyzer.merge_snapshot(raw).unwrap_err().code,
            "bad_snapshot"
        );
    }
}

#[test]
fn a_snapshot_listing_many_files_and_reasons_merges_in_linear_time() {
    let _alone = alone();
    let config = Config::default();
    let mut stats = smb_egress::Stats::default();
    for n in 0..100_000 {
        stats.add_file(&format!("f{n}"), 1, 1);
        stats.samples.push(smb_egress::report::Sample {
            file: String::new(),
            line: 0,
            reason: format!("r{n}"),
            detail: String::new(),
        });
    }
    let header = snapshot_header(&config);
    let (magic, fingerprint): (String, String) = postcard::from_bytes(&header).unwrap();
    let agg = smb_egress::Aggregator::new(1, 1);
    let bytes = postcard::to_allocvec(&(magic, fingerprint, stats, agg)).unwrap();
    let start = std::time::Instant::now();
    let (report, peak) = peak_of(|| {
        let mut analyzer = Analyzer::new(config.clone());
        analyzer.merge_snapshot(&bytes).unwrap();
        analyzer.merge_snapshot(&bytes).unwrap();
        analyzer.finish()
    });
    assert_eq!(report.stats.files.len(), 100_000);
    assert_eq!(report.stats.files[7].1.lines, 2);
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
    eprintln!("snapshot of {} bytes: peak {peak} bytes", bytes.len());
    assert!(peak < 64 * bytes.len(), "peak {peak} bytes");
}

#[test]
fn a_run_over_many_inputs_takes_linear_time() {
    let _alone = alone();
    let start = std::time::Instant::now();
    let mut analyzer = Analyzer::new(Config::default());
    for n in 0..100_000 {
        analyzer.begin_input(&format!("log-{n}.txt"));
        analyzer.push(b"x\n");
    }
    let report = analyzer.finish();
    assert_eq!(report.stats.files.len(), 100_000);
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
}

#[test]
fn deeply_nested_json_is_malformed_not_a_stack_overflow() {
    let _alone = alone();
    let depth = 400_000;
    // Each holds 445, so that the prefilter lets it through to the JSON parser.
    let arrays = format!(
        "[{{\"a\":{}445{}}}]\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let objects = format!(
        "{}445{}\n",
        "{\"a\":".repeat(depth / 5),
        "}".repeat(depth / 5)
    );
    // A document that opens 600 000 objects over as many lines: it is dropped each time
    // it reaches the cap, and what remains at the end is never closed.
    let pretty = "{\"dest_port\":445,\"x\":\n".repeat(600_000);
    let mut input = arrays.into_bytes();
    input.extend_from_slice(objects.as_bytes());
    input.extend_from_slice(pretty.as_bytes());
    let (report, peak) = peak_of(|| Analyzer::analyze(Config::default(), &input));
    let samples = &report.stats.samples;
    for (line, sample) in samples.iter().take(2).enumerate() {
        assert_eq!(sample.line, line as u64 + 1);
        assert!(sample.detail.contains("recursion limit"), "{samples:?}");
    }
    assert_eq!(skipped(&report, "too_long"), 12, "{samples:?}");
    assert_eq!(skipped(&report, "malformed"), 3, "{samples:?}");
    eprintln!("nested JSON: peak {peak} bytes");
    assert!(peak < 4 * MIB, "peak {peak} bytes");
}

#[test]
fn inputs_that_could_not_be_read_are_listed_and_merged() {
    let _alone = alone();
    let line = b"{\"ts\":1709028000,\"id.orig_h\":\"10.0.0.5\",\"id.orig_p\":50100,\
        \"id.resp_h\":\"81.2.69.160\",\"id.resp_p\":445,\"proto\":\"tcp\"}\n";
    let mut first = Analyzer::new(Config::default());
    first.begin_input("a.log");
    first.push(line);
    first.input_failed("a.log", "connection reset after 1 line");
    first.input_failed("\u{1b}[2Jmissing.log", "no such file or directory");
    let mut second = Analyzer::new(Config::default());
    second.input_failed("a.log", "connection reset");
    second.begin_input("b.log");
    second.push(line);
    let mut merged = Analyzer::new(Config::default());
    merged.merge_snapshot(&first.snapshot()).unwrap();
    merged.merge_snapshot(&second.snapshot()).unwrap();
    let report = merged.finish();
    assert_eq!(
        report.findings[0].count, 2,
        "what was read is still reported"
    );
    let unreadable: Vec<&str> = report
        .stats
        .unreadable
        .iter()
        .map(|u| u.file.as_str())
        .collect();
    assert_eq!(unreadable, ["a.log", "\u{1b}[2Jmissing.log"]);
    assert_eq!(
        report.stats.files[0],
        (
            "a.log".to_owned(),
            smb_egress::report::FileStat {
                bytes: line.len() as u64,
                lines: 1
            }
        )
    );
    assert_eq!(
        json(&report)["stats"]["unreadable"][1]["reason"],
        "no such file or directory"
    );
    let table = render::to_table(&report);
    assert!(
        table.contains(
            "not read: 2 input(s): a.log (connection reset after 1 line), \\x1b[2Jmissing.log"
        ),
        "{table}"
    );
}

#[test]
fn a_line_at_the_cap_costs_a_bounded_multiple_of_it() {
    let _alone = alone();
    let fill = |token: &str| token.repeat((MIB - 256) / token.len());
    let keys: String = (0..MIB / 12).map(|n| format!("\"{n:x}\":0,")).collect();
    let cases = [
        (
            "JSON array",
            format!("[{{\"dest_port\":445,\"a\":[{}0]}}]\n", fill("0,")),
        ),
        (
            "JSON object",
            format!("{{\"dest_port\":445,{}\"z\":0}}\n", keys),
        ),
        (
            "JSON strings",
            format!("{{\"dest_port\":445,\"a\":[{}\"\"]}}\n", fill("\"\",")),
        ),
        (
            "XML data",
            format!(
                "<Event><System><EventID>3</EventID></System><EventData>\
             <Data Name='DestinationPort'>445</Data>{}</EventData></Event>\n",
                fill("<Data Name='a'/>")
            ),
        ),
        ("Zeek fields", format!("#fields\t{}\n445\n", fill("a\t"))),
        ("W3C fields", format!("#Fields: {}\n445\n", fill("a "))),
        (
            "VPC header",
            format!("srcaddr dstaddr {}\n445\n", fill("a ")),
        ),
        (
            "CIM header",
            format!("src_ip,dest_ip{}\n445\n", ",a".repeat(4000)),
        ),
        (
            "key=value",
            format!("rec_type=71 {} dest_port=445\n", fill("a=b ")),
        ),
        ("CSV row", format!("1,2,3,{}445\n", fill(","))),
    ];
    let mut worst = 0;
    for (name, line) in cases {
        let (_, peak) = peak_of(|| Analyzer::analyze(Config::default(), line.as_bytes()));
        eprintln!("{name}: peak {peak} bytes");
        worst = worst.max(peak);
    }
    // A JSON array of half a million one-byte values: about 37 times the line.
    assert!(worst < 48 * MIB, "worst peak {worst} bytes");
}

/// Writing a snapshot copies no group: its peak is the snapshot's own bytes (a growing
/// vector holds up to twice them while it moves), not a second copy of every group.
#[test]
fn a_snapshot_is_written_without_copying_the_groups() {
    let _alone = alone();
    let mut analyzer = Analyzer::new(Config::default());
    let ((), held) = peak_of(|| {
        for n in 0..10_000u32 {
            analyzer.add_record(Format::ZeekConn, smb(&v4(10, n), "81.2.69.160"));
        }
    });
    let (snapshot, peak) = peak_of(|| analyzer.snapshot());
    eprintln!(
        "10 000 groups: {held} bytes held, snapshot of {} bytes, peak {peak} bytes",
        snapshot.len()
    );
    assert!(peak < 3 * snapshot.len() + 64 * 1024, "peak {peak} bytes");
}
