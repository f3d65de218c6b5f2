// SPDX-License-Identifier: GPL-2.0

//! The user copies of the device for a kernel crate with `miscdevice`
//! (see `mod.rs`).
//!
//! `kernel::miscdevice` hands `read(2)` and `write(2)` to `read_iter` and
//! `write_iter`, whose user buffers come as I/O vectors ([`IovIterDest`],
//! [`IovIterSource`]), while an ioctl's argument is a plain user pointer
//! for `kernel::uaccess`. The store copies through one [`UserSliceWriter`]
//! and one [`UserSliceReader`] type, the names of `kernel::uaccess`, whatever
//! the source: these are that, over either. A copy is all or nothing as
//! with `kernel::uaccess`: `EFAULT` when not every byte could be copied.
//!
//! The I/O vector variants hold a raw pointer rather than a borrow, so that
//! the types have no lifetime parameter, as `kernel::uaccess`'s have none
//! (the store names them without one). Their constructors are `unsafe`
//! instead: a reader or writer made from an I/O vector must be gone before
//! the borrow of that vector ends, which `device.rs` ensures by handing it
//! to a store method that consumes it during the file operation (see
//! `Operations`).

use crate::common::prelude::*;
use core::ptr::NonNull;
use kernel::{
    bindings,
    iov::{IovIterDest, IovIterSource},
    transmute::AsBytes,
    uaccess,
};

pub(crate) use kernel::uaccess::UserPtr;

/// `length` bytes of userspace memory at a user pointer, not accessed yet:
/// `kernel::uaccess::UserSlice`, whose writer is a [`UserSliceWriter`].
pub(crate) struct UserSlice(uaccess::UserSlice);

impl UserSlice {
    /// The `length` bytes at the userspace address `ptr`. Nothing is
    /// checked until a copy.
    pub(crate) fn new(ptr: UserPtr, length: usize) -> Self {
        Self(uaccess::UserSlice::new(ptr, length))
    }

    /// Writes the slice, from its start.
    pub(crate) fn writer(self) -> UserSliceWriter {
        UserSliceWriter(Dest::User(self.0.writer()))
    }
}

/// Where a [`UserSliceWriter`] copies to.
enum Dest {
    /// A user address range.
    User(uaccess::UserSliceWriter),
    /// The I/O vector of a `read_iter` (see [`UserSliceWriter::from_iov`]).
    Iov(NonNull<bindings::iov_iter>),
}

/// Copies to userspace; each copy advances past the bytes it wrote.
///
/// # Invariants
///
/// A `Dest::Iov` pointer is that of a valid `IovIterDest` that only this
/// writer accesses while it exists.
pub(crate) struct UserSliceWriter(Dest);

impl UserSliceWriter {
    /// A writer to the buffers of `iov`.
    ///
    /// # Safety
    ///
    /// The writer must be dropped before the borrow of `iov` ends.
    pub(crate) unsafe fn from_iov(iov: &mut IovIterDest<'_>) -> Self {
        // INVARIANT: `iov` is valid and borrowed mutably for as long as the
        // writer exists (the caller guarantees it), so only the writer
        // accesses it.
        Self(Dest::Iov(NonNull::from(iov).cast()))
    }

    /// Bytes left to write.
    pub(crate) fn len(&self) -> usize {
        match &self.0 {
            Dest::User(writer) => writer.len(),
            // SAFETY: a valid `IovIterDest` that only this writer accesses
            // (type invariant); the reference ends with this call.
            Dest::Iov(iov) => unsafe { IovIterDest::from_raw(iov.as_ptr()) }.len(),
        }
    }

    /// Copies `data` to userspace; `EFAULT` if it is longer than what is
    /// left or the memory cannot be written (part of it may then be).
    pub(crate) fn write_slice(&mut self, data: &[u8]) -> Result {
        match &mut self.0 {
            Dest::User(writer) => writer.write_slice(data),
            Dest::Iov(iov) => {
                // SAFETY: as in `len`.
                let iov = unsafe { IovIterDest::from_raw(iov.as_ptr()) };
                if data.len() > iov.len() || iov.copy_to_iter(data) != data.len() {
                    return Err(EFAULT);
                }
                Ok(())
            }
        }
    }

    /// Copies the bytes of `value` to userspace, as [`Self::write_slice`].
    pub(crate) fn write<T: AsBytes>(&mut self, value: &T) -> Result {
        if let Dest::User(writer) = &mut self.0 {
            return writer.write(value);
        }
        self.write_slice(value.as_bytes())
    }
}

/// Copies from the buffers of a `write_iter`'s I/O vector; each copy
/// advances past the bytes it read.
///
/// # Invariants
///
/// `iov` is the pointer of a valid `IovIterSource` that only this reader
/// accesses while it exists.
pub(crate) struct UserSliceReader {
    iov: NonNull<bindings::iov_iter>,
}

impl UserSliceReader {
    /// A reader of the buffers of `iov`.
    ///
    /// # Safety
    ///
    /// The reader must be dropped before the borrow of `iov` ends.
    pub(crate) unsafe fn from_iov(iov: &mut IovIterSource<'_>) -> Self {
        // INVARIANT: as in `UserSliceWriter::from_iov`.
        Self {
            iov: NonNull::from(iov).cast(),
        }
    }

    /// The I/O vector.
    fn iov(&mut self) -> &mut IovIterSource<'_> {
        // SAFETY: a valid `IovIterSource` that only this reader accesses
        // (type invariant); the reference borrows the reader.
        unsafe { IovIterSource::from_raw(self.iov.as_ptr()) }
    }

    /// Bytes left to read.
    pub(crate) fn len(&self) -> usize {
        // SAFETY: as in `iov`; the reference ends with this call.
        unsafe { IovIterSource::from_raw(self.iov.as_ptr()) }.len()
    }

    /// Whether no bytes are left.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fills `out` from userspace; `EFAULT` if `out` is longer than what is
    /// left or the memory cannot be read (`out` may then be partly written).
    pub(crate) fn read_slice(&mut self, out: &mut [u8]) -> Result {
        let iov = self.iov();
        if out.len() > iov.len() || iov.copy_from_iter(out) != out.len() {
            return Err(EFAULT);
        }
        Ok(())
    }
}
