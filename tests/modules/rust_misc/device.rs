// SPDX-License-Identifier: GPL-2.0

//! The device under test: its node and the module that provides it (from
//! the command line: the same programs test any driver of this ABI, at any
//! node), and its ioctls on a raw descriptor.

use crate::abi::{Stats, CLEAR, GET_LEN, GET_STATS};
use crate::errno::{Errno, Ret};
use crate::fd::{ioctl_raw, open_path};
use std::ffi::{c_int, CStr, CString};
use std::sync::OnceLock;

/// The node tested when `--device` is not given.
pub const DEFAULT_DEVICE: &str = "/dev/rust-misc";
/// The module that provides it, when `--module` is not given.
pub const DEFAULT_MODULE: &str = "rust_misc";

/// What the programs test: a device node and the kernel module behind it.
struct Target {
    path: CString,
    name: String,
    module: String,
}

static TARGET: OnceLock<Target> = OnceLock::new();

/// Takes `--device PATH` and `--module NAME` out of `args` and makes them
/// (or the defaults) the target of every call of this module. Called once,
/// before any other function of this module.
pub fn take_target_args(args: &mut Vec<String>) -> Result<(), String> {
    let mut device = DEFAULT_DEVICE.to_string();
    let mut module = DEFAULT_MODULE.to_string();
    let mut i = 0;
    while i < args.len() {
        let slot = match args[i].as_str() {
            "--device" => &mut device,
            "--module" => &mut module,
            _ => {
                i += 1;
                continue;
            }
        };
        let option = args.remove(i);
        if i == args.len() {
            return Err(format!("{option} needs a value"));
        }
        *slot = args.remove(i);
    }
    let path = CString::new(device.clone()).map_err(|_| "--device: NUL in the path".to_string())?;
    TARGET
        .set(Target {
            path,
            name: device,
            module,
        })
        .map_err(|_| "the target is set twice".to_string())
}

fn target() -> &'static Target {
    TARGET.get_or_init(|| Target {
        path: CString::new(DEFAULT_DEVICE).unwrap_or_default(),
        name: DEFAULT_DEVICE.to_string(),
        module: DEFAULT_MODULE.to_string(),
    })
}

/// The device node tested.
pub fn device_path() -> &'static CStr {
    &target().path
}

/// The device node tested, to print and to stat.
pub fn device_name() -> &'static str {
    &target().name
}

/// The kernel module that provides the device.
pub fn module_name() -> &'static str {
    &target().module
}

/// open(2) of the device, close-on-exec.
pub fn open_device(flags: c_int) -> Ret {
    open_path(device_path(), flags)
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
