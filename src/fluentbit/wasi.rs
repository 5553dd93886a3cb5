//! What Fluent Bit calls, and the configuration file's lookup (`wasm32-wasip1` only).
//!
//! Fluent Bit's `filter_wasm` copies the tag and the record (JSON, NUL-terminated)
//! into the module's memory, calls the function named by `Function_Name` with six
//! `i32`s, and reads a NUL-terminated JSON object back from the returned pointer; an
//! empty string drops the record. The runtime (WAMR) copies through the module's own
//! exported `malloc` and `free` when there are such exports, instead of a small
//! fixed heap of `Wasm_Heap_Size` bytes; the build exports wasi-libc's, the allocator
//! Rust uses too, so large records work and freed memory is reused.
//!
//! The configuration is read on the first call, from [`CONFIG_FILE`] in the first
//! directory of `Accessible_Paths` (WASI preopens, in their order) that holds one.

use std::cell::RefCell;

use super::{CONFIG_FILE, Filter, Setup, release_if_large};

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// The filter and the buffer whose NUL-terminated text the host reads after a call.
struct State {
    filter: Filter,
    out: Vec<u8>,
}

/// What a dropped record returns: the empty string.
static DROP: [u8; 1] = [0];

/// The filter function for `Function_Name smb_egress_filter`.
///
/// # Safety
///
/// `record` must point to `record_len` readable bytes, as Fluent Bit guarantees; the
/// tag is not read. The returned pointer stays valid until the next call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smb_egress_filter(
    _tag: *const u8,
    _tag_len: u32,
    time_sec: u32,
    _time_nsec: u32,
    record: *const u8,
    record_len: u32,
) -> *const u8 {
    if record.is_null() {
        return DROP.as_ptr();
    }
    // SAFETY: the host copied `record_len` bytes of the record to `record`.
    let bytes = unsafe { std::slice::from_raw_parts(record, record_len as usize) };
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        let state = state.get_or_insert_with(|| State {
            filter: Filter::new(read_setup()),
            out: Vec::new(),
        });
        release_if_large(&mut state.out);
        state.out.clear();
        state
            .filter
            .process_into(i64::from(time_sec), bytes, &mut state.out);
        if state.out.is_empty() {
            return DROP.as_ptr();
        }
        state.out.push(0);
        state.out.as_ptr()
    })
}

/// Finds and reads the configuration file; an error says what is wrong and where.
fn read_setup() -> Result<Setup, String> {
    let dirs = preopened_dirs();
    for (fd, name) in &dirs {
        let path = join(name, CONFIG_FILE);
        let text = match read_at(*fd, CONFIG_FILE) {
            Ok(text) => text,
            Err(Errno::NOENT) => continue,
            Err(e) => return Err(format!("{path}: cannot read: {e}")),
        };
        let mut read = |file: &str| {
            read_at(*fd, file).map_err(|e| format!("{}: cannot read: {e}", join(name, file)))
        };
        return Setup::from_json(&text, &mut read).map_err(|e| format!("{path}: {e}"));
    }
    let names: Vec<&str> = dirs.iter().map(|(_, name)| name.as_str()).collect();
    Err(format!(
        "no {CONFIG_FILE} in the filter's Accessible_Paths ({}); records pass unfiltered",
        names.join(", ")
    ))
}

fn join(dir: &str, file: &str) -> String {
    match dir {
        "" | "." => file.to_owned(),
        _ => format!("{}/{file}", dir.trim_end_matches('/')),
    }
}

/// A WASI error number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Errno(i32);

impl Errno {
    const BADF: Errno = Errno(8);
    const ILSEQ: Errno = Errno(25);
    const NOENT: Errno = Errno(44);

    fn check(code: i32) -> Result<(), Errno> {
        if code == 0 { Ok(()) } else { Err(Errno(code)) }
    }
}

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Errno::NOENT => f.write_str("no such file"),
            Errno::ILSEQ => f.write_str("not UTF-8 text"),
            Errno(2) => f.write_str("permission denied"),
            Errno(54) => f.write_str("not a directory"),
            Errno(code) => write!(f, "WASI error {code}"),
        }
    }
}

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn fd_prestat_get(fd: i32, prestat: *mut u32) -> i32;
    fn fd_prestat_dir_name(fd: i32, path: *mut u8, path_len: i32) -> i32;
    #[allow(clippy::too_many_arguments)]
    fn path_open(
        dirfd: i32,
        lookup_flags: i32,
        path: *const u8,
        path_len: i32,
        open_flags: i32,
        rights_base: i64,
        rights_inheriting: i64,
        fd_flags: i32,
        opened: *mut i32,
    ) -> i32;
    fn fd_read(fd: i32, iovs: *const Iovec, iovs_len: i32, read: *mut i32) -> i32;
    fn fd_close(fd: i32) -> i32;
}

/// A WASI buffer descriptor.
#[repr(C)]
struct Iovec {
    buf: *mut u8,
    len: usize,
}

/// The preopened directories: descriptors from 3 up, with the names the host gave.
fn preopened_dirs() -> Vec<(i32, String)> {
    let mut dirs = Vec::new();
    for fd in 3.. {
        // A prestat is a tag byte (0 for a directory), padding, and the name's length.
        let mut prestat = [0u32; 2];
        // SAFETY: `prestat` has room for the 8-byte prestat structure.
        match Errno::check(unsafe { fd_prestat_get(fd, prestat.as_mut_ptr()) }) {
            Ok(()) => {}
            Err(Errno::BADF) => break,
            Err(_) => continue,
        }
        if prestat[0] & 0xff != 0 {
            continue;
        }
        let mut name = vec![0u8; prestat[1] as usize];
        // SAFETY: `name` has room for the length the host reported.
        let code = unsafe { fd_prestat_dir_name(fd, name.as_mut_ptr(), name.len() as i32) };
        if Errno::check(code).is_ok() {
            let name = String::from_utf8_lossy(&name);
            dirs.push((fd, name.trim_end_matches('\0').to_owned()));
        }
    }
    dirs
}

/// Reads a file at a path relative to a preopened directory.
fn read_at(dir: i32, path: &str) -> Result<String, Errno> {
    const FOLLOW_SYMLINKS: i32 = 1;
    const RIGHTS: i64 = 1 << 1 | 1 << 2 | 1 << 5 | 1 << 21; // read, seek, tell, filestat_get
    let mut fd = -1;
    // SAFETY: the path is valid for its length and `fd` is a place for the result.
    let code = unsafe {
        path_open(
            dir,
            FOLLOW_SYMLINKS,
            path.as_ptr(),
            path.len() as i32,
            0,
            RIGHTS,
            0,
            0,
            &mut fd,
        )
    };
    Errno::check(code)?;
    let bytes = read_all(fd);
    // SAFETY: `fd` is the descriptor opened above, closed once.
    unsafe { fd_close(fd) };
    String::from_utf8(bytes?).map_err(|_| Errno::ILSEQ)
}

/// Reads a descriptor to its end. (Descriptors are read and closed through WASI
/// directly: wasi-libc's `close` would list the preopens and stop the module when it
/// met a file among them.)
fn read_all(fd: i32) -> Result<Vec<u8>, Errno> {
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let iovec = Iovec {
            buf: chunk.as_mut_ptr(),
            len: chunk.len(),
        };
        let mut read = 0;
        // SAFETY: the buffer is valid for its length; `read` is a place for the count.
        Errno::check(unsafe { fd_read(fd, &iovec, 1, &mut read) })?;
        if read <= 0 {
            return Ok(bytes);
        }
        bytes.extend_from_slice(&chunk[..read as usize]);
    }
}
