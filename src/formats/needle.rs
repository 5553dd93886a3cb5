//! Byte strings looked for in every line a format's detection reads.

use std::sync::OnceLock;

use memchr::memmem::Finder;

/// A byte string to look for, with its searcher built once, on first use.
/// `memmem::find` builds a searcher on every call and `str::contains` runs a general
/// two-way search; both showed in profiles of the detection, which asks several formats
/// in turn about every line it reads.
pub(crate) struct Needle {
    bytes: &'static [u8],
    finder: OnceLock<Finder<'static>>,
}

impl Needle {
    pub(crate) const fn new(bytes: &'static [u8]) -> Needle {
        Needle {
            bytes,
            finder: OnceLock::new(),
        }
    }

    /// The byte offset of the first occurrence in `haystack`.
    pub(crate) fn find(&self, haystack: &[u8]) -> Option<usize> {
        self.finder().find(haystack)
    }

    /// Whether `haystack` holds it.
    pub(crate) fn is_in(&self, haystack: &[u8]) -> bool {
        self.find(haystack).is_some()
    }

    /// The byte offsets of every occurrence in `haystack`, overlapping ones excepted.
    pub(crate) fn find_iter<'h>(&'h self, haystack: &'h [u8]) -> impl Iterator<Item = usize> + 'h {
        self.finder().find_iter(haystack)
    }

    fn finder(&self) -> &Finder<'static> {
        self.finder.get_or_init(|| Finder::new(self.bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_as_a_plain_search_does() {
        static NEEDLE: Needle = Needle::new(b"IN=");
        for hay in ["", "IN", "IN=", "xIN=yIN=", "in=", "IN=IN="] {
            let plain: Vec<usize> = (0..hay.len())
                .filter(|&i| hay[i..].starts_with("IN="))
                .collect();
            assert_eq!(
                NEEDLE.find_iter(hay.as_bytes()).collect::<Vec<_>>(),
                plain,
                "{hay}"
            );
            assert_eq!(NEEDLE.find(hay.as_bytes()), plain.first().copied(), "{hay}");
            assert_eq!(NEEDLE.is_in(hay.as_bytes()), !plain.is_empty(), "{hay}");
        }
    }
}
