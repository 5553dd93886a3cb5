//! A test that rejects, before parsing, lines that cannot hold SMB traffic.
//!
//! Most lines of a connection log are not SMB. A line that holds none of the SMB port
//! numbers (as a number of its own, not inside a longer one) and none of the SMB
//! application names (`smb`, `cifs`, `microsoft-ds`, `netbios-ssn`, in any case) cannot
//! become an SMB candidate in either profile, whatever its format, so the analyzer
//! counts it and moves on without parsing it. Header lines that give a layout
//! (`#fields`, a CSV header naming `src_ip` or `srcaddr`) always pass, so that the rows
//! below them can be read; a JSON document is never such a header.
//!
//! A port counts only where no digit touches it on either side and no `.` comes right
//! before it: `445` in `dpt=445`, `:445`, `/445`, `"dest_port":445` or `,445,` passes,
//! while `1445`, `1709510445.2`, the address `10.0.139.7` or the time `10:02:25.139`
//! does not. Every format writes its ports as numbers of their own, after a separator
//! that is not a dot, and the ports are the configured ones, so `1445` is found when
//! it is configured.
//!
//! The search runs 16 bytes at a time (SSSE3 on x86-64, SIMD128 in WebAssembly built
//! with `+simd128`, plain code elsewhere): three bytes of each pattern, its head, are
//! looked up in either case at every offset of the block at once (two table lookups per
//! byte position, on its two nibbles, for up to eight heads), and only where a head is
//! found is the whole pattern checked. Line ends are found in the same pass, so stretches of lines
//! with no match are passed over without being split into lines. JSON lines, and rows
//! under a Zeek layout, are searched for the ports and SMB names only. A match is only a
//! hint (`smbios` holds `smb`):
//! the line is then parsed and judged as usual.

/// SMB application names, lower case: any of them makes a line worth parsing. Each
/// comes with where its head starts: the three bytes looked up block-wise, chosen to be
/// rare in connection logs (`t-d`, not `mic`; `s-s`, not the `net` of every `.net`
/// host name), so that few lines stop the search for nothing.
const SMB_WORDS: [(&[u8], usize); 4] = [
    (b"smb", 0),
    (b"cifs", 0),
    (b"microsoft-ds", 8),
    (b"netbios-ssn", 6),
];

/// Words of the CSV header lines that give a layout (CIM exports, AWS VPC custom
/// layouts), with where their heads start (`c_i`, `cad`, `l_t`: the `src` of `SRC=` and
/// `srcip=` is in every line of some text formats).
const HEADER_WORDS: [(&[u8], usize); 3] = [(b"src_ip", 2), (b"srcaddr", 2), (b"all_traffic", 2)];

/// One thing to look for.
#[derive(Clone, Debug)]
struct Pattern {
    /// Lower case bytes.
    bytes: Vec<u8>,
    kind: Kind,
    /// Where its head (the three bytes looked up block-wise) starts.
    head_at: usize,
}

impl Pattern {
    /// The three bytes looked up block-wise; `None` for a pattern shorter than that.
    fn head(&self) -> Option<[u8; 3]> {
        let head = self.bytes.get(self.head_at..self.head_at + 3)?;
        head.try_into().ok()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A port: no digit may touch it.
    Port,
    /// An SMB name, anywhere.
    Word,
    /// A header word, in lines that are not JSON.
    Header,
}

/// The compiled test for a set of SMB ports.
///
/// ```
/// use smb_egress::prefilter::Prefilter;
///
/// let prefilter = Prefilter::new(&[139, 445]);
/// assert!(prefilter.may_hold_smb(b"1709028000 10.0.0.1 8.8.8.8 50100 445 tcp"));
/// assert!(prefilter.may_hold_smb(b"app=MS-DS-SMB dport=8080"));
/// assert!(!prefilter.may_hold_smb(b"1709028000 10.0.0.1 8.8.8.8 50100 443 tcp"));
/// assert!(!prefilter.may_hold_smb(b"1709028445 10.0.0.1 8.8.8.8 14450 443 tcp"));
/// assert!(prefilter.may_hold_smb(b"#fields\tts\tuid"));
/// ```
#[derive(Clone, Debug)]
pub struct Prefilter {
    patterns: Vec<Pattern>,
    /// Heads of the ports and SMB names: for JSON lines and rows under a layout.
    rows: Heads,
    /// The same and the header words: for other lines.
    lines: Heads,
}

/// The distinct heads of some patterns, looked up block-wise.
#[derive(Clone, Debug)]
struct Heads {
    three: Vec<[u8; 3]>,
    /// The heads as nibble tables.
    tables: Nibbles,
    /// Whether a pattern is shorter than three bytes (a port under 100): lines are
    /// then checked at every offset.
    short: bool,
    /// The heads as an automaton, where no block search runs; `None` there too when
    /// there are too many heads for it.
    automaton: Option<Automaton>,
}

impl Heads {
    fn new<'a>(patterns: impl Iterator<Item = &'a Pattern>) -> Heads {
        let mut three = Vec::new();
        let mut short = false;
        for p in patterns {
            match p.head() {
                Some(head) => three.push(head),
                None => short = true,
            }
        }
        three.sort();
        three.dedup();
        let tables = Nibbles::new(&three);
        // The automaton serves where no block search runs (and the tests).
        let automaton = (!blocks::available() || cfg!(test))
            .then(|| Automaton::new(&three))
            .flatten();
        Heads {
            three,
            tables,
            short,
            automaton,
        }
    }
}

/// The heads as a shift-and automaton over the bytes of a line, which finds them all in
/// one pass at a table look-up and three operations a byte, with no SIMD: each head has
/// three bits of state, the first set where the head's first byte has just been seen,
/// the second where its first two have, the third where the whole head has.
#[derive(Clone, Debug)]
struct Automaton {
    /// For each byte, the state bits it may set: bit `3 * i + j` when the byte is byte
    /// `j` of head `i`, in either case.
    next: Box<[u64; 256]>,
    /// The first bit of each head.
    starts: u64,
    /// The last bit of each head.
    ends: u64,
}

impl Automaton {
    /// Heads that fit the 64 bits of state, three bits each.
    const MAX_HEADS: usize = 21;

    fn new(heads: &[[u8; 3]]) -> Option<Automaton> {
        if heads.len() > Self::MAX_HEADS {
            return None;
        }
        let mut automaton = Automaton {
            next: Box::new([0; 256]),
            starts: 0,
            ends: 0,
        };
        for (i, head) in heads.iter().enumerate() {
            automaton.starts |= 1 << (3 * i);
            automaton.ends |= 1 << (3 * i + 2);
            for (j, &byte) in head.iter().enumerate() {
                for b in (0..=u8::MAX).filter(|b| b.eq_ignore_ascii_case(&byte)) {
                    automaton.next[usize::from(b)] |= 1 << (3 * i + j);
                }
            }
        }
        Some(automaton)
    }

    /// Calls `check` at each offset where a head starts, in order, until it says yes.
    ///
    /// The two halves of the line run side by side, so that the processor overlaps
    /// their chains of dependent operations, until either finds a head; then the rest
    /// of the first half is searched, then the rest of the second. The second half
    /// starts two bytes early, so that a head across the middle is found there.
    fn search(&self, line: &[u8], check: &mut dyn FnMut(usize) -> bool) -> bool {
        let middle = line.len() / 2;
        if middle < 2 {
            return self.resume(line, 0, 0, 0, check);
        }
        let (first, second) = (&line[..middle], &line[middle - 2..]);
        let (mut one, mut two) = (0, 0);
        let mut at = 0;
        while let (Some(&a), Some(&b)) = (first.get(at), second.get(at)) {
            let (next_one, next_two) = (self.step(one, a), self.step(two, b));
            if (next_one | next_two) & self.ends != 0 {
                break;
            }
            (one, two) = (next_one, next_two);
            at += 1;
        }
        self.resume(first, at, one, 0, check) || self.resume(second, at, two, middle - 2, check)
    }

    /// The state after one more byte. A head's bits move up one as each byte of it
    /// is seen; a shift out of a head's last bit lands on the next head's first, which
    /// is set anyway.
    #[inline(always)]
    fn step(&self, state: u64, byte: u8) -> u64 {
        (state << 1 | self.starts) & self.next[usize::from(byte)]
    }

    /// Searches `bytes` from `from` on, in `state` after the bytes before it; offsets
    /// are told to `check` from `base`.
    fn resume(
        &self,
        bytes: &[u8],
        from: usize,
        mut state: u64,
        base: usize,
        check: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        for (at, &byte) in bytes.iter().enumerate().skip(from) {
            state = self.step(state, byte);
            if state & self.ends != 0 && check(base + at - 2) {
                return true;
            }
        }
        false
    }
}

/// Heads as lookup tables on the nibbles of a byte, in eight buckets of a bit each.
///
/// Bit `h` of `low[i][n]` is set when byte `i` of a head of bucket `h`, in either case,
/// has the low nibble `n`; `high` likewise for the high nibble. With a head to a bucket
/// (eight heads or fewer), a byte `x` matches byte `i` of the head of bucket `h` exactly
/// when bit `h` is set in both `low[i][x & 15]` and `high[i][x >> 4]`: the two cases of
/// a letter differ only in the high nibble, so no other byte gets through. With more
/// heads, neighbours in byte order share a bucket, and a few other three-byte strings
/// get through too, for the whole-pattern check to turn down. Looking the nibbles of 16
/// bytes up at once (one shuffle each) and and-ing the three positions gives the offsets
/// where a head may start, with a few operations per block whatever the number of heads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Nibbles {
    low: [[u8; 16]; 3],
    high: [[u8; 16]; 3],
}

impl Nibbles {
    fn new(heads: &[[u8; 3]]) -> Nibbles {
        let mut tables = Nibbles::default();
        for (n, head) in heads.iter().enumerate() {
            let bit = n * 8 / heads.len();
            for (i, &b) in head.iter().enumerate() {
                for x in [b.to_ascii_lowercase(), b.to_ascii_uppercase()] {
                    tables.low[i][usize::from(x & 15)] |= 1 << bit;
                    tables.high[i][usize::from(x >> 4)] |= 1 << bit;
                }
            }
        }
        tables
    }
}

impl Prefilter {
    /// A prefilter for the given ports.
    pub fn new(ports: &[u16]) -> Prefilter {
        let mut patterns: Vec<Pattern> = ports
            .iter()
            .map(|p| Pattern {
                bytes: p.to_string().into_bytes(),
                kind: Kind::Port,
                head_at: 0,
            })
            .collect();
        for (words, kind) in [(&SMB_WORDS[..], Kind::Word), (&HEADER_WORDS, Kind::Header)] {
            patterns.extend(words.iter().map(|&(word, head_at)| Pattern {
                bytes: word.to_vec(),
                kind,
                head_at,
            }));
        }
        Prefilter {
            rows: Heads::new(patterns.iter().filter(|p| p.kind != Kind::Header)),
            lines: Heads::new(patterns.iter()),
            patterns,
        }
    }

    /// False when the line certainly holds no SMB port or name and no layout header.
    pub fn may_hold_smb(&self, line: &[u8]) -> bool {
        self.test(line, false)
    }

    /// [`Prefilter::may_hold_smb`] for a row under a layout that only `#` lines change
    /// (a Zeek TSV log): header words do not count.
    ///
    /// ```
    /// use smb_egress::prefilter::Prefilter;
    ///
    /// let prefilter = Prefilter::new(&[139, 445]);
    /// assert!(prefilter.may_hold_smb(b"src_ip,dest_ip,dest_port"));
    /// assert!(!prefilter.may_hold_smb_row(b"src_ip,dest_ip,dest_port"));
    /// ```
    pub fn may_hold_smb_row(&self, line: &[u8]) -> bool {
        self.test(line, true)
    }

    /// How many whole lines at the start of `bytes` (a line start) certainly hold no
    /// SMB port or name, all of the kind `mode` says: their length in bytes and their
    /// count. The lines stop before the first line that may hold one, or that is not
    /// of that kind (a `#` header, a line that starts with a space or JSON structure,
    /// a non-JSON line among JSON lines), or that holds a NUL byte or a carriage
    /// return not followed by `\n` (which the reader may treat specially), or at the
    /// last `\n`.
    ///
    /// ```
    /// use smb_egress::prefilter::{Mode, Prefilter};
    ///
    /// let prefilter = Prefilter::new(&[139, 445]);
    /// let text = b"1 a 443\n2 b 80\n3 c 445\n4 d 22\n";
    /// assert_eq!(prefilter.skippable(text, Mode::Rows), (15, 2));
    /// assert_eq!(prefilter.skippable(b"{\"p\":80}\n{\"p\":443}\n#x\n", Mode::Json), (19, 2));
    /// ```
    pub fn skippable(&self, bytes: &[u8], mode: Mode) -> (usize, u64) {
        if !starts_plain(bytes, mode) {
            return (0, 0);
        }
        let heads = if mode == Mode::Text {
            &self.lines
        } else {
            &self.rows
        };
        let verify = &mut |at| self.matches_at(bytes, at, mode == Mode::Text);
        if !heads.short && blocks::available() {
            return blocks::skippable(&heads.tables, bytes, mode, verify);
        }
        self.skippable_lines(bytes, mode)
    }

    /// [`Prefilter::skippable`] a line at a time: the reference for the block version.
    fn skippable_lines(&self, bytes: &[u8], mode: Mode) -> (usize, u64) {
        let (mut len, mut lines) = (0, 0);
        while let Some(end) = memchr::memchr(b'\n', &bytes[len..]) {
            let line = &bytes[len..len + end];
            let json_line = line.first() == Some(&b'{') && line.last() == Some(&b'}');
            let kind_fits = match mode {
                Mode::Json => json_line,
                _ => starts_plain(line, mode),
            };
            let odd = line.contains(&0) || line.iter().rev().skip(1).any(|&b| b == b'\r');
            if !kind_fits || odd || self.test(line, mode == Mode::Rows) {
                break;
            }
            len += end + 1;
            lines += 1;
        }
        (len, lines)
    }

    fn test(&self, line: &[u8], row: bool) -> bool {
        if line.first() == Some(&b'#') {
            return true;
        }
        let json = matches!(line.trim_ascii_start().first(), Some(b'{' | b'['));
        let headers = !json && !row;
        let heads = if headers { &self.lines } else { &self.rows };
        search(heads, line, &mut |at| self.matches_at(line, at, headers))
    }

    /// Whether a whole pattern holds its head at `head`.
    fn matches_at(&self, line: &[u8], head: usize, headers: bool) -> bool {
        self.patterns.iter().any(|p| {
            let Some(at) = head.checked_sub(p.head_at) else {
                return false;
            };
            let Some(text) = line.get(at..at + p.bytes.len()) else {
                return false;
            };
            if !text.eq_ignore_ascii_case(&p.bytes) {
                return false;
            }
            match p.kind {
                Kind::Word => true,
                Kind::Header => headers,
                Kind::Port => {
                    let before = at.checked_sub(1).map(|i| line[i]);
                    let after = line.get(at + p.bytes.len()).copied();
                    !before.is_some_and(|b| b.is_ascii_digit() || b == b'.')
                        && !after.is_some_and(|b| b.is_ascii_digit())
                }
            }
        })
    }
}

/// The kind of lines [`Prefilter::skippable`] passes over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Lines of a text format: each starts with a letter, a digit or `<`, `=`, `>`,
    /// `?`, `@`, `\\`, `^`, `_` and the like (not a space, `#` or JSON structure), and
    /// header words count.
    Text,
    /// Rows under a layout that only `#` lines change (Zeek TSV): as `Text`, without
    /// header words.
    Rows,
    /// JSON lines: each line is one object, from its `{` to its `}`.
    Json,
}

/// Whether the line at the start of `bytes` is of the kind `mode` passes over, by its
/// first byte: an ASCII byte from `0` up, other than `[`, `]` and `{`, or a `{` for
/// JSON lines (whose last byte is checked where the line ends).
fn starts_plain(bytes: &[u8], mode: Mode) -> bool {
    match (mode, bytes.first()) {
        (Mode::Json, Some(&b)) => b == b'{',
        (_, Some(&b)) => (b'0'..0x80).contains(&b) && !matches!(b, b'[' | b']' | b'{'),
        (_, None) => false,
    }
}

/// Calls `check` at each offset where a head matches, until it says yes.
fn search(heads: &Heads, line: &[u8], check: &mut dyn FnMut(usize) -> bool) -> bool {
    if heads.short || !blocks::available() {
        return match &heads.automaton {
            Some(automaton) if !heads.short => automaton.search(line, check),
            _ => search_scalar(heads, line, check),
        };
    }
    blocks::search(&heads.tables, line, check)
}

/// The plain search: the reference the block search and the automaton must agree with.
fn search_scalar(heads: &Heads, line: &[u8], check: &mut dyn FnMut(usize) -> bool) -> bool {
    if heads.short {
        return (0..line.len()).any(check);
    }
    (0..line.len()).any(|at| {
        let window = line.get(at..at + 3).unwrap_or_default();
        heads.three.iter().any(|h| window.eq_ignore_ascii_case(h)) && check(at)
    })
}

#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128")
    )),
    allow(dead_code)
)]
mod blocks {
    //! The block search, over 16-lane byte vectors: SSSE3 on x86-64 (when the processor
    //! has it, checked as the program runs), SIMD128 in WebAssembly built with it. Where
    //! neither is there, [`available`] says so and the callers go a line at a time.

    use super::{Mode, Nibbles, starts_plain};

    /// Bytes of a block: 16, the width of one SIMD register.
    const BLOCK: usize = 16;

    /// What the block search needs of a vector of 16 bytes.
    pub trait Lanes: Copy {
        /// Loads 16 bytes from `bytes[offset..]`; `bytes` holds at least `offset + 16`.
        fn load(bytes: &[u8], offset: usize) -> Self;
        /// All lanes set to `b`.
        fn splat(b: u8) -> Self;
        /// Lane-wise or.
        fn or(self, other: Self) -> Self;
        /// Lane-wise and.
        fn and(self, other: Self) -> Self;
        /// `self` and not `other`, lane-wise.
        fn andnot(self, other: Self) -> Self;
        /// All ones in lanes that are equal, zeros elsewhere.
        fn eq(self, other: Self) -> Self;
        /// Every pair of lanes, as a 16-bit number, shifted right by four bits: the
        /// high nibble of each byte lands in its low nibble.
        fn shr4(self) -> Self;
        /// The lanes of `self` that the lanes of `index` (each below 16) name.
        fn lookup(self, index: Self) -> Self;
        /// One bit per lane, from its top bit.
        fn mask(self) -> u16;
    }

    /// Whether the block search can run here.
    pub fn available() -> bool {
        #[cfg(target_arch = "x86_64")]
        return std::is_x86_feature_detected!("ssse3");
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return true;
        #[allow(unreachable_code)]
        false
    }

    /// Calls `check` where a head of `tables` starts in `line`, until it says yes. Only
    /// where [`available`] says so.
    // Where neither block search is built, the parameters go unused.
    #[cfg_attr(
        not(any(
            target_arch = "x86_64",
            all(target_arch = "wasm32", target_feature = "simd128")
        )),
        allow(unused_variables)
    )]
    pub fn search(tables: &Nibbles, line: &[u8], check: &mut dyn FnMut(usize) -> bool) -> bool {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the callers check `available`, which detected SSSE3.
        return unsafe { ssse3::search(tables, line, check) };
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return search_with::<simd128::Simd128>(tables, line, check);
        #[allow(unreachable_code)]
        {
            unreachable!("the block search is not available here")
        }
    }

    /// [`super::Prefilter::skippable`] over blocks, for a line start at `bytes[0]`
    /// that [`super::starts_plain`] accepted. Heads and line ends are found in the same
    /// pass; `verify` says whether a head starts a whole pattern. Only where
    /// [`available`] says so.
    // Where neither block search is built, the parameters go unused.
    #[cfg_attr(
        not(any(
            target_arch = "x86_64",
            all(target_arch = "wasm32", target_feature = "simd128")
        )),
        allow(unused_variables)
    )]
    pub fn skippable(
        tables: &Nibbles,
        bytes: &[u8],
        mode: Mode,
        verify: &mut dyn FnMut(usize) -> bool,
    ) -> (usize, u64) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the callers check `available`, which detected SSSE3.
        return unsafe { ssse3::skippable(tables, bytes, mode, verify) };
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return skippable_with::<simd128::Simd128>(tables, bytes, mode, verify);
        #[allow(unreachable_code)]
        {
            unreachable!("the block search is not available here")
        }
    }

    /// A [`Nibbles`] in vectors.
    #[derive(Clone, Copy)]
    struct Table<V> {
        low: [V; 3],
        high: [V; 3],
    }

    impl<V: Lanes> Table<V> {
        #[inline(always)]
        fn new(nibbles: &Nibbles) -> Table<V> {
            let load = |table: &[u8; 16]| V::load(table, 0);
            Table {
                low: nibbles.low.each_ref().map(load),
                high: nibbles.high.each_ref().map(load),
            }
        }

        /// The lanes where a head starts, given a block loaded at offsets 0, 1 and 2.
        #[inline(always)]
        fn starts(&self, raw: &[V; 3]) -> u16 {
            let nibble = V::splat(0x0F);
            let mut heads = V::splat(0xFF);
            for (i, bytes) in raw.iter().enumerate() {
                let low = self.low[i].lookup(bytes.and(nibble));
                let high = self.high[i].lookup(bytes.shr4().and(nibble));
                heads = heads.and(low).and(high);
            }
            !heads.eq(V::splat(0)).mask()
        }
    }

    /// The block at the start of `bytes` (18 bytes or more), loaded at offsets 0, 1, 2.
    #[inline(always)]
    fn load3<V: Lanes>(bytes: &[u8]) -> [V; 3] {
        [0, 1, 2].map(|i| V::load(bytes, i))
    }

    #[inline(always)]
    fn search_with<V: Lanes>(
        tables: &Nibbles,
        line: &[u8],
        check: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        let table = Table::<V>::new(tables);
        let mut start = 0;
        while start + BLOCK + 2 <= line.len() {
            let mask = table.starts(&load3(&line[start..]));
            if mask != 0 && hits(mask, start, check) {
                return true;
            }
            start += BLOCK;
        }
        if start >= line.len() {
            return false;
        }
        let mut tail = [0u8; BLOCK + 2];
        tail[..line.len() - start].copy_from_slice(&line[start..]);
        let mask = table.starts(&load3(&tail)) & lanes_below(line.len() - start);
        mask != 0 && hits(mask, start, check)
    }

    #[inline(always)]
    fn skippable_with<V: Lanes>(
        tables: &Nibbles,
        bytes: &[u8],
        mode: Mode,
        verify: &mut dyn FnMut(usize) -> bool,
    ) -> (usize, u64) {
        let table = Table::<V>::new(tables);
        let mut passed = Passed::default();
        let mut start = 0;
        while let Some(window) = bytes.get(start..start + 2 * BLOCK + 2) {
            for at in [0, BLOCK] {
                let masks = Masks::of(&table, &window[at..], mode, usize::MAX);
                if let Some(found) = passed.step(&masks, start + at, verify) {
                    return found;
                }
            }
            start += 2 * BLOCK;
        }
        let mut tail = [0u8; BLOCK + 2];
        while start < bytes.len() {
            let left = bytes.len() - start;
            let block = if left >= BLOCK + 2 {
                &bytes[start..start + BLOCK + 2]
            } else {
                tail[..left].copy_from_slice(&bytes[start..]);
                tail[left..].fill(0);
                &tail[..]
            };
            let masks = Masks::of(&table, block, mode, left);
            if let Some(found) = passed.step(&masks, start, verify) {
                return found;
            }
            start += BLOCK;
        }
        (passed.line_start, passed.count)
    }

    /// What a block holds, a bit per lane.
    #[derive(Clone, Copy)]
    struct Masks {
        /// Where a head starts (bytes at offsets 0 to 15).
        heads: u16,
        /// Where an odd byte is (offsets 0 to 15, see [`odd_bytes`]).
        odd: u16,
        /// Line ends (bytes at offsets 1 to 16).
        ends: u16,
        /// Line ends that end a line of another kind (see [`edges`]).
        bad_ends: u16,
        /// Line ends after which a line of another kind starts.
        bad_starts: u16,
    }

    impl Masks {
        /// The masks of the block at the start of `block` (18 bytes or more), of which
        /// the first `left` bytes are the input's.
        #[inline(always)]
        fn of<V: Lanes>(table: &Table<V>, block: &[u8], mode: Mode, left: usize) -> Masks {
            let raw = load3::<V>(block);
            let newlines = raw[1].eq(V::splat(b'\n'));
            let ends = newlines.mask() & lanes_below(left - 1);
            let [bad_ends, bad_starts] = match ends {
                0 => [0, 0],
                _ => edges(mode, block, ends),
            };
            Masks {
                heads: table.starts(&raw) & lanes_below(left),
                odd: odd_bytes(&raw, newlines).mask() & lanes_below(left),
                ends,
                bad_ends,
                bad_starts,
            }
        }
    }

    /// The first `n` lanes of a block (all 16 when `n` is 16 or more).
    fn lanes_below(n: usize) -> u16 {
        if n >= BLOCK {
            u16::MAX
        } else {
            ((1u32 << n) - 1) as u16
        }
    }

    /// Of the line ends `ends` (lanes of the bytes at offset 1 of `block`), those that
    /// end a line not of the kind `mode` passes over (for JSON lines, one whose last
    /// byte, at offset 0, is not `}`), and those after which a line starts that is not
    /// of that kind (seen from the byte at offset 2). Line ends are few, one in every
    /// few blocks, so they are looked at one by one. Inlined: in WebAssembly a call in
    /// the block loop made V8 keep the nibble tables on the stack and load them again
    /// for every block.
    #[inline(always)]
    fn edges(mode: Mode, block: &[u8], ends: u16) -> [u16; 2] {
        let [mut bad_ends, mut bad_starts] = [0u16; 2];
        let mut lanes = ends;
        while lanes != 0 {
            let lane = lanes.trailing_zeros() as usize;
            if mode == Mode::Json && block[lane] != b'}' {
                bad_ends |= 1 << lane;
            }
            if !starts_plain(&block[lane + 2..], mode) {
                bad_starts |= 1 << lane;
            }
            lanes &= lanes - 1;
        }
        [bad_ends, bad_starts]
    }

    /// Bytes (at offset 0) the reader treats specially and that make their line worth
    /// reading one at a time: a NUL, and a carriage return not followed by `\n` (the
    /// lanes of `newlines`).
    #[inline(always)]
    fn odd_bytes<V: Lanes>(raw: &[V; 3], newlines: V) -> V {
        let lone_cr = raw[0].eq(V::splat(b'\r')).andnot(newlines);
        lone_cr.or(raw[0].eq(V::splat(0)))
    }

    /// Where passing over must stop in the block at `start`, if it must: the start of
    /// the first line that holds a whole pattern or an odd byte or ends badly, or the
    /// start of the line after the first bad line start, whichever comes first.
    /// `ends`, `bad_ends` and `bad_starts` have a lane per byte at offset 1 to 16;
    /// `heads` and `odd` per byte at offset 0 to 15.
    fn stop(
        [mut heads, odd]: [u16; 2],
        [ends, bad_ends, bad_starts]: [u16; 3],
        start: usize,
        line_start: usize,
        verify: &mut dyn FnMut(usize) -> bool,
    ) -> Option<usize> {
        let first = |lanes: u16| (lanes != 0).then(|| start + 1 + lanes.trailing_zeros() as usize);
        let start_of = |at: usize| match ends & lanes_below((at - start).saturating_sub(1)) {
            0 => line_start,
            before => start + 1 + last_lane(before) + 1,
        };
        let odd = (odd != 0).then(|| start + odd.trailing_zeros() as usize);
        let bad_end = first(bad_ends).into_iter().chain(odd).min();
        let bad_start = first(bad_starts);
        let limit = bad_end
            .into_iter()
            .chain(bad_start)
            .min()
            .unwrap_or(usize::MAX);
        while heads != 0 {
            let at = start + heads.trailing_zeros() as usize;
            if at > limit {
                break;
            }
            if verify(at) {
                return Some(start_of(at));
            }
            heads &= heads - 1;
        }
        match (bad_end, bad_start) {
            (Some(end), Some(next)) if end <= next => Some(start_of(end)),
            (Some(end), None) => Some(start_of(end)),
            (_, Some(next)) => Some(next + 1),
            (None, None) => None,
        }
    }

    fn last_lane(mask: u16) -> usize {
        15 - mask.leading_zeros() as usize
    }

    /// The whole lines passed over so far.
    #[derive(Default)]
    struct Passed {
        /// How many line ends.
        count: u64,
        /// The byte after the last of them: the current line's start.
        line_start: usize,
    }

    impl Passed {
        /// Passes over the block at `start`, unless a line in it must be looked at:
        /// then the whole lines before that one, their length and count.
        #[inline(always)]
        fn step(
            &mut self,
            masks: &Masks,
            start: usize,
            verify: &mut dyn FnMut(usize) -> bool,
        ) -> Option<(usize, u64)> {
            let Masks {
                heads,
                odd,
                ends,
                bad_ends,
                bad_starts,
            } = *masks;
            if heads | odd | bad_ends | bad_starts != 0 {
                let lanes = [ends, bad_ends, bad_starts];
                if let Some(cut) = stop([heads, odd], lanes, start, self.line_start, verify) {
                    let before_cut = lanes_below(cut.saturating_sub(start + 1));
                    let count = self.count + u64::from((ends & before_cut).count_ones());
                    return Some((cut, count));
                }
            }
            self.block(start, ends);
            None
        }

        /// Passes the block at `start`, whose line ends are `ends` (offsets 1 to 16).
        fn block(&mut self, start: usize, ends: u16) {
            self.count += u64::from(ends.count_ones());
            if ends != 0 {
                self.line_start = start + 1 + last_lane(ends) + 1;
            }
        }
    }

    fn hits(mut mask: u16, start: usize, check: &mut dyn FnMut(usize) -> bool) -> bool {
        while mask != 0 {
            if check(start + mask.trailing_zeros() as usize) {
                return true;
            }
            mask &= mask - 1;
        }
        false
    }

    #[cfg(target_arch = "x86_64")]
    mod ssse3 {
        //! SSSE3: SSE2, which every x86-64 processor has, and the byte shuffle.

        use core::arch::x86_64::*;

        use super::{Lanes, Mode, Nibbles};

        /// A vector of 16 bytes. Only code reached after SSSE3 was detected makes one.
        #[derive(Clone, Copy)]
        pub struct Ssse3(__m128i);

        #[target_feature(enable = "ssse3")]
        pub fn search(tables: &Nibbles, line: &[u8], check: &mut dyn FnMut(usize) -> bool) -> bool {
            super::search_with::<Ssse3>(tables, line, check)
        }

        #[target_feature(enable = "ssse3")]
        pub fn skippable(
            tables: &Nibbles,
            bytes: &[u8],
            mode: Mode,
            verify: &mut dyn FnMut(usize) -> bool,
        ) -> (usize, u64) {
            super::skippable_with::<Ssse3>(tables, bytes, mode, verify)
        }

        impl Lanes for Ssse3 {
            #[inline(always)]
            fn load(bytes: &[u8], offset: usize) -> Self {
                assert!(bytes.len() >= offset + 16);
                // SAFETY: the assert keeps the 16 bytes read inside the slice; the load
                // is unaligned.
                Ssse3(unsafe { _mm_loadu_si128(bytes.as_ptr().add(offset).cast()) })
            }
            #[inline(always)]
            fn splat(b: u8) -> Self {
                // SAFETY: SSE2 is part of the x86-64 baseline.
                Ssse3(unsafe { _mm_set1_epi8(b as i8) })
            }
            #[inline(always)]
            fn or(self, other: Self) -> Self {
                // SAFETY: SSE2 is part of the x86-64 baseline.
                Ssse3(unsafe { _mm_or_si128(self.0, other.0) })
            }
            #[inline(always)]
            fn and(self, other: Self) -> Self {
                // SAFETY: SSE2 is part of the x86-64 baseline.
                Ssse3(unsafe { _mm_and_si128(self.0, other.0) })
            }
            #[inline(always)]
            fn andnot(self, other: Self) -> Self {
                // SAFETY: SSE2 is part of the x86-64 baseline.
                Ssse3(unsafe { _mm_andnot_si128(other.0, self.0) })
            }
            #[inline(always)]
            fn eq(self, other: Self) -> Self {
                // SAFETY: SSE2 is part of the x86-64 baseline.
                Ssse3(unsafe { _mm_cmpeq_epi8(self.0, other.0) })
            }
            #[inline(always)]
            fn shr4(self) -> Self {
                // SAFETY: SSE2 is part of the x86-64 baseline.
                Ssse3(unsafe { _mm_srli_epi16::<4>(self.0) })
            }
            #[inline(always)]
            fn lookup(self, index: Self) -> Self {
                // SAFETY: a `Ssse3` exists only where SSSE3 was detected (see the type).
                Ssse3(unsafe { _mm_shuffle_epi8(self.0, index.0) })
            }
            #[inline(always)]
            fn mask(self) -> u16 {
                // SAFETY: as above.
                unsafe { _mm_movemask_epi8(self.0) as u16 }
            }
        }
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    mod simd128 {
        //! WebAssembly SIMD128, when the module is built with it.

        use core::arch::wasm32::*;

        /// A vector of 16 bytes.
        #[derive(Clone, Copy)]
        pub struct Simd128(v128);

        impl super::Lanes for Simd128 {
            #[inline(always)]
            fn load(bytes: &[u8], offset: usize) -> Self {
                assert!(bytes.len() >= offset + 16);
                // SAFETY: the assert keeps the 16 bytes read inside the slice; wasm
                // loads need no alignment.
                Simd128(unsafe { v128_load(bytes.as_ptr().add(offset).cast()) })
            }
            #[inline(always)]
            fn splat(b: u8) -> Self {
                Simd128(u8x16_splat(b))
            }
            #[inline(always)]
            fn or(self, other: Self) -> Self {
                Simd128(v128_or(self.0, other.0))
            }
            #[inline(always)]
            fn and(self, other: Self) -> Self {
                Simd128(v128_and(self.0, other.0))
            }
            #[inline(always)]
            fn andnot(self, other: Self) -> Self {
                Simd128(v128_andnot(self.0, other.0))
            }
            #[inline(always)]
            fn eq(self, other: Self) -> Self {
                Simd128(u8x16_eq(self.0, other.0))
            }
            #[inline(always)]
            fn shr4(self) -> Self {
                Simd128(u16x8_shr(self.0, 4))
            }
            #[inline(always)]
            fn lookup(self, index: Self) -> Self {
                Simd128(u8x16_swizzle(self.0, index.0))
            }
            #[inline(always)]
            fn mask(self) -> u16 {
                u8x16_bitmask(self.0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::xorshift;

    #[test]
    fn lines() {
        let p = Prefilter::new(&[139, 445]);
        let cases: [(&str, bool); 26] = [
            ("1709028000\tC1\t10.0.0.1\t50100\t8.8.8.8\t445\ttcp", true),
            ("1709028000\tC1\t10.0.0.1\t50100\t8.8.8.8\t443\ttcp", false),
            ("1709028445.1\tC1445\t10.0.0.1\t14450\t8.8.8.8\t443", false),
            ("445", true),
            ("x445", true),
            ("4450", false),
            ("0445", false),
            ("172.31.16.139 203.0.113.12", false),
            ("10.0.139.7:445", true),
            ("2020-08-01 05:52:25.139", false),
            ("445.0", true),
            ("dpt=139 ", true),
            ("outside:203.0.113.9/445 (203.0.113.9/445)", true),
            (r#"{"dest_port":445,"src_ip":"10.0.0.1"}"#, true),
            (r#"{"dest_port":443,"src_ip":"10.0.0.1"}"#, false),
            (r#"  {"All_Traffic.dest_port":"443"}"#, false),
            ("src_ip,dest_ip,dest_port", true),
            ("version account-id interface-id srcaddr dstaddr", true),
            ("All_Traffic.src_ip,All_Traffic.dest_port", true),
            ("app=MS-DS-SMB dport=8080", true),
            ("service=CIFS", true),
            ("microsoft-ds", true),
            ("Netbios-SSN", true),
            ("netbios", false),
            ("#fields\tts", true),
            ("", false),
        ];
        for (line, expected) in cases {
            assert_eq!(p.may_hold_smb(line.as_bytes()), expected, "{line:?}");
        }
    }

    #[test]
    fn configured_ports() {
        let p = Prefilter::new(&[7, 1445]);
        assert!(p.may_hold_smb(b"dport=7;"));
        assert!(!p.may_hold_smb(b"dport=77"));
        assert!(p.may_hold_smb(b"dport=1445"));
        assert!(!p.may_hold_smb(b"dport=445"));
    }

    /// The block version of `skippable` agrees with the line-at-a-time one on random
    /// text made of the pieces that matter: line ends, JSON braces, headers, ports,
    /// names, and filler.
    #[test]
    fn skippable_blocks_agree_with_lines() {
        let pieces: [&[u8]; 21] = [
            b"\n",
            b"\n",
            b"{",
            b"}",
            b"}\n{",
            b"#",
            b" ",
            b"445",
            b"1445",
            b"139",
            b"SMB",
            b"src_ip",
            b"abc",
            b"12",
            b"\xC3\xA9",
            b"\r\n",
            b"\r",
            b"\0",
            b"Microsoft-DS",
            b"c_d",
            b"3389",
        ];
        let prefilters = [Prefilter::new(&[139, 445]), many_ports()];
        let mut next = xorshift(0x2545_F491_4F6C_DD1D);
        for _ in 0..20_000 {
            let len = next() % 60;
            let mut text = Vec::new();
            for _ in 0..len {
                let weights = next() % 100;
                let piece = if weights < 60 {
                    b"abcdefgh01"
                } else {
                    pieces[next() % pieces.len()]
                };
                text.extend_from_slice(piece);
            }
            let modes = [Mode::Text, Mode::Rows, Mode::Json];
            for (p, mode) in prefilters.iter().flat_map(|p| modes.map(|m| (p, m))) {
                let expected = if starts_plain(&text, mode) {
                    p.skippable_lines(&text, mode)
                } else {
                    (0, 0)
                };
                assert_eq!(
                    p.skippable(&text, mode),
                    expected,
                    "{mode:?} {:?}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
    }

    /// Calls `check` where a head starts, in either case.
    fn reference(heads: &Heads, line: &[u8], check: &mut dyn FnMut(usize) -> bool) -> bool {
        let found = |at: usize| {
            let window = line.get(at..at + 3).unwrap_or_default();
            heads.three.iter().any(|h| window.eq_ignore_ascii_case(h))
        };
        (0..line.len()).any(|at| found(at) && check(at))
    }

    /// The automaton finds heads exactly where they are, in either case, on random
    /// text made of heads, near misses and filler, for several port sets (more ports
    /// than the automaton holds leave it out), and at every offset of lines of every
    /// length up to 70.
    #[test]
    fn automaton_agrees_with_plain() {
        let pieces: [&[u8]; 12] = [
            b"44",
            b"5",
            b"139",
            b"SMB",
            b"sm",
            b"CiF",
            b"microsoft",
            b"net",
            b"src_",
            b"\x13",
            b"\0",
            b"\xC3\xA9",
        ];
        let many: Vec<u16> = (100..130).map(|i| i * 10).collect();
        for ports in [&[139, 445][..], &[445, 8445, 1139], &many] {
            let p = Prefilter::new(ports);
            assert_eq!(p.lines.automaton.is_none(), ports.len() > 3, "{ports:?}");
            let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
            for _ in 0..5_000 {
                let mut line = Vec::new();
                for _ in 0..next() % 40 {
                    let piece = match next() % 3 {
                        0 => &b"a,1\":"[..],
                        _ => pieces[next() % 12],
                    };
                    line.extend_from_slice(piece);
                }
                for heads in [&p.rows, &p.lines] {
                    let Some(automaton) = &heads.automaton else {
                        continue;
                    };
                    let (mut found, mut want) = (Vec::new(), Vec::new());
                    let stop = next().is_multiple_of(3);
                    let found_any = automaton.search(&line, &mut |i| {
                        found.push(i);
                        stop
                    });
                    let want_any = reference(heads, &line, &mut |i| {
                        want.push(i);
                        stop
                    });
                    let text = String::from_utf8_lossy(&line);
                    assert_eq!((found_any, found), (want_any, want), "{text:?}");
                }
            }
        }
        let p = Prefilter::new(&[139, 445]);
        let automaton = p.lines.automaton.as_ref().unwrap();
        for len in 0..70 {
            for needle in ["445", "SmB", "cifs", "1445", "44", "netbios-ssn", "139"] {
                for at in 0..=len {
                    let mut line = vec![b'.'; len];
                    line.splice(at..at, needle.bytes());
                    let (mut found, mut want) = (Vec::new(), Vec::new());
                    automaton.search(&line, &mut |i| {
                        found.push(i);
                        false
                    });
                    reference(&p.lines, &line, &mut |i| {
                        want.push(i);
                        false
                    });
                    assert_eq!(found, want, "{:?}", String::from_utf8_lossy(&line));
                }
            }
        }
    }

    /// Every offset of a head, in lines of every length around the block size, is
    /// found by the block search exactly where the plain search finds it (the block
    /// search may offer more offsets when heads share a bucket; the whole-pattern check
    /// turns those down, and here the exact head check does).
    #[test]
    fn block_search_agrees_with_plain() {
        let needles = [
            "445",
            "SmB",
            "cifs",
            "1445",
            "44",
            "netbios-ssn",
            "139",
            "Microsoft-DS",
            "src_ip",
            "SRCADDR",
            "all_traffic",
            "c_d",
            "3389",
        ];
        for p in [Prefilter::new(&[139, 445]), many_ports()] {
            for len in 0..70 {
                for needle in needles {
                    for at in 0..=len {
                        block_search_agrees_at(&p, len, needle, at);
                    }
                }
            }
        }
    }

    /// A prefilter with more heads than buckets.
    fn many_ports() -> Prefilter {
        Prefilter::new(&[139, 445, 135, 137, 138, 1445, 2049, 3389, 8445, 111, 993])
    }

    fn block_search_agrees_at(p: &Prefilter, len: usize, needle: &str, at: usize) {
        let mut line = vec![b'.'; len];
        line.splice(at..at, needle.bytes());
        let mut seen_block = Vec::new();
        let mut seen_plain = Vec::new();
        let exact = |i: usize| {
            let window = line.get(i..i + 3).unwrap_or_default();
            p.lines.three.iter().any(|h| window.eq_ignore_ascii_case(h))
        };
        search(&p.lines, &line, &mut |i| {
            if exact(i) {
                seen_block.push(i);
            }
            false
        });
        search_scalar(&p.lines, &line, &mut |i| {
            seen_plain.push(i);
            false
        });
        assert_eq!(
            seen_block,
            seen_plain,
            "{:?}",
            String::from_utf8_lossy(&line)
        );
    }
}
