//! Runs the detection over a log file and prints the findings as a table:
//!
//! ```text
//! cargo run --example analyze_file -- samples/office-network.log
//! ```

use smb_egress::{Analyzer, Config, Options, render};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or("samples/office-network.log".into());
    let options = Options::from_json(r#"{"profile": "default"}"#)?;
    let mut config = Config::new(&options)?;
    config.current_year = 2024; // the core reads no clock: the year of syslog dates without one
    let mut analyzer = Analyzer::new(config);
    analyzer.begin_input(&path);
    let log = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    analyzer.push(&log);
    print!("{}", render::to_table(&analyzer.finish()));
    Ok(())
}
