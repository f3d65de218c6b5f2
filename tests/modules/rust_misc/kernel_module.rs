// SPDX-License-Identifier: GPL-2.0

//! The device's kernel module as the kernel sees it: its reference count
//! in /proc/modules, and delete_module(2), the system call behind rmmod.

use crate::device::module_name;
use crate::errno::{sys, Errno, EINVAL};
use crate::linux_abi::{syscall, O_NONBLOCK, SYS_DELETE_MODULE};
use std::ffi::{c_long, CString};

/// The reference count of the module in /proc/modules.
pub fn module_refcount() -> Result<u64, String> {
    let text = std::fs::read_to_string("/proc/modules")
        .map_err(|e| format!("reading /proc/modules: {e}"))?;
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(module_name()))
        .ok_or_else(|| format!("{} is not in /proc/modules", module_name()))?;
    line.split_whitespace()
        .nth(2)
        .and_then(|f| f.parse().ok())
        .ok_or_else(|| format!("no refcount in '{line}'"))
}

/// delete_module(2) of the module, without waiting.
pub fn delete_module() -> Result<c_long, Errno> {
    let name = CString::new(module_name()).map_err(|_| EINVAL)?;
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    sys(unsafe { syscall(SYS_DELETE_MODULE, name.as_ptr(), O_NONBLOCK as c_long) })
}
