//! How the server asks the C allocator (glibc's, on Linux) to give memory back.
//!
//! The dataset's columns are chunks of 16 to 1,000 KB (docs/product.md §6). A write copies the
//! chunks it changes when a reader still holds them, and the old copies are freed when the last
//! reader lets go. By default glibc keeps such freed blocks in its heaps (it raises its mapping
//! threshold each time a mapped block is freed, up to 32 MB), so the server's resident memory
//! would grow to the high-water mark of every chunk ever copied. A fixed threshold maps every
//! block from 64 KB on by itself and unmaps it when freed; fewer arenas keep fewer heaps around.

/// Applies the allocator settings; call it first thing in `main`, before any thread starts.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's parameters; it is called before any other
    // thread exists, as glibc asks.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}
