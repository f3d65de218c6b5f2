// SPDX-License-Identifier: GPL-2.0

//! readv(2) and writev(2) on raw descriptors, as fd.rs has read(2) and
//! write(2): the calls that reach a driver's `read_iter`/`write_iter` when
//! it has them (the Rust device, through `kernel::miscdevice`), and its
//! `read`/`write` once per buffer when it has only those (the C twin).

use crate::errno::{sys, Ret};
use std::ffi::{c_int, c_void};

/// `struct iovec`.
#[repr(C)]
struct IoVec {
    base: *mut c_void,
    len: usize,
}

extern "C" {
    fn readv(fd: c_int, iov: *const IoVec, iovcnt: c_int) -> isize;
    fn writev(fd: c_int, iov: *const IoVec, iovcnt: c_int) -> isize;
}

/// readv(2) into `bufs`, in order.
pub fn readv_into(fd: c_int, bufs: &mut [&mut [u8]]) -> Ret {
    let iov: Vec<IoVec> = bufs
        .iter_mut()
        .map(|b| IoVec {
            base: b.as_mut_ptr().cast(),
            len: b.len(),
        })
        .collect();
    // SAFETY: each iovec describes one of `bufs`, valid for writes of its
    // length and borrowed mutably for the call.
    sys(unsafe { readv(fd, iov.as_ptr(), iov.len() as c_int) } as i64)
}

/// writev(2) of `bufs`, in order.
pub fn writev_from(fd: c_int, bufs: &[&[u8]]) -> Ret {
    let iov: Vec<IoVec> = bufs
        .iter()
        .map(|b| IoVec {
            base: b.as_ptr().cast_mut().cast(),
            len: b.len(),
        })
        .collect();
    // SAFETY: each iovec describes one of `bufs`, valid for reads of its
    // length for the call; writev(2) only reads them.
    sys(unsafe { writev(fd, iov.as_ptr(), iov.len() as c_int) } as i64)
}
