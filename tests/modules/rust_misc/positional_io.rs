// SPDX-License-Identifier: GPL-2.0

//! pread(2) and pwrite(2) on raw descriptors, as fd.rs has read(2) and
//! write(2).

use crate::errno::{sys, Ret};
use std::ffi::{c_int, c_void};

extern "C" {
    fn pread64(fd: c_int, buf: *mut c_void, count: usize, offset: i64) -> isize;
    fn pwrite64(fd: c_int, buf: *const c_void, count: usize, offset: i64) -> isize;
}

/// pread(2) into `addr`.
///
/// # Safety
///
/// As for [`read_raw`](crate::fd::read_raw).
pub unsafe fn pread_raw(fd: c_int, addr: usize, n: usize, off: i64) -> Ret {
    // SAFETY: the caller vouches for `addr` and `n`.
    sys(unsafe { pread64(fd, addr as *mut c_void, n, off) } as i64)
}

/// pread(2) into `buf`, at most its length.
pub fn pread_into(fd: c_int, buf: &mut [u8], off: i64) -> Ret {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes, and borrowed
    // mutably for the call.
    unsafe { pread_raw(fd, buf.as_mut_ptr() as usize, buf.len(), off) }
}

/// pwrite(2) from `addr`, which may be any address.
pub fn pwrite_from(fd: c_int, addr: usize, n: usize, off: i64) -> Ret {
    // SAFETY: pwrite(2) only reads user memory, which changes nothing in
    // this program whatever the address; a bad one is the kernel's to
    // refuse.
    sys(unsafe { pwrite64(fd, addr as *const c_void, n, off) } as i64)
}
