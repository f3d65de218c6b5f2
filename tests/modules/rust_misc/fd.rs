// SPDX-License-Identifier: GPL-2.0

//! open(2), close(2), read(2), write(2), lseek(2) and ioctl(2) on raw
//! descriptors (their flags are in linux_abi.rs).

use crate::errno::{sys, Ret};
use crate::linux_abi::O_CLOEXEC;
use std::ffi::{c_char, c_int, c_ulong, c_void, CStr};

extern "C" {
    fn open(path: *const c_char, flags: c_int, ...) -> c_int;
    fn close(fd: c_int) -> c_int;
    fn read(fd: c_int, buf: *mut c_void, count: usize) -> isize;
    fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
    fn lseek(fd: c_int, offset: i64, whence: c_int) -> i64;
    fn ioctl(fd: c_int, request: c_ulong, ...) -> c_int;
}

/// open(2) of `path`, close-on-exec, never creating it.
pub fn open_path(path: &CStr, flags: c_int) -> Ret {
    // SAFETY: `path` is NUL-terminated and outlives the call; without
    // O_CREAT, open(2) reads no mode argument.
    sys(unsafe { open(path.as_ptr(), flags | O_CLOEXEC) }.into())
}

pub fn close_fd(fd: c_int) -> Ret {
    // SAFETY: close(2) takes no pointer; closing a descriptor this program
    // does not use elsewhere (or a closed one, which is EBADF).
    sys(unsafe { close(fd) }.into())
}

/// read(2) into `addr`, which may be any address: the kernel checks it.
///
/// # Safety
///
/// The kernel may overwrite up to `n` bytes at `addr`: they must be memory
/// nothing else uses meanwhile (memory of which no reference is alive
/// during the call), or not be mapped at all.
pub unsafe fn read_raw(fd: c_int, addr: usize, n: usize) -> Ret {
    // SAFETY: the caller vouches for `addr` and `n`.
    sys(unsafe { read(fd, addr as *mut c_void, n) } as i64)
}

/// read(2) into `buf`, at most its length.
pub fn read_into(fd: c_int, buf: &mut [u8]) -> Ret {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes, and borrowed
    // mutably for the call.
    unsafe { read_raw(fd, buf.as_mut_ptr() as usize, buf.len()) }
}

/// write(2) from `addr`, which may be any address.
pub fn write_from(fd: c_int, addr: usize, n: usize) -> Ret {
    // SAFETY: write(2) only reads user memory, which changes nothing in
    // this program whatever the address; a bad one is the kernel's to
    // refuse.
    sys(unsafe { write(fd, addr as *const c_void, n) } as i64)
}

pub fn seek(fd: c_int, off: i64, whence: c_int) -> Ret {
    // SAFETY: lseek(2) takes no pointer.
    sys(unsafe { lseek(fd, off, whence) })
}

/// ioctl(2) with a 64-bit request (the kernel keeps its low 32 bits) and
/// `arg` passed as it is.
///
/// # Safety
///
/// Whatever the command stores at `arg` (the device's ioctls store up to
/// `size_of::<Stats>()` bytes) must land in memory as described for
/// [`read_raw`], or the command must not use `arg` as an address.
pub unsafe fn ioctl_raw(fd: c_int, cmd: u64, arg: usize) -> Ret {
    // SAFETY: the caller vouches for `arg`.
    sys(unsafe { ioctl(fd, cmd as c_ulong, arg) }.into())
}
