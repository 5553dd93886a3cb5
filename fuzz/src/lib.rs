//! What the fuzz targets share: running the analyzer on fuzz input, and the checks every
//! report must pass whatever the input was.
//!
//! The targets in `fuzz_targets/` are one line each over these functions. A panic, an
//! allocation over libFuzzer's `-malloc_limit_mb`, or a failed check is a finding.

use smb_egress::{Analyzer, Config, Format, Options, Report, render};

/// Runs the analyzer with a forced format over the input, every line parsed (the records
/// view turns the prefilter off), and checks the outputs.
pub fn forced(format: Format, data: &[u8]) {
    let options = Options {
        format: Some(format.id().to_owned()),
        include_blocked: true,
        ..Options::default()
    };
    run_all_lines(&options, data);
}

/// Runs the analyzer with format detection over the input, every line parsed.
pub fn detect(data: &[u8]) {
    let options = Options {
        include_blocked: true,
        ..Options::default()
    };
    run_all_lines(&options, data);
}

fn run_all_lines(options: &Options, data: &[u8]) {
    let mut analyzer = Analyzer::new(Config::new(options).expect("valid options"));
    analyzer.collect_records(true);
    analyzer.push(data);
    for line in analyzer.take_records().lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("a record is valid JSON");
    }
    check_outputs(&analyzer.finish());
}

/// Options chosen by the input's first byte: profile, caps small enough to be reached
/// by a short input, and a line cap small enough for lines to exceed it.
pub fn options_from(flags: u8) -> Options {
    let small_caps = flags & 0x20 != 0;
    Options {
        profile: Some(if flags & 1 != 0 { "escu" } else { "default" }.to_owned()),
        include_blocked: flags & 2 != 0,
        require_established: flags & 4 != 0,
        max_line_bytes: [None, Some(64), Some(200), Some(1000)][usize::from(flags >> 3 & 3)],
        max_sources: small_caps.then_some(3),
        max_values: small_caps.then_some(2),
        ..Options::default()
    }
}

/// Feeds the input whole and in chunks whose sizes come from the input, and checks that
/// both give the same report (SPEC §4: the result does not depend on how the input was
/// cut into chunks).
///
/// Input layout: a flags byte ([`options_from`]), a byte seeding the chunk sizes, then
/// the log bytes.
pub fn chunks(data: &[u8]) {
    let [flags, seed, log @ ..] = data else {
        return;
    };
    let config = Config::new(&options_from(*flags)).expect("valid options");
    let whole = Analyzer::analyze(config.clone(), log);
    let mut analyzer = Analyzer::new(config);
    let mut sizes = ChunkSizes::new(*seed);
    let mut rest = log;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(sizes.next().min(rest.len()));
        analyzer.push(chunk);
        rest = tail;
    }
    let chunked = analyzer.finish();
    assert_eq!(render::to_json(&whole), render::to_json(&chunked));
    check_outputs(&whole);
}

/// Chunk sizes from 1 to 64, drawn from a small generator seeded by one byte; seed 0
/// gives one-byte chunks.
struct ChunkSizes(u32);

impl ChunkSizes {
    fn new(seed: u8) -> ChunkSizes {
        ChunkSizes(u32::from(seed))
    }

    fn next(&mut self) -> usize {
        if self.0 == 0 {
            return 1;
        }
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (self.0 % 64) as usize + 1
    }
}

/// The checks every report passes: JSON and NDJSON parse, CSV cells are inert, and the
/// table holds no control character but its line ends.
pub fn check_outputs(report: &Report) {
    serde_json::from_str::<serde_json::Value>(&render::to_json(report)).expect("valid JSON");
    for line in render::to_ndjson(report).lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("valid NDJSON line");
    }
    let csv_text = render::to_csv(report);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_text.as_bytes());
    for row in reader.records() {
        for cell in row.expect("valid CSV").iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "live formula {cell:?}"
            );
        }
    }
    let table = render::to_table(report);
    assert!(
        !table.chars().any(|c| c.is_control() && c != '\n'),
        "control character in {table:?}"
    );
}

/// Reads the input as an asset lookup CSV; when it is one, a lookup must not panic.
pub fn assets_csv(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(table) = smb_egress::AssetTable::parse_csv(text) {
        for ip in ["10.1.2.3", "203.0.113.9", "::ffff:10.0.0.1", "2001:db8::1"] {
            let ip = ip.parse().expect("a literal address");
            let _ = table.categories(ip);
            let _ = table.internal().contains(ip);
        }
        let options = Options {
            assets: Some(text.to_owned()),
            ..Options::default()
        };
        Config::new(&options).expect("a table that parses makes a valid configuration");
    }
}

/// Reads the input as an allowlist; when it is one, matching must not panic.
pub fn allowlist(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(list) = smb_egress::Allowlist::parse(text) {
        let mut record = smb_egress::Record::new("cim");
        record.src_ip = Some(smb_egress::Addr::parse("10.1.2.3"));
        record.dest_ip = Some(smb_egress::Addr::parse("fs01.example.com"));
        record.dest = Some("share.file.core.windows.net".to_owned());
        let _ = list.matches(&record);
        record.dest_ip = Some(smb_egress::Addr::parse("203.0.113.9"));
        let _ = list.matches(&record);
    }
}

/// Merges arbitrary bytes as a snapshot. The first byte chooses how:
///
/// - `0`: the bytes as they are;
/// - `1`: behind a valid header (the magic and the configuration's fingerprint), so
///   that the statistics and groups are read from the fuzz bytes;
/// - otherwise: the bytes are a log; its snapshot must merge into a fresh analyzer and
///   give the same report.
pub fn snapshot_merge(data: &[u8]) {
    let [mode, rest @ ..] = data else {
        return;
    };
    let config = Config::default();
    let mut analyzer = Analyzer::new(config.clone());
    match mode {
        0 => {
            let _ = analyzer.merge_snapshot(rest);
        }
        1 => {
            let mut bytes = snapshot_header(&config);
            bytes.extend_from_slice(rest);
            if analyzer.merge_snapshot(&bytes).is_ok() {
                check_outputs(&analyzer.finish());
            }
        }
        _ => {
            let mut part = Analyzer::new(config.clone());
            part.push(rest);
            let snapshot = part.snapshot();
            analyzer
                .merge_snapshot(&snapshot)
                .expect("own snapshot merges");
            assert_eq!(
                render::to_json(&part.finish()),
                render::to_json(&analyzer.finish())
            );
        }
    }
}

/// The leading bytes of a snapshot made under `config`: its magic and fingerprint.
pub fn snapshot_header(config: &Config) -> Vec<u8> {
    let snapshot = Analyzer::new(config.clone()).snapshot();
    let (_, rest) = postcard::take_from_bytes::<(String, String)>(&snapshot)
        .expect("a snapshot starts with two strings");
    snapshot[..snapshot.len() - rest.len()].to_vec()
}

/// The Fluent Bit filter on one record. The first byte chooses the mode (`annotate` or
/// `findings`) and the profile; the rest is the record's text. A record that is a JSON
/// object comes back dropped or as a JSON object; anything else comes back unchanged.
pub fn fluentbit_filter(data: &[u8]) {
    use smb_egress::fluentbit::{Filter, Setup};

    let [flags, rest @ ..] = data else {
        return;
    };
    let Ok(record) = std::str::from_utf8(rest) else {
        return;
    };
    let mode = if flags & 1 != 0 {
        "annotate"
    } else {
        "findings"
    };
    let profile = if flags & 2 != 0 { "escu" } else { "default" };
    let text = format!(r#"{{"mode":"{mode}","profile":"{profile}","includeBlocked":true}}"#);
    let setup = Setup::from_json(&text, &mut |_| Err("no files".into()));
    let mut filter = Filter::new(setup);
    let time = i64::from(u32::from(*flags)) * 86_400 * 1000;
    let out = filter.process(time, record).to_owned();
    let object = serde_json::from_str::<serde_json::Value>(record).is_ok_and(|v| v.is_object());
    if !object {
        assert!(out.is_empty() || out == record, "{out:?}");
    } else if !out.is_empty() {
        let value: serde_json::Value = serde_json::from_str(&out).expect("valid JSON out");
        assert!(value.is_object());
    }
}
