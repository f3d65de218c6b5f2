// SPDX-License-Identifier: GPL-2.0

//! The `read`, `write` and `llseek` file operations of the device, shared by
//! its two misc device glues (`device.rs` over `kernel::miscdevice`,
//! `miscdev.rs` without it; see the crate docs).
//!
//! Each is a C callback that finds the device state of the open file
//! through the glue's [`OpenFile`] and calls its [`Operations`] with safe
//! arguments: the user buffer as a `UserSliceWriter` or `UserSliceReader`
//! (every access checked, a bad pointer is `EFAULT`), the file position as
//! an integer. The callbacks are generic over the glue, so each glue's table
//! gets its own copy, with the state lookup inlined.

use crate::{
    bindings,
    common::prelude::*,
    compat::{
        ffi::{c_char, c_int},
        UserPtr, UserSlice,
    },
    operations::{Operations, Whence},
};

/// How the file operations reach the device state of an open file: each
/// glue's `open` leaves it in `private_data` in its own way.
pub(crate) trait OpenFile {
    /// The device state, whose [`Operations`] serve the file.
    type State: Operations;

    /// Calls `f` with the device state of `file`.
    ///
    /// # Safety
    ///
    /// `file` was opened by the glue's `open`, and is not released before
    /// this returns.
    unsafe fn with_state<R>(file: *mut bindings::file, f: impl FnOnce(&Self::State) -> R) -> R;
}

/// `read` file operation.
///
/// # Safety
///
/// Only for the VFS, through a glue's file operations: `file` was opened by
/// the glue `F`'s `open` and is not released; `ppos` is valid for reads and
/// writes (the VFS passes a position to every file but a stream,
/// `FMODE_STREAM`, which this device never makes).
pub(crate) unsafe extern "C" fn read<F: OpenFile>(
    file: *mut bindings::file,
    buf: *mut c_char,
    len: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: `ppos` is valid for reads and writes during the call.
    let pos = unsafe { &mut *ppos };
    let out = UserSlice::new(buf as UserPtr, len).writer();
    // SAFETY: the VFS only reads from files whose `open` succeeded, and
    // holds a reference on the file during the call.
    unsafe {
        F::with_state(file, |state| {
            from_result(|| {
                let n = state.read(pos, out)?;
                isize::try_from(n).map_err(|_| EINVAL)
            })
        })
    }
}

/// `write` file operation.
///
/// # Safety
///
/// As for [`read`].
pub(crate) unsafe extern "C" fn write<F: OpenFile>(
    file: *mut bindings::file,
    buf: *const c_char,
    len: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: `file` is valid during the call.
    let append = unsafe { (*file).f_flags } & bindings::O_APPEND != 0;
    // SAFETY: `ppos` is valid for reads and writes during the call.
    let pos = unsafe { &mut *ppos };
    let input = UserSlice::new(buf as UserPtr, len).reader();
    // SAFETY: the VFS only writes to files whose `open` succeeded, and
    // holds a reference on the file during the call.
    unsafe {
        F::with_state(file, |state| {
            from_result(|| {
                let n = state.write(pos, append, input)?;
                isize::try_from(n).map_err(|_| EINVAL)
            })
        })
    }
}

/// `llseek` file operation.
///
/// # Safety
///
/// As for [`read`], without `ppos`.
pub(crate) unsafe extern "C" fn llseek<F: OpenFile>(
    file: *mut bindings::file,
    offset: bindings::loff_t,
    whence: c_int,
) -> bindings::loff_t {
    // SAFETY: `file` is valid during the call.
    let pos = unsafe { (*file).f_pos };
    // SAFETY: the VFS only seeks files whose `open` succeeded, and holds a
    // reference on the file during the call.
    let new = unsafe {
        F::with_state(file, |state| {
            state.seek(pos, offset, Whence::from_raw(whence)?)
        })
    };
    from_result(|| {
        let new = new?;
        // SAFETY: `file` is valid; `vfs_setpos()` stores the position (and
        // would refuse a negative one, which `seek` never returns).
        Ok(unsafe { bindings::vfs_setpos(file, new, bindings::loff_t::MAX) })
    })
}
