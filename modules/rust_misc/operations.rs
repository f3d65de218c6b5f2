// SPDX-License-Identifier: GPL-2.0

//! What the device does, as the file operations see it: the [`Operations`]
//! trait, implemented by [`crate::store::Store`] and called by the misc
//! device glue of the build (`miscdev.rs` or `device.rs`, see the crate
//! docs) and by the file operations both share (`file_ops.rs`).

use crate::{
    bindings,
    common::prelude::*,
    compat::{ffi::c_int, AsBytes, UserPtr, UserSliceReader, UserSliceWriter},
};

// SAFETY: `struct rust_misc_stats` is three `__u64`: no padding, no
// interior mutability, and any value of its bytes is valid, so it can be
// copied to userspace as bytes.
unsafe impl AsBytes for bindings::rust_misc_stats {}

/// Where an `lseek(2)` offset starts from.
pub(crate) enum Whence {
    /// `SEEK_SET`: from the start.
    Set,
    /// `SEEK_CUR`: from the current position.
    Cur,
    /// `SEEK_END`: from the end of the data.
    End,
}

impl Whence {
    /// The `whence` argument of `lseek(2)`; `EINVAL` for any other value.
    #[inline]
    pub(crate) fn from_raw(whence: c_int) -> Result<Self> {
        // Compared as the `c_int` C passes, as C's `switch` does: a negative
        // value is one more that is none of the three, not a conversion
        // error checked first (a branch of its own before `SEEK_SET`'s).
        const SET: c_int = bindings::SEEK_SET as c_int;
        const CUR: c_int = bindings::SEEK_CUR as c_int;
        const END: c_int = bindings::SEEK_END as c_int;
        match whence {
            SET => Ok(Whence::Set),
            CUR => Ok(Whence::Cur),
            END => Ok(Whence::End),
            _ => Err(EINVAL),
        }
    }
}

/// The behaviour of a misc device.
///
/// One value serves every open file of the device, and its methods may run
/// concurrently from several tasks. Errors are returned to userspace as the
/// system call's errno. The user slices given to a method are only valid
/// during the call: a method uses them or drops them, it never keeps them.
pub(crate) trait Operations: Sync + Sized {
    /// A task opened the device.
    fn open(&self) -> Result;

    /// `read(2)` at `*pos`: copy data to `out`, advance `*pos`, return the
    /// number of bytes read.
    fn read(&self, pos: &mut i64, out: UserSliceWriter) -> Result<usize>;

    /// `write(2)` at `*pos` (at the end of the data when `append`, the file
    /// was opened with `O_APPEND`): take data from `input`, advance `*pos`,
    /// return the number of bytes written.
    fn write(&self, pos: &mut i64, append: bool, input: UserSliceReader) -> Result<usize>;

    /// `lseek(2)`: the new position for `offset` from `whence`, the current
    /// position being `pos`.
    fn seek(&self, pos: i64, offset: i64, whence: Whence) -> Result<i64>;

    /// `ioctl(2)` with command `cmd` and argument `arg`, a user pointer for
    /// the commands that take one.
    fn ioctl(&self, cmd: u32, arg: UserPtr) -> Result<isize>;
}
