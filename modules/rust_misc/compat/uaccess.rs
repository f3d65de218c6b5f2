// SPDX-License-Identifier: GPL-2.0

//! Checked copies between kernel memory and userspace, on every generation.
//!
//! The same API as `kernel::uaccess`, reduced to what the device uses: a
//! [`UserSlice`] is a user address range, turned into a [`UserSliceReader`]
//! or a [`UserSliceWriter`] that copies through it in order. A bad address
//! is `EFAULT`, never undefined behaviour: the copies are
//! `copy_from_user()`/`copy_to_user()`, which check the range and handle
//! faults. Their C functions are the kernel crate's helpers where it has
//! `uaccess` (6.12 and later), else the module's own (`own/helpers.c`, 6.1).
//!
//! Why not `kernel::uaccess` itself, where the kernel crate has it: its
//! `UserSliceWriter::write_slice` and `UserSliceReader::read_slice` are
//! not `#[inline]` (nor generic), so a module can only call them, out of
//! line: on the 7.3 benchmark kernel that call cost 25 of the 41
//! instructions by which a 1-byte `read(2)` of the Rust device exceeded
//! the C twin's (docs/bench.md). These methods are `#[inline]` and compile
//! into the file operation, as `copy_to_user()` does in C. With
//! `#[inline]` on those methods upstream (and on `read_raw`/`write_raw`),
//! this file could go and `kernel::uaccess` serve again.

use super::{
    ffi::{c_ulong, c_void},
    AsBytes,
};
#[cfg(ws_has_uaccess)]
use crate::bindings::{_copy_to_user as copy_to_user_sized, copy_from_user, copy_to_user};
#[cfg(not(ws_has_uaccess))]
use crate::bindings::{
    rust_misc_helper_copy_from_user as copy_from_user,
    rust_misc_helper_copy_to_user as copy_to_user,
    rust_misc_helper_copy_to_user as copy_to_user_sized,
};
use crate::common::prelude::*;
use core::mem::size_of;

/// A userspace address.
pub(crate) type UserPtr = usize;

/// `length` bytes of userspace memory at `ptr`, not accessed yet.
pub(crate) struct UserSlice {
    ptr: UserPtr,
    length: usize,
}

impl UserSlice {
    /// The `length` bytes at the userspace address `ptr`. Nothing is
    /// checked until a copy.
    pub(crate) fn new(ptr: UserPtr, length: usize) -> Self {
        Self { ptr, length }
    }

    /// Reads the slice, from its start.
    pub(crate) fn reader(self) -> UserSliceReader {
        UserSliceReader {
            ptr: self.ptr,
            length: self.length,
        }
    }

    /// Writes the slice, from its start.
    pub(crate) fn writer(self) -> UserSliceWriter {
        UserSliceWriter {
            ptr: self.ptr,
            length: self.length,
        }
    }
}

/// Copies from userspace; each copy advances past the bytes it read.
pub(crate) struct UserSliceReader {
    ptr: UserPtr,
    length: usize,
}

impl UserSliceReader {
    /// Bytes left to read.
    pub(crate) fn len(&self) -> usize {
        self.length
    }

    /// Whether no bytes are left.
    pub(crate) fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// Fills `out` from userspace; `EFAULT` if `out` is longer than what is
    /// left or the memory cannot be read (`out` may then be partly written).
    #[inline]
    pub(crate) fn read_slice(&mut self, out: &mut [u8]) -> Result {
        let len = out.len();
        if len > self.length {
            return Err(EFAULT);
        }
        // SAFETY: `out` is valid for writes of `len` bytes; the user
        // address is checked by `copy_from_user()`.
        let left = unsafe {
            copy_from_user(
                out.as_mut_ptr().cast::<c_void>(),
                self.ptr as *const c_void,
                len as c_ulong,
            )
        };
        if left != 0 {
            return Err(EFAULT);
        }
        self.ptr = self.ptr.wrapping_add(len);
        self.length -= len;
        Ok(())
    }
}

/// Copies to userspace; each copy advances past the bytes it wrote.
pub(crate) struct UserSliceWriter {
    ptr: UserPtr,
    length: usize,
}

impl UserSliceWriter {
    /// Bytes left to write.
    pub(crate) fn len(&self) -> usize {
        self.length
    }

    /// Copies `data` to userspace; `EFAULT` if it is longer than what is
    /// left or the memory cannot be written (part of it may then be).
    #[inline]
    pub(crate) fn write_slice(&mut self, data: &[u8]) -> Result {
        // SAFETY: a slice is valid for reads of its initialized bytes.
        unsafe { self.write_raw(data.as_ptr().cast::<c_void>(), data.len(), copy_to_user) }
    }

    /// Copies the bytes of `value` to userspace, as [`Self::write_slice`].
    ///
    /// The size is a constant: where the kernel crate has `uaccess`, the
    /// copy is `_copy_to_user()`, without `copy_to_user()`'s check of the
    /// kernel object (hardened usercopy's `check_object_size()`), which C
    /// skips for a size known at compile time and `kernel::uaccess`'s
    /// `write::<T>` skips too.
    #[inline]
    pub(crate) fn write<T: AsBytes>(&mut self, value: &T) -> Result {
        let from = core::ptr::addr_of!(*value).cast::<c_void>();
        // SAFETY: `value` is valid for reads of `size_of::<T>()` bytes, all
        // initialized because `T` is `AsBytes`.
        unsafe { self.write_raw(from, size_of::<T>(), copy_to_user_sized) }
    }

    /// Copies `len` bytes at `from` to userspace with `copy`.
    ///
    /// # Safety
    ///
    /// `from` must be valid for reads of `len` initialized bytes.
    #[inline]
    unsafe fn write_raw(
        &mut self,
        from: *const c_void,
        len: usize,
        copy: unsafe extern "C" fn(*mut c_void, *const c_void, c_ulong) -> c_ulong,
    ) -> Result {
        if len > self.length {
            return Err(EFAULT);
        }
        // SAFETY: `from` is valid for reads of `len` initialized bytes (the
        // caller guarantees it); the user address is checked by the copy.
        let left = unsafe { copy(self.ptr as *mut c_void, from, len as c_ulong) };
        if left != 0 {
            return Err(EFAULT);
        }
        self.ptr = self.ptr.wrapping_add(len);
        self.length -= len;
        Ok(())
    }
}
