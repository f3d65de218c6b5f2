// SPDX-License-Identifier: GPL-2.0

//! The device under test: its node, its module, and its ioctls on a raw
//! descriptor.

use crate::abi::{Stats, CLEAR, GET_LEN, GET_STATS};
use crate::errno::{Errno, Ret};
use crate::fd::{ioctl_raw, open_path};
use std::ffi::{c_int, CStr};

pub const DEVICE: &CStr = c"/dev/rust-misc";
/// The kernel module that provides the device; results are named after it.
pub const MODULE: &str = "rust_misc";

/// open(2) of the device, close-on-exec.
pub fn open_device(flags: c_int) -> Ret {
    open_path(DEVICE, flags)
}

pub fn clear(fd: c_int) -> Ret {
    // SAFETY: the driver does not use CLEAR's argument.
    unsafe { ioctl_raw(fd, CLEAR.into(), 0) }
}

pub fn get_len(fd: c_int) -> Result<u64, Errno> {
    let mut len = 0u64;
    // SAFETY: GET_LEN stores a u64 at the argument, `len`.
    unsafe { ioctl_raw(fd, GET_LEN.into(), &mut len as *mut u64 as usize) }?;
    Ok(len)
}

pub fn get_stats(fd: c_int) -> Result<Stats, Errno> {
    let mut stats = Stats::default();
    // SAFETY: GET_STATS stores a `Stats` at the argument, `stats`.
    unsafe { ioctl_raw(fd, GET_STATS.into(), &mut stats as *mut Stats as usize) }?;
    Ok(stats)
}
