//! The server's memory allocator: mimalloc, for the server binary (`main.rs`).
//!
//! Two things are asked of the allocator. The dataset's columns are chunks of 16 to 1,000 KB
//! (docs/product.md §6); a write copies the chunks it changes while a reader still holds them,
//! and the old copies are freed when the last reader lets go, so freed memory must go back to the
//! system or the server's resident memory grows to the high-water mark of every chunk ever
//! copied. And a page render or an ingested batch makes hundreds of thousands of small
//! allocations across threads. glibc's allocator did the first only when told to map every block
//! from 64 KB on by itself (each such block then cost a `mmap` and a `munmap`), and spent about a
//! third of a page render's time in `malloc` and `free` (`perf` on `wrk` against the overview,
//! 2026-12-03). mimalloc returns freed pages to the system on its own (after a short delay) and
//! allocates from per-thread heaps without locks. The figures before and after are in the README
//! ("The overview page", "The live engine").

/// The allocator of the server binary; tests and benchmarks keep the system's.
pub type Allocator = mimalloc::MiMalloc;
