// SPDX-License-Identifier: GPL-2.0

//! The device's kernel module as the kernel sees it: its reference count
//! in /proc/modules, and delete_module(2), the system call behind rmmod.

use crate::device::MODULE;
use crate::errno::{sys, Errno, EINVAL};
use crate::fd::O_NONBLOCK;
use std::ffi::{c_long, CString};

/// delete_module(2) on x86_64.
const SYS_DELETE_MODULE: c_long = 176;

extern "C" {
    fn syscall(number: c_long, ...) -> c_long;
}

/// The reference count of the module in /proc/modules.
pub fn module_refcount() -> Result<u64, String> {
    let text = std::fs::read_to_string("/proc/modules")
        .map_err(|e| format!("reading /proc/modules: {e}"))?;
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(MODULE))
        .ok_or_else(|| format!("{MODULE} is not in /proc/modules"))?;
    line.split_whitespace()
        .nth(2)
        .and_then(|f| f.parse().ok())
        .ok_or_else(|| format!("no refcount in '{line}'"))
}

/// delete_module(2) of the module, without waiting.
pub fn delete_module() -> Result<c_long, Errno> {
    let name = CString::new(MODULE).map_err(|_| EINVAL)?;
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    sys(unsafe { syscall(SYS_DELETE_MODULE, name.as_ptr(), O_NONBLOCK as c_long) })
}
