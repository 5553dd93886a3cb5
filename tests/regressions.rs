//! Inputs the fuzz targets (`fuzz/`) found to break a property, each with the bytes as
//! the target read them. A new crash found by fuzzing becomes a test here.

use smb_egress::{Analyzer, Config, Options, render};

/// The `analyzer_chunks` target: the log fed whole and in chunks must give one report.
fn same_whole_and_chunked(options: &Options, log: &[u8], sizes: &[usize]) {
    let config = Config::new(options).unwrap();
    let whole = Analyzer::analyze(config.clone(), log);
    let mut analyzer = Analyzer::new(config);
    let mut rest = log;
    for &size in sizes.iter().cycle().take(log.len().max(1)) {
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        analyzer.push(chunk);
        rest = tail;
    }
    assert_eq!(render::to_json(&whole), render::to_json(&analyzer.finish()));
}

/// An empty log pushed as one empty chunk listed an unnamed input that no chunking of
/// the same (empty) log lists.
#[test]
fn an_empty_chunk_opens_no_input() {
    same_whole_and_chunked(&Options::default(), b"", &[1]);
    let report = Analyzer::analyze(Config::default(), b"");
    assert!(report.stats.files.is_empty());
    let mut named = Analyzer::new(Config::default());
    named.begin_input("empty.log");
    assert_eq!(
        named.finish().stats.files.len(),
        1,
        "a named empty input is listed"
    );
}
