// SPDX-License-Identifier: GPL-2.0

//! Checked copies between kernel memory and userspace.
//!
//! The same API as `kernel::uaccess` of later kernels, reduced to what the
//! device uses: a [`UserSlice`] is a user address range, turned into a
//! [`UserSliceReader`] or a [`UserSliceWriter`] that copies through it in
//! order. A bad address is `EFAULT`, never undefined behaviour: the copies
//! are `copy_from_user()`/`copy_to_user()`, which check the range and
//! handle faults.

use super::{ffi::c_void, AsBytes};
use crate::{bindings, common::prelude::*};
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
    pub(crate) fn read_slice(&mut self, out: &mut [u8]) -> Result {
        let len = out.len();
        if len > self.length {
            return Err(EFAULT);
        }
        // SAFETY: `out` is valid for writes of `len` bytes; the user
        // address is checked by `copy_from_user()`.
        let left = unsafe {
            bindings::rust_misc_helper_copy_from_user(
                out.as_mut_ptr().cast::<c_void>(),
                self.ptr as *const c_void,
                len as _,
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
    pub(crate) fn write_slice(&mut self, data: &[u8]) -> Result {
        // SAFETY: a slice is valid for reads of its initialized bytes.
        unsafe { self.write_raw(data.as_ptr().cast::<c_void>(), data.len()) }
    }

    /// Copies the bytes of `value` to userspace, as [`Self::write_slice`].
    pub(crate) fn write<T: AsBytes>(&mut self, value: &T) -> Result {
        // SAFETY: `value` is valid for reads of `size_of::<T>()` bytes, all
        // initialized because `T` is `AsBytes`.
        unsafe { self.write_raw((value as *const T).cast::<c_void>(), size_of::<T>()) }
    }

    /// Copies `len` bytes at `from` to userspace.
    ///
    /// # Safety
    ///
    /// `from` must be valid for reads of `len` initialized bytes.
    unsafe fn write_raw(&mut self, from: *const c_void, len: usize) -> Result {
        if len > self.length {
            return Err(EFAULT);
        }
        // SAFETY: `from` is valid for reads of `len` initialized bytes (the
        // caller guarantees it); the user address is checked by
        // `copy_to_user()`.
        let left = unsafe {
            bindings::rust_misc_helper_copy_to_user(self.ptr as *mut c_void, from, len as _)
        };
        if left != 0 {
            return Err(EFAULT);
        }
        self.ptr = self.ptr.wrapping_add(len);
        self.length -= len;
        Ok(())
    }
}
