// SPDX-License-Identifier: GPL-2.0

//! The device's behaviour: one byte store shared by every open file.
//!
//! The store holds up to [`CAPACITY`] bytes, of which the first `len` are
//! data. One mutex guards it, and every operation takes it once, so each
//! operation is atomic with respect to the others. All of it is safe Rust;
//! the kernel interfaces are in [`crate::miscdev`] and [`crate::compat`].

#[cfg(ws_has_lock_init)]
use crate::compat::zeroed;
#[cfg(not(ws_has_lock_init))]
use crate::compat::zeroed_buffer;
use crate::{
    bindings,
    common::prelude::*,
    compat::{new_mutex, Buffer, Mutex, UserPtr, UserSlice, UserSliceReader, UserSliceWriter},
    operations::{Operations, Whence},
};
use core::cmp::{max, min};

/// Bytes the device can hold (`RUST_MISC_CAPACITY` of `rust_misc.h`).
pub(crate) const CAPACITY: usize = bindings::RUST_MISC_CAPACITY as usize;

/// What the mutex guards.
struct Contents {
    /// `CAPACITY` bytes; those at and after `len` are always zero.
    data: Buffer<CAPACITY>,
    /// Where a write's user bytes land first, so that a fault while copying
    /// them stores nothing.
    staging: Buffer<CAPACITY>,
    /// Length of the data.
    len: usize,
    /// Counters reported by `RUST_MISC_GET_STATS`.
    stats: bindings::rust_misc_stats,
}

/// The byte store behind `/dev/rust-misc`.
///
/// Where the kernel crate's mutex is built in place (`lock_init`, 7.x), the
/// mutex and the buffers it guards are part of the store, and its owner
/// makes one allocation for all of it (`device.rs`: the `Arc`), as the C
/// twin does for its state: one allocation to make at load and free at
/// unload, and one object, without pointers to follow, for every call.
#[cfg(ws_has_lock_init)]
#[pin_data]
pub(crate) struct Store {
    #[pin]
    contents: Mutex<Contents>,
}

/// The byte store behind `/dev/rust-misc`.
///
/// Without `lock_init`, a mutex is made from a value: the mutex is pinned
/// in an allocation of its own and each buffer in its own (an 8 KB value
/// would be moved through the stack).
#[cfg(not(ws_has_lock_init))]
pub(crate) struct Store {
    contents: Pin<KBox<Mutex<Contents>>>,
}

impl Store {
    /// An empty store, built in place by the caller's allocation.
    #[cfg(ws_has_lock_init)]
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            contents <- new_mutex!(
                init!(Contents {
                    data <- zeroed(),
                    staging <- zeroed(),
                    len: 0,
                    stats: Default::default(),
                }),
                "Store::contents"
            ),
        })
    }

    /// An empty store; allocates its two buffers and its mutex.
    #[cfg(not(ws_has_lock_init))]
    pub(crate) fn new() -> Result<Self> {
        let contents = Contents {
            data: zeroed_buffer::<CAPACITY>()?,
            staging: zeroed_buffer::<CAPACITY>()?,
            len: 0,
            stats: Default::default(),
        };
        Ok(Self {
            contents: new_mutex!(contents, "Store::contents")?,
        })
    }
}

/// A file position as an index into the store; positions cannot be negative.
fn index(pos: i64) -> Result<usize> {
    usize::try_from(pos).map_err(|_| EINVAL)
}

/// Counts `n` into a statistics counter (bytes, or one open), saturating:
/// no overflow check, so no panic path (and no import of the panic
/// function the module would otherwise resolve at every load).
///
/// `#[inline]`: the module is compiled as a library (an rlib), where the
/// `#[inline]` methods of a trait impl count as reachable from other
/// crates, and so does every function they call: without it the `.ko`
/// keeps an out-of-line copy of this one that nothing calls.
#[inline]
fn count(counter: &mut u64, n: usize) {
    *counter = counter.saturating_add(n as u64);
}

// `#[inline]` on each method: each has one caller, its file operation in
// miscdev.rs, and at the kernel's `-Copt-level=s` (a kernel optimized for
// size, as the workspace's is) the compiler would otherwise keep it out of
// line, one more call per system call (docs/bench.md).
impl Operations for Store {
    #[inline]
    fn open(&self) -> Result {
        count(&mut self.contents.lock().stats.opens, 1);
        Ok(())
    }

    /// Reading at `p` gives nothing at or after the end of the data, else
    /// up to the end of the data.
    #[inline]
    fn read(&self, pos: &mut i64, mut out: UserSliceWriter) -> Result<usize> {
        let mut guard = self.contents.lock();
        let contents = &mut *guard;
        let p = index(*pos)?;
        // The data ends at `len`, never past `CAPACITY`: the `min` says so
        // to the compiler (one conditional move). Nothing at or after the
        // end.
        let end = min(contents.len, CAPACITY);
        if p >= end {
            return Ok(0);
        }
        // Where the buffer is an array (`Buffer`), the compiler knows that
        // `p..end` lies within it and drops this check, as C has none.
        let rest = match contents.data.get(p..end) {
            Some(rest) => rest,
            None => return Ok(0),
        };
        let chunk = &rest[..min(out.len(), rest.len())];
        // A fault returns EFAULT here, before the position or the counters
        // change.
        out.write_slice(chunk)?;
        count(&mut contents.stats.bytes_read, chunk.len());
        // At most `contents.len`: no overflow.
        *pos = (p + chunk.len()) as i64;
        Ok(chunk.len())
    }

    /// Writing at `p` (or at the end of the data when appending) stores what
    /// fits below `CAPACITY`, zero-fills any gap after the old end, and may
    /// extend the data. Nothing fits at or past `CAPACITY`: `ENOSPC`.
    #[inline]
    fn write(&self, pos: &mut i64, append: bool, mut input: UserSliceReader) -> Result<usize> {
        let mut guard = self.contents.lock();
        let contents = &mut *guard;
        let p = if append { contents.len } else { index(*pos)? };
        if input.is_empty() {
            return Ok(0);
        }
        if p >= CAPACITY {
            return Err(ENOSPC);
        }
        let n = min(input.len(), CAPACITY - p);
        // Copy from userspace before touching the data: on EFAULT the store
        // is unchanged.
        input.read_slice(&mut contents.staging[..n])?;
        if p > contents.len {
            contents.data[contents.len..p].fill(0);
        }
        contents.data[p..p + n].copy_from_slice(&contents.staging[..n]);
        contents.len = max(contents.len, p + n);
        count(&mut contents.stats.bytes_written, n);
        *pos = (p + n) as i64;
        Ok(n)
    }

    /// The new position is `offset` from the start, the current position or
    /// the end of the data, and must lie within `[0, CAPACITY]`.
    #[inline]
    fn seek(&self, pos: i64, offset: i64, whence: Whence) -> Result<i64> {
        let base = match whence {
            Whence::Set => 0,
            Whence::Cur => pos,
            Whence::End => self.contents.lock().len as i64,
        };
        match base.checked_add(offset) {
            Some(new) if (0..=CAPACITY as i64).contains(&new) => Ok(new),
            _ => Err(EINVAL),
        }
    }

    #[inline]
    fn ioctl(&self, cmd: u32, arg: UserPtr) -> Result<isize> {
        match cmd {
            bindings::RUST_MISC_IOCTL_GET_LEN => {
                let len = self.contents.lock().len as u64;
                UserSlice::new(arg, core::mem::size_of::<u64>())
                    .writer()
                    .write(&len)?;
            }
            bindings::RUST_MISC_IOCTL_CLEAR => {
                let mut contents = self.contents.lock();
                contents.data.fill(0);
                contents.len = 0;
            }
            bindings::RUST_MISC_IOCTL_GET_STATS => {
                let stats = self.contents.lock().stats;
                UserSlice::new(arg, core::mem::size_of::<bindings::rust_misc_stats>())
                    .writer()
                    .write(&stats)?;
            }
            _ => return Err(ENOTTY),
        }
        Ok(0)
    }
}
