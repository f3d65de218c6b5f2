// SPDX-License-Identifier: GPL-2.0

//! The device's kernel APIs for a kernel crate without `uaccess` and
//! `sync_mutex` (Linux 6.1, whose kernel crate has none of them): minimal
//! safe wrappers over bindings generated from KDIR's headers and over the C
//! helpers of `helpers.c` (see `../mod.rs`).

use crate::common::prelude::*;
use core::{cell::UnsafeCell, marker::PhantomPinned, mem::MaybeUninit};

mod mutex;

pub(crate) use core::ffi;
pub(crate) use mutex::{new_mutex, LockClassKey, Mutex};

/// A C object that Rust only hands to C by pointer.
///
/// It may be uninitialized, C may change it at any time, and it must not
/// move once C knows its address (it is `!Unpin`).
#[repr(transparent)]
pub(crate) struct Opaque<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    _pin: PhantomPinned,
}

impl<T> Opaque<T> {
    /// An uninitialized object, for C or a raw write to initialize.
    pub(crate) const fn uninit() -> Self {
        Self {
            value: UnsafeCell::new(MaybeUninit::uninit()),
            _pin: PhantomPinned,
        }
    }

    /// The pointer C functions take.
    pub(crate) const fn get(&self) -> *mut T {
        UnsafeCell::get(&self.value).cast::<T>()
    }
}

/// Types whose values may be copied to userspace as bytes.
///
/// # Safety
///
/// Every byte of a value of the type is initialized (no padding), and the
/// bytes reveal nothing but the value.
pub(crate) unsafe trait AsBytes {}

macro_rules! impl_as_bytes {
    ($($t:ty),*) => {
        // SAFETY: integers have no padding and every byte is part of the value.
        $(unsafe impl AsBytes for $t {})*
    };
}

impl_as_bytes!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

/// A `'static` C string: UTF-8 bytes ending with their only NUL.
///
/// # Invariants
///
/// `bytes` ends with a NUL byte and has no other.
pub(crate) struct CStr {
    bytes: &'static [u8],
}

impl CStr {
    /// The string of `s`, which must end with its only NUL; checked at
    /// compile time when used in a constant (as `c_str!` does).
    pub(crate) const fn from_str_with_nul(s: &'static str) -> Self {
        let bytes = s.as_bytes();
        assert!(!bytes.is_empty() && bytes[bytes.len() - 1] == 0);
        let mut i = 0;
        while i + 1 < bytes.len() {
            assert!(bytes[i] != 0);
            i += 1;
        }
        // INVARIANT: checked just above.
        Self { bytes }
    }

    /// The pointer C functions take.
    pub(crate) fn as_char_ptr(&self) -> *const ffi::c_char {
        self.bytes.as_ptr().cast()
    }
}

/// A `&'static CStr` of a string literal, checked at compile time.
macro_rules! c_str {
    ($s:literal) => {{
        const S: $crate::compat::CStr = $crate::compat::CStr::from_str_with_nul(concat!($s, "\0"));
        &S
    }};
}
pub(crate) use c_str;

/// A fixed buffer of `N` bytes (its length, not its type, says `N`).
pub(crate) type Buffer<const N: usize> = KVec<u8>;

/// A buffer of `N` zero bytes.
pub(crate) fn zeroed_buffer<const N: usize>() -> Result<Buffer<N>> {
    let mut buffer = KVec::new();
    buffer.reserve(N, GFP_KERNEL)?;
    for _ in 0..N {
        // Never allocates: the capacity was reserved above.
        buffer.push(0, GFP_KERNEL)?;
    }
    Ok(buffer)
}
