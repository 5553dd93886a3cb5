//! The module's memory allocator: dlmalloc, as the standard library uses on
//! wasm32-unknown-unknown, over a system layer that grows the linear memory in steps
//! that grow with it.
//!
//! The standard library's layer grows the memory by what each request needs, 64 KiB at
//! a time, and in the JS engines every `memory.grow` is a slow call into the runtime
//! (about a millisecond in Node 20, garbage collection included): a run that keeps
//! 170 MiB of findings made 2,700 of them and spent more time growing than analyzing.
//! Here a step is at least a sixteenth of the current memory, so the same run grows
//! the memory about 80 times, and the memory holds at most a sixteenth more than the
//! allocator asked for.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr;

use dlmalloc::Dlmalloc;

/// The size of a wasm page.
const PAGE: usize = 64 * 1024;

/// The smallest step, in pages (1 MiB).
const MIN_STEP_PAGES: usize = 16;

/// How many pages to grow a memory of `current` pages by when the allocator needs
/// `needed` more: what is needed, and at least a sixteenth of the memory or 1 MiB.
pub fn step_pages(needed: usize, current: usize) -> usize {
    needed.max(current / 16).max(MIN_STEP_PAGES)
}

/// Memory from `memory.grow`, in growing steps. Nothing is ever given back: a wasm
/// memory cannot shrink.
struct GrowingMemory;

impl GrowingMemory {
    /// Grows the memory by `pages`; the start of the new pages, or `None`.
    fn grow(pages: usize) -> Option<*mut u8> {
        let previous = wasm32::memory_grow(0, pages);
        (previous != usize::MAX).then(|| (previous * PAGE) as *mut u8)
    }
}

// SAFETY: the regions handed out are fresh pages of the linear memory, never handed out
// twice, and zeroed as every new wasm page is.
unsafe impl dlmalloc::Allocator for GrowingMemory {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        let needed = size.div_ceil(PAGE);
        let step = step_pages(needed, wasm32::memory_size(0));
        let grown = Self::grow(step).map(|base| (base, step));
        match grown.or_else(|| Self::grow(needed).map(|base| (base, needed))) {
            Some((base, pages)) => (base, pages * PAGE, 0),
            None => (ptr::null_mut(), 0, 0),
        }
    }

    fn remap(&self, _ptr: *mut u8, _old: usize, _new: usize, _can_move: bool) -> *mut u8 {
        ptr::null_mut()
    }

    fn free_part(&self, _ptr: *mut u8, _old: usize, _new: usize) -> bool {
        false
    }

    fn free(&self, _ptr: *mut u8, _size: usize) -> bool {
        false
    }

    fn can_release_part(&self, _flags: u32) -> bool {
        false
    }

    fn allocates_zeros(&self) -> bool {
        true
    }

    fn page_size(&self) -> usize {
        PAGE
    }
}

#[cfg(target_feature = "atomics")]
compile_error!("the allocator in src/wasm/alloc.rs serves one thread; build without atomics");

/// The global allocator.
struct Global(UnsafeCell<Dlmalloc<GrowingMemory>>);

// SAFETY: wasm32-unknown-unknown without the atomics feature has one thread, so the
// allocator is never used from two at once.
unsafe impl Sync for Global {}

#[global_allocator]
static GLOBAL: Global = Global(UnsafeCell::new(Dlmalloc::new_with_allocator(GrowingMemory)));

// SAFETY: each call forwards to dlmalloc with the layout the caller gave, on the one
// thread there is. Never inlined: inlined at every drop, dlmalloc added 45 KB of code.
unsafe impl GlobalAlloc for Global {
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { (*self.0.get()).malloc(layout.size(), layout.align()) }
    }

    #[inline(never)]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { (*self.0.get()).calloc(layout.size(), layout.align()) }
    }

    #[inline(never)]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { (*self.0.get()).free(ptr, layout.size(), layout.align()) }
    }

    #[inline(never)]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { (*self.0.get()).realloc(ptr, layout.size(), layout.align(), new_size) }
    }
}
