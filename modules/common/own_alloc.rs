// SPDX-License-Identifier: GPL-2.0

//! Kernel errors and allocations for a kernel crate without `kvec` (Linux
//! 6.1; see `mod.rs`): the names and calls of today's kernel crate, over
//! `core`, `alloc` and C symbols.
//!
//! The kernel crate of 6.1 has `alloc`'s `Vec` (whose infallible `push`
//! would shadow the `push(value, flags)` of today's `KVec`) and `Box`
//! (without a fallible constructor), and an `Error` that can only hold
//! `ENOMEM`. So this file has its own [`Error`], a [`KVec`] with today's
//! fallible `push(value, GFP_KERNEL)`, and [`Flags`]. Every allocation goes
//! through the kernel crate's global allocator, `krealloc()` with
//! `GFP_KERNEL`, whatever flags are given: `GFP_KERNEL` is the only flag
//! defined here. (That `alloc` is built without the infallible allocating
//! calls: `KVec` is over its `try_push` and `try_reserve`.)

use core::{
    alloc::Layout,
    ffi::c_int,
    fmt,
    ops::{Deref, DerefMut},
    pin::Pin,
    ptr::NonNull,
};

pub(crate) use alloc::boxed::Box as KBox;
use alloc::{collections::TryReserveError, vec::Vec};

/// The largest errno (`MAX_ERRNO` of `include/linux/err.h`).
const MAX_ERRNO: c_int = 4095;

/// A kernel error code.
///
/// # Invariants
///
/// The value is a negative errno: `-MAX_ERRNO <= value < 0`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Error(c_int);

impl Error {
    /// The error for a negative errno `errno`, `EINVAL` for any other value
    /// (as `Error::from_errno` of later kernel crates).
    pub(crate) fn from_errno(errno: c_int) -> Error {
        if (-MAX_ERRNO..0).contains(&errno) {
            // INVARIANT: checked just above.
            Error(errno)
        } else {
            code::EINVAL
        }
    }

    /// The negative errno, as C returns it.
    pub(crate) fn to_errno(self) -> c_int {
        self.0
    }
}

/// The error codes the workspace's modules return.
pub(crate) mod code {
    use super::Error;

    macro_rules! declare_err {
        ($($name:ident),* $(,)?) => {
            $(
                #[doc = concat!("`", stringify!($name), "` of `include/uapi/asm-generic/errno*.h`.")]
                // INVARIANT: errno constants are within `1..=MAX_ERRNO`.
                pub(crate) const $name: Error = Error(-(kernel::bindings::$name as core::ffi::c_int));
            )*
        };
    }

    declare_err!(EFAULT, EINVAL, ENOMEM, ENOSPC, ENOTTY);
}

/// `Result` with the kernel [`Error`].
pub(crate) type Result<T = (), E = Error> = core::result::Result<T, E>;

/// `Ok(())` for a C return value that is not negative, else its error.
pub(crate) fn to_result(err: c_int) -> Result {
    if err < 0 {
        Err(Error::from_errno(err))
    } else {
        Ok(())
    }
}

/// An allocation failed (`kernel::alloc::AllocError`); `ENOMEM` as an
/// [`Error`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct AllocError;

impl From<AllocError> for Error {
    fn from(_: AllocError) -> Error {
        code::ENOMEM
    }
}

impl From<TryReserveError> for AllocError {
    fn from(_: TryReserveError) -> AllocError {
        AllocError
    }
}

/// Allocation flags (`gfp_t`); see the module docs: only `GFP_KERNEL`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flags(());

/// `GFP_KERNEL`: an allocation that may sleep, of normal priority.
pub(crate) const GFP_KERNEL: Flags = Flags(());

/// A vector in kernel memory with today's fallible API: every call that may
/// allocate takes [`Flags`] and returns an [`AllocError`] when it fails.
pub(crate) struct KVec<T>(Vec<T>);

impl<T> KVec<T> {
    /// An empty vector; allocates nothing.
    pub(crate) const fn new() -> Self {
        Self(Vec::new())
    }

    /// Makes room for `additional` more elements.
    pub(crate) fn reserve(&mut self, additional: usize, _flags: Flags) -> Result<(), AllocError> {
        Ok(self.0.try_reserve(additional)?)
    }

    /// Appends `v`, allocating if the vector is full.
    pub(crate) fn push(&mut self, v: T, _flags: Flags) -> Result<(), AllocError> {
        Ok(self.0.try_push(v)?)
    }
}

impl<T> Deref for KVec<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> DerefMut for KVec<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for KVec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Moves `value` into a new kernel allocation, pinned there; `ENOMEM` if
/// the allocation fails (`KBox::pin(value, GFP_KERNEL)` of today).
///
/// `alloc`'s fallible `Box::try_new` is unstable in 6.1, and modules may only
/// use the `core_ffi_c` feature: this allocates through the global
/// allocator (the kernel crate's, `krealloc()` with `GFP_KERNEL`) instead.
pub(crate) fn try_pin_box<T>(value: T) -> Result<Pin<KBox<T>>> {
    let layout = Layout::new::<T>();
    let ptr = if layout.size() == 0 {
        NonNull::<T>::dangling().as_ptr()
    } else {
        // SAFETY: `layout` has a non-zero size.
        let ptr = unsafe { alloc::alloc::alloc(layout) }.cast::<T>();
        if ptr.is_null() {
            return Err(code::ENOMEM);
        }
        ptr
    };
    // SAFETY: `ptr` is valid for writes of a `T` and aligned for it: it was
    // allocated with `T`'s layout (or is dangling, for a zero-sized `T`).
    unsafe { ptr.write(value) };
    // SAFETY: `ptr` holds a `T` in memory allocated by the global allocator
    // with `T`'s layout (or is dangling for a zero-sized `T`), which is what
    // `Box::from_raw` requires; nothing else owns it.
    let boxed = unsafe { KBox::from_raw(ptr) };
    Ok(Pin::from(boxed))
}
