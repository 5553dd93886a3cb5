//! The JS binding, built with wasm-bindgen for the npm package `smb-egress`.
//!
//! The boundary is coarse on purpose: JS hands over whole chunks of bytes and gets back
//! reports as text in large pieces, so a run crosses from JS into wasm a few times per
//! chunk, not per line. The package's `index.js` wraps these exports in its public API;
//! this module is not meant to be used directly.
//!
//! Every error is a JS `Error` named `SmbEgressError` with a `code` property: the
//! [`ConfigError`] codes (`bad_option`, `bad_cidr`, `bad_assets`, `bad_allowlist`,
//! `bad_snapshot`), `bad_output` for an unknown output kind, and `finished` for a call
//! on an analyzer that already gave its report.
//!
//! The module's allocator is in `wasm/alloc.rs`: it grows the linear memory in steps
//! that grow with it, as each `memory.grow` is slow in the JS engines.

use wasm_bindgen::prelude::*;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod alloc;

use crate::analyzer::{Analyzer, header_len};
use crate::config::{Config, Options};
use crate::error::ConfigError;
use crate::formats::Format;
use crate::render::{self, Output, Pieces};

/// The output kinds [`WasmAnalyzer::finish`] takes.
pub const OUTPUTS: [&str; 5] = ["object", "json", "ndjson", "csv", "table"];

/// A JS `Error` named `SmbEgressError` with a `code` property.
fn js_error(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name("SmbEgressError");
    let _ = js_sys::Reflect::set(&error, &"code".into(), &code.into());
    error.into()
}

impl From<ConfigError> for JsValue {
    fn from(error: ConfigError) -> JsValue {
        js_error(error.code, &error.message)
    }
}

/// The [`Analyzer`] as a JS class.
#[wasm_bindgen]
pub struct WasmAnalyzer {
    inner: Option<Analyzer>,
}

#[wasm_bindgen]
impl WasmAnalyzer {
    /// An analyzer for options given as JSON text (camelCase names); `current_year` is
    /// the year of syslog dates written without one, unless the options give `year`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str, current_year: i32) -> Result<WasmAnalyzer, JsValue> {
        let mut config = Config::new(&Options::from_json(options)?)?;
        config.current_year = current_year;
        Ok(WasmAnalyzer {
            inner: Some(Analyzer::new(config)),
        })
    }

    fn inner(&mut self) -> Result<&mut Analyzer, JsValue> {
        self.inner
            .as_mut()
            .ok_or_else(|| js_error("finished", "the analyzer already gave its report"))
    }

    /// Starts a new input (a file) named `name`. With `header`, the input is a part of
    /// a file that starts mid-file at a line boundary, and `header` holds the file's
    /// leading header lines (read for their layout only).
    #[wasm_bindgen(js_name = beginInput)]
    pub fn begin_input(&mut self, name: &str, header: Option<Vec<u8>>) -> Result<(), JsValue> {
        let analyzer = self.inner()?;
        match header {
            Some(header) => analyzer.begin_input_part(name, &header),
            None => analyzer.begin_input(name),
        }
        Ok(())
    }

    /// Records that the input `name` could not be read (wholly, or after a part of it)
    /// and why; the report lists it. Ends the current input.
    #[wasm_bindgen(js_name = inputFailed)]
    pub fn input_failed(&mut self, name: &str, reason: &str) -> Result<(), JsValue> {
        self.inner()?.input_failed(name, reason);
        Ok(())
    }

    /// Feeds a chunk of the current input.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        self.inner()?.push(chunk);
        Ok(())
    }

    /// Ends the current input.
    #[wasm_bindgen(js_name = endInput)]
    pub fn end_input(&mut self) -> Result<(), JsValue> {
        self.inner()?.end_input();
        Ok(())
    }

    /// Turns the records view on or off (see [`WasmAnalyzer::take_records`]).
    #[wasm_bindgen(js_name = collectRecords)]
    pub fn collect_records(&mut self, on: bool) -> Result<(), JsValue> {
        self.inner()?.collect_records(on);
        Ok(())
    }

    /// The normalized records read since the last call, one JSON object a line.
    #[wasm_bindgen(js_name = takeRecords)]
    pub fn take_records(&mut self) -> Result<String, JsValue> {
        Ok(self.inner()?.take_records())
    }

    /// Turns the verdicts view on, keeping at most `cap` lines between two takes, or off
    /// with `cap` undefined (see [`crate::verdicts`]).
    #[wasm_bindgen(js_name = collectVerdicts)]
    pub fn collect_verdicts(&mut self, cap: Option<u32>) -> Result<(), JsValue> {
        self.inner()?.collect_verdicts(cap.map(|c| c as usize));
        Ok(())
    }

    /// The verdicts kept since the last call, one JSON object a line.
    #[wasm_bindgen(js_name = takeVerdicts)]
    pub fn take_verdicts(&mut self) -> Result<String, JsValue> {
        Ok(self.inner()?.take_verdicts())
    }

    /// How many verdicts the view's cap held back.
    #[wasm_bindgen(js_name = verdictsDropped)]
    pub fn verdicts_dropped(&mut self) -> Result<f64, JsValue> {
        Ok(self.inner()?.verdicts_dropped() as f64)
    }

    /// Bytes read so far.
    pub fn bytes(&mut self) -> Result<f64, JsValue> {
        Ok(self.inner()?.stats().bytes as f64)
    }

    /// Ends the current input and gives the mergeable state as bytes.
    pub fn snapshot(&mut self) -> Result<Vec<u8>, JsValue> {
        Ok(self.inner()?.snapshot())
    }

    /// Adds the state of a later part of the input (from [`WasmAnalyzer::snapshot`]).
    #[wasm_bindgen(js_name = mergeSnapshot)]
    pub fn merge_snapshot(&mut self, snapshot: &[u8]) -> Result<(), JsValue> {
        Ok(self.inner()?.merge_snapshot(snapshot)?)
    }

    /// Ends the run and gives the report as text: `object` (compact JSON for
    /// `JSON.parse`), `json` (pretty), `ndjson`, `csv` or `table`, handed to `sink` in
    /// pieces of about [`PIECE_BYTES`], in order, each as soon as it is written. The
    /// report is written straight from the analyzer's state, finding by finding, so
    /// that its text is never whole in the module's memory, nor in JS unless the sink
    /// keeps every piece. What `sink` throws ends the report and is thrown again. The
    /// analyzer takes no more input after this.
    pub fn finish(&mut self, output: &str, sink: &js_sys::Function) -> Result<(), JsValue> {
        let Some(output) = Output::from_name(output) else {
            let known = OUTPUTS.join(", ");
            let message = format!("unknown output {output:?}; known: {known}");
            return Err(js_error("bad_output", &message));
        };
        self.inner()?;
        let Some(mut analyzer) = self.inner.take() else {
            return Ok(());
        };
        analyzer.end_input();
        let mut thrown = None;
        let mut out = Pieces::new(PIECE_BYTES, |piece: &str| {
            match sink.call1(&JsValue::NULL, &JsValue::from_str(piece)) {
                Ok(_) => Ok(()),
                Err(error) => {
                    thrown = Some(error);
                    Err(std::io::Error::other("the report's sink threw"))
                }
            }
        });
        let written = render::write(&analyzer.view(), output, &mut out);
        drop(out);
        match thrown {
            Some(error) => Err(error),
            None => written.map_err(|e| js_error("internal_error", &e.to_string())),
        }
    }
}

/// The size of the pieces [`WasmAnalyzer::finish`] gives the report in.
pub const PIECE_BYTES: usize = 256 << 10;

/// The supported formats as a JSON array of `{id, description, sourcetype}`.
#[wasm_bindgen]
pub fn formats() -> String {
    let list: Vec<serde_json::Value> = Format::ALL
        .iter()
        .map(|f| {
            serde_json::json!({
                "id": f.id(),
                "description": f.describe(),
                "sourcetype": f.default_sourcetype(),
            })
        })
        .collect();
    serde_json::Value::from(list).to_string()
}

/// The length in bytes of the header lines at the start of a file (see [`header_len`]):
/// what a part of the file that starts mid-file needs as its `header`.
#[wasm_bindgen(js_name = headerLength)]
pub fn header_length(head: &[u8]) -> usize {
    header_len(head)
}

/// The crate's version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// The size of the module's linear memory in bytes: what the detection holds, at its
/// peak (wasm memory grows and never shrinks).
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    #[cfg(target_arch = "wasm32")]
    return (core::arch::wasm32::memory_size(0) * 65536) as f64;
    #[cfg(not(target_arch = "wasm32"))]
    0.0
}

/// Stops the module with a trap, as a bug would: for the tests that check that the JS
/// layer turns a trap into an `Error` and starts a fresh instance.
#[doc(hidden)]
#[wasm_bindgen(js_name = __trapForTests)]
pub fn trap_for_tests() {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
}
