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
//! The search runs 16 bytes at a time (SSE2 on x86-64, SIMD128 in WebAssembly built
//! with `+simd128`, plain code elsewhere): each pattern's first three bytes, case-folded,
//! are compared at every offset of the block at once, and only where one of them
//! matches is the whole pattern checked. JSON lines, and rows under a Zeek layout, are
//! searched for the ports and SMB names only. A match is only a hint (`smbios` holds `smb`):
//! the line is then parsed and judged as usual.

/// SMB application names, lower case: any of them makes a line worth parsing.
const SMB_WORDS: [&[u8]; 4] = [b"smb", b"cifs", b"microsoft-ds", b"netbios-ssn"];

/// Words of the CSV header lines that give a layout (CIM exports, AWS VPC custom layouts).
const HEADER_WORDS: [&[u8]; 3] = [b"src_ip", b"srcaddr", b"all_traffic"];

/// One thing to look for.
#[derive(Clone, Debug)]
struct Pattern {
    /// Lower case bytes.
    bytes: Vec<u8>,
    kind: Kind,
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

/// The distinct first three bytes of some patterns, compared block-wise.
#[derive(Clone, Debug)]
struct Heads {
    three: Vec<[u8; 3]>,
    /// Whether a pattern is shorter than three bytes (a port under 100): lines are
    /// then checked at every offset.
    short: bool,
    /// The heads as an automaton, for targets without a block search; `None` when
    /// there are too many heads for it.
    #[cfg_attr(
        any(
            target_arch = "x86_64",
            all(target_arch = "wasm32", target_feature = "simd128")
        ),
        allow(dead_code)
    )]
    automaton: Option<Automaton>,
}

impl Heads {
    fn new<'a>(patterns: impl Iterator<Item = &'a Pattern>) -> Heads {
        let mut three = Vec::new();
        let mut short = false;
        for p in patterns {
            match p.bytes[..] {
                [a, b, c, ..] => three.push([a, b, c]),
                _ => short = true,
            }
        }
        three.sort();
        three.dedup();
        // Only targets without a block search use the automaton (and the tests).
        let blockless = cfg!(not(any(
            target_arch = "x86_64",
            all(target_arch = "wasm32", target_feature = "simd128")
        )));
        let automaton = (blockless || cfg!(test))
            .then(|| Automaton::new(&three))
            .flatten();
        Heads {
            three,
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
#[cfg_attr(
    any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128")
    ),
    allow(dead_code)
)]
struct Automaton {
    /// For each byte, the state bits it may set: bit `3 * i + j` when the byte is byte
    /// `j` of head `i`, in either case.
    next: Box<[u64; 256]>,
    /// The first bit of each head.
    starts: u64,
    /// The last bit of each head.
    ends: u64,
}

#[cfg_attr(
    any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128")
    ),
    allow(dead_code)
)]
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

impl Prefilter {
    /// A prefilter for the given ports.
    pub fn new(ports: &[u16]) -> Prefilter {
        let mut patterns: Vec<Pattern> = ports
            .iter()
            .map(|p| Pattern {
                bytes: p.to_string().into_bytes(),
                kind: Kind::Port,
            })
            .collect();
        for (words, kind) in [(&SMB_WORDS[..], Kind::Word), (&HEADER_WORDS, Kind::Header)] {
            patterns.extend(words.iter().map(|w| Pattern {
                bytes: w.to_vec(),
                kind,
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
        // Without a block scanner for the target, only the line-at-a-time path is left.
        #[cfg_attr(
            not(any(
                target_arch = "x86_64",
                all(target_arch = "wasm32", target_feature = "simd128")
            )),
            allow(unused_variables)
        )]
        let heads = if mode == Mode::Text {
            &self.lines
        } else {
            &self.rows
        };
        if !starts_plain(bytes, mode) {
            return (0, 0);
        }
        #[cfg_attr(
            not(any(
                target_arch = "x86_64",
                all(target_arch = "wasm32", target_feature = "simd128")
            )),
            allow(unused_variables)
        )]
        let verify = &mut |at| self.matches_at(bytes, at, mode == Mode::Text);
        #[cfg(target_arch = "x86_64")]
        if !heads.short {
            return blocks::skippable::<blocks::Sse2>(&heads.three, bytes, mode, verify);
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        if !heads.short {
            return blocks::skippable::<blocks::Simd128>(&heads.three, bytes, mode, verify);
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

    /// Whether a whole pattern starts at `at`.
    fn matches_at(&self, line: &[u8], at: usize, headers: bool) -> bool {
        self.patterns.iter().any(|p| {
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
    if heads.short {
        return search_scalar(heads, line, check);
    }
    #[cfg(target_arch = "x86_64")]
    return blocks::search::<blocks::Sse2>(&heads.three, line, check);
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return blocks::search::<blocks::Simd128>(&heads.three, line, check);
    #[allow(unreachable_code)]
    match &heads.automaton {
        Some(automaton) => automaton.search(line, check),
        None => search_scalar(heads, line, check),
    }
}

/// Case-folds a byte the way the block search does: letters to lower case. Other bytes
/// may fold onto a pattern byte too (a control byte onto a digit); the whole-pattern
/// check rejects those.
fn fold(b: u8) -> u8 {
    b | 0x20
}

/// The plain search: the reference the block search and the automaton must agree with.
fn search_scalar(heads: &Heads, line: &[u8], check: &mut dyn FnMut(usize) -> bool) -> bool {
    if heads.short {
        return (0..line.len()).any(check);
    }
    (0..line.len()).any(|at| {
        let window = [0, 1, 2].map(|i| line.get(at + i).map_or(0, |&b| fold(b)));
        heads.three.contains(&window) && check(at)
    })
}

#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
mod blocks {
    //! The block search, over 16-lane byte vectors, one implementation per
    //! instruction set.

    use super::{Mode, fold};

    /// Bytes of a block: 16, the width of one SIMD register.
    const BLOCK: usize = 16;

    /// Heads compared together in one pass over the line.
    const GROUP: usize = 8;

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
        /// All ones in lanes less than `other`'s, as signed bytes.
        fn lt(self, other: Self) -> Self;
        /// One bit per lane, from its top bit.
        fn mask(self) -> u16;
    }

    /// Calls `check` where a head matches, heads taken eight at a time (the last group
    /// padded with repeats).
    pub fn search<V: Lanes>(
        heads: &[[u8; 3]],
        line: &[u8],
        check: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        heads.chunks(GROUP).any(|group| {
            let splats: [[V; 3]; GROUP] =
                std::array::from_fn(|i| group[i.min(group.len() - 1)].map(V::splat));
            search_group(&splats, line, check)
        })
    }

    #[inline(always)]
    fn search_group<V: Lanes>(
        heads: &[[V; 3]; GROUP],
        line: &[u8],
        check: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        let mut start = 0;
        while start + BLOCK + 2 <= line.len() {
            let mask = block_mask(heads, &line[start..start + BLOCK + 2]);
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
        let valid = (1u32 << (line.len() - start).min(BLOCK)) - 1;
        let mask = block_mask(heads, &tail) & valid as u16;
        mask != 0 && hits(mask, start, check)
    }

    /// The lanes (offsets 0 to 15) where a head (splats of its three bytes) matches in
    /// `bytes` (18 bytes).
    #[inline(always)]
    fn block_mask<V: Lanes>(heads: &[[V; 3]; GROUP], bytes: &[u8]) -> u16 {
        head_mask(heads, &[0, 1, 2].map(|i| V::load(bytes, i)))
    }

    /// The lanes where a head matches, given the block loaded at offsets 0, 1 and 2.
    #[inline(always)]
    fn head_mask<V: Lanes, const N: usize>(heads: &[[V; 3]; N], raw: &[V; 3]) -> u16 {
        head_lanes(heads, raw).mask()
    }

    /// [`head_mask`] as a vector: all ones in the lanes where a head matches.
    #[inline(always)]
    fn head_lanes<V: Lanes, const N: usize>(heads: &[[V; 3]; N], raw: &[V; 3]) -> V {
        let case = V::splat(fold(0));
        let at = raw.map(|v| v.or(case));
        let mut any = V::splat(0);
        for [a, b, c] in heads {
            any = any.or(at[0].eq(*a).and(at[1].eq(*b)).and(at[2].eq(*c)));
        }
        any
    }

    /// [`super::Prefilter::skippable`] over blocks, for a line start at `bytes[0]`
    /// that [`super::starts_plain`] accepted. Heads and line ends are found in the
    /// same pass; `verify` says whether a head starts a whole pattern.
    pub fn skippable<V: Lanes>(
        heads: &[[u8; 3]],
        bytes: &[u8],
        mode: Mode,
        verify: &mut dyn FnMut(usize) -> bool,
    ) -> (usize, u64) {
        match heads.len() {
            1..=6 => skippable_with::<V, 6>(heads, bytes, mode, verify),
            7..=GROUP => skippable_with::<V, GROUP>(heads, bytes, mode, verify),
            _ => (0, 0),
        }
    }

    /// [`skippable`] comparing `N` heads per block (the last repeated to fill them).
    fn skippable_with<V: Lanes, const N: usize>(
        heads: &[[u8; 3]],
        bytes: &[u8],
        mode: Mode,
        verify: &mut dyn FnMut(usize) -> bool,
    ) -> (usize, u64) {
        let splats: [[V; 3]; N] =
            std::array::from_fn(|i| heads[i.min(heads.len() - 1)].map(V::splat));
        let mut passed = Passed::default();
        let mut tail = [0u8; BLOCK + 2];
        let mut start = 0;
        while start < bytes.len() {
            let left = bytes.len() - start;
            let block = if left >= BLOCK + 2 {
                &bytes[start..start + BLOCK + 2]
            } else {
                tail.fill(0);
                tail[..left].copy_from_slice(&bytes[start..]);
                &tail[..]
            };
            let raw = [0, 1, 2].map(|i| V::load(block, i));
            let heads = head_lanes(&splats, &raw);
            let odd = odd_bytes(&raw);
            let ends = raw[1].eq(V::splat(b'\n'));
            let bad_ends = ends.and(bad_ends(mode, &raw));
            let bad_starts = ends.and(bad_starts(mode, &raw));
            let inside = lanes_below(left - 1);
            let end_mask = ends.mask() & inside;
            let alarm = heads.or(odd).or(bad_ends).or(bad_starts).mask() & lanes_below(left);
            if alarm != 0 {
                let lanes = [
                    end_mask,
                    bad_ends.mask() & inside,
                    bad_starts.mask() & inside,
                ];
                let at = [heads.mask(), odd.mask()].map(|m| m & lanes_below(left));
                if let Some(cut) = stop(at, lanes, start, passed.line_start, verify) {
                    let before_cut = lanes_below(cut.saturating_sub(start + 1));
                    return (
                        cut,
                        passed.count + u64::from((end_mask & before_cut).count_ones()),
                    );
                }
            }
            passed.block(start, end_mask);
            start += BLOCK;
        }
        (passed.line_start, passed.count)
    }

    /// The first `n` lanes of a block (all 16 when `n` is 16 or more).
    fn lanes_below(n: usize) -> u16 {
        if n >= BLOCK {
            u16::MAX
        } else {
            ((1u32 << n) - 1) as u16
        }
    }

    /// Line ends (lanes of the bytes at offset 1) after which a line starts that is
    /// not of the kind `mode` passes over (seen from the byte at offset 2).
    #[inline(always)]
    fn bad_starts<V: Lanes>(mode: Mode, raw: &[V; 3]) -> V {
        let next = raw[2];
        match mode {
            Mode::Json => V::splat(0xFF).andnot(next.eq(V::splat(b'{'))),
            _ => next
                .lt(V::splat(b'0'))
                .or(next.eq(V::splat(b'[')))
                .or(next.eq(V::splat(b']')))
                .or(next.eq(V::splat(b'{'))),
        }
    }

    /// Line ends (lanes of the bytes at offset 1) that end a line not of the kind
    /// `mode` passes over: for JSON lines, one that does not close with `}` (the byte
    /// at offset 0).
    #[inline(always)]
    fn bad_ends<V: Lanes>(mode: Mode, raw: &[V; 3]) -> V {
        match mode {
            Mode::Json => V::splat(0xFF).andnot(raw[0].eq(V::splat(b'}'))),
            _ => V::splat(0),
        }
    }

    /// Bytes (at offset 0) the reader treats specially and that make their line worth
    /// reading one at a time: a NUL, and a carriage return not followed by `\n`.
    #[inline(always)]
    fn odd_bytes<V: Lanes>(raw: &[V; 3]) -> V {
        let lone_cr = raw[0]
            .eq(V::splat(b'\r'))
            .andnot(raw[1].eq(V::splat(b'\n')));
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
    pub use sse2::Sse2;

    #[cfg(target_arch = "x86_64")]
    mod sse2 {
        use core::arch::x86_64::*;

        /// SSE2, which every x86-64 processor has.
        #[derive(Clone, Copy)]
        pub struct Sse2(__m128i);

        impl super::Lanes for Sse2 {
            #[inline(always)]
            fn load(bytes: &[u8], offset: usize) -> Self {
                assert!(bytes.len() >= offset + 16);
                // SAFETY: the assert keeps the 16 bytes read inside the slice; the load
                // is unaligned.
                Sse2(unsafe { _mm_loadu_si128(bytes.as_ptr().add(offset).cast()) })
            }
            #[inline(always)]
            fn splat(b: u8) -> Self {
                // SAFETY: SSE2 is part of the x86-64 baseline.
                Sse2(unsafe { _mm_set1_epi8(b as i8) })
            }
            #[inline(always)]
            fn or(self, other: Self) -> Self {
                // SAFETY: as above.
                Sse2(unsafe { _mm_or_si128(self.0, other.0) })
            }
            #[inline(always)]
            fn and(self, other: Self) -> Self {
                // SAFETY: as above.
                Sse2(unsafe { _mm_and_si128(self.0, other.0) })
            }
            #[inline(always)]
            fn andnot(self, other: Self) -> Self {
                // SAFETY: as above.
                Sse2(unsafe { _mm_andnot_si128(other.0, self.0) })
            }
            #[inline(always)]
            fn eq(self, other: Self) -> Self {
                // SAFETY: as above.
                Sse2(unsafe { _mm_cmpeq_epi8(self.0, other.0) })
            }
            #[inline(always)]
            fn lt(self, other: Self) -> Self {
                // SAFETY: as above.
                Sse2(unsafe { _mm_cmplt_epi8(self.0, other.0) })
            }
            #[inline(always)]
            fn mask(self) -> u16 {
                // SAFETY: as above.
                unsafe { _mm_movemask_epi8(self.0) as u16 }
            }
        }
    }

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    pub use simd128::Simd128;

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    mod simd128 {
        use core::arch::wasm32::*;

        /// WebAssembly SIMD128, when the module is built with it.
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
            fn lt(self, other: Self) -> Self {
                Simd128(i8x16_lt(self.0, other.0))
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
        let pieces: [&[u8]; 18] = [
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
        ];
        let p = Prefilter::new(&[139, 445]);
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let len = next() % 60;
            let mut text = Vec::new();
            for _ in 0..len {
                let weights = next() % 100;
                let piece = if weights < 60 {
                    b"abcdefgh01"
                } else {
                    pieces[(next() % 18) as usize]
                };
                text.extend_from_slice(piece);
            }
            for mode in [Mode::Text, Mode::Rows, Mode::Json] {
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

    /// The automaton finds heads exactly where they are, in either case, on random
    /// text made of heads, near misses and filler, for several port sets (more ports
    /// than the automaton holds leave it out), and at every offset of lines of every
    /// length up to 70.
    /// Calls `check` where a head starts, in either case.
    fn reference(heads: &Heads, line: &[u8], check: &mut dyn FnMut(usize) -> bool) -> bool {
        let found = |at: usize| {
            let window = line.get(at..at + 3).unwrap_or_default();
            heads.three.iter().any(|h| window.eq_ignore_ascii_case(h))
        };
        (0..line.len()).any(|at| found(at) && check(at))
    }

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
            let mut seed = 0x9E37_79B9_7F4A_7C15u64;
            let mut next = move || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed
            };
            for _ in 0..5_000 {
                let mut line = Vec::new();
                for _ in 0..next() % 40 {
                    let piece = match next() % 3 {
                        0 => &b"a,1\":"[..],
                        _ => pieces[(next() % 12) as usize],
                    };
                    line.extend_from_slice(piece);
                }
                for heads in [&p.rows, &p.lines] {
                    let Some(automaton) = &heads.automaton else {
                        continue;
                    };
                    let (mut found, mut want) = (Vec::new(), Vec::new());
                    let stop = next() % 3 == 0;
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

    /// Every offset of a match, in lines of every length around the block size, is
    /// found by the block search exactly where the plain search finds it.
    #[test]
    fn block_search_agrees_with_plain() {
        let p = Prefilter::new(&[139, 445]);
        let needles = ["445", "SmB", "cifs", "1445", "44", "netbios-ssn", "139"];
        for len in 0..70 {
            for needle in needles {
                for at in 0..=len {
                    let mut line = vec![b'.'; len];
                    line.splice(at..at, needle.bytes());
                    let mut seen_block = Vec::new();
                    let mut seen_plain = Vec::new();
                    search(&p.lines, &line, &mut |i| {
                        seen_block.push(i);
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
        }
    }
}
