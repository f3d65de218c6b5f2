// SPDX-License-Identifier: GPL-2.0

//! The system calls of each operation on each side, as the guest's timed
//! loops run them: on a device (the Rust one or its C twin) or on the
//! kernel's floor (/dev/zero, /dev/null, an ioctl the VFS answers itself,
//! getppid). Each call gives an outcome to compare: its return value (for
//! GET_LEN the length it stored, for GET_STATS the sum of the counters),
//! or -errno.

use crate::abi::{Stats, CLEAR, GET_LEN, GET_STATS};
use crate::errno::Ret;
use crate::fd::{close_fd, ioctl_raw, open_path, seek};
use crate::linux_abi::O_RDWR;
use crate::ops::Kind;
use crate::positional_io::{pread_into, pwrite_from};
use crate::vfs_ioctls::FIONCLEX;
use std::ffi::{c_int, CStr, CString};

extern "C" {
    fn getppid() -> c_int;
}

/// A call's outcome: its value, or -errno.
fn outcome(ret: Ret) -> i64 {
    ret.unwrap_or_else(|e| -i64::from(e.0))
}

/// A device node, open for the whole run.
pub struct Device {
    pub fd: c_int,
    pub path: CString,
}

impl Device {
    pub fn open(path: &str) -> Result<Self, String> {
        let path = CString::new(path).map_err(|_| format!("bad path {path}"))?;
        let fd = open_path(&path, O_RDWR).map_err(|e| format!("open {path:?}: {e}"))?;
        Ok(Self {
            fd: fd as c_int,
            path,
        })
    }

    /// One call of `kind` on the device; `buf` is at least 4096 bytes.
    pub fn call(&self, kind: Kind, buf: &mut [u8]) -> i64 {
        match kind {
            Kind::Read(n) => outcome(pread_into(self.fd, &mut buf[..n], 0)),
            Kind::Write(n) => outcome(pwrite_from(self.fd, buf.as_ptr() as usize, n, 0)),
            Kind::Seek(whence) => outcome(seek(self.fd, 0, whence)),
            Kind::GetLen => {
                let mut len = 0u64;
                // SAFETY: GET_LEN stores a u64 at the argument: `len`, a
                // local no reference points to during the call.
                let ret =
                    unsafe { ioctl_raw(self.fd, GET_LEN.into(), &mut len as *mut u64 as usize) };
                outcome(ret.map(|_| len as i64))
            }
            Kind::Clear => {
                // SAFETY: CLEAR takes no argument.
                outcome(unsafe { ioctl_raw(self.fd, CLEAR.into(), 0) })
            }
            Kind::GetStats => {
                let mut stats = Stats::default();
                // SAFETY: GET_STATS stores a `Stats` at the argument:
                // `stats`, a local no reference points to during the call.
                let ret = unsafe {
                    ioctl_raw(self.fd, GET_STATS.into(), &mut stats as *mut Stats as usize)
                };
                let sum = stats
                    .opens
                    .wrapping_add(stats.bytes_read)
                    .wrapping_add(stats.bytes_written);
                outcome(ret.map(|_| sum as i64))
            }
            Kind::OpenClose => open_close(&self.path),
            Kind::Getppid | Kind::Load | Kind::Unload => unreachable!("not a device call"),
        }
    }

    /// Fills the store: 4096 bytes at offset 0 (before each batch, so that
    /// reads and GET_LEN find full data whatever ran before).
    pub fn fill(&self, buf: &[u8]) -> Result<(), String> {
        match pwrite_from(self.fd, buf.as_ptr() as usize, 4096, 0) {
            Ok(4096) => Ok(()),
            other => Err(format!("filling {:?}: {other:?}", self.path)),
        }
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // The module cannot be unloaded while this descriptor is open.
        let _ = close_fd(self.fd);
    }
}

fn open_close(path: &CStr) -> i64 {
    match open_path(path, O_RDWR) {
        Ok(fd) => outcome(close_fd(fd as c_int)),
        Err(e) => -i64::from(e.0),
    }
}

impl Drop for Floor {
    fn drop(&mut self) {
        let _ = close_fd(self.zero);
        let _ = close_fd(self.null);
    }
}

/// The kernel's floor: /dev/zero for reads, /dev/null for the rest.
pub struct Floor {
    zero: c_int,
    null: c_int,
}

const DEV_NULL: &CStr = c"/dev/null";

impl Floor {
    pub fn open() -> Result<Self, String> {
        let zero = open_path(c"/dev/zero", O_RDWR).map_err(|e| format!("open /dev/zero: {e}"))?;
        let null = open_path(DEV_NULL, O_RDWR).map_err(|e| format!("open /dev/null: {e}"))?;
        Ok(Self {
            zero: zero as c_int,
            null: null as c_int,
        })
    }

    /// One call of the floor of `kind`.
    pub fn call(&self, kind: Kind, buf: &mut [u8]) -> i64 {
        match kind {
            Kind::Read(n) => outcome(pread_into(self.zero, &mut buf[..n], 0)),
            Kind::Write(n) => outcome(pwrite_from(self.null, buf.as_ptr() as usize, n, 0)),
            Kind::Seek(whence) => outcome(seek(self.null, 0, whence)),
            // do_vfs_ioctl() answers FIONCLEX before any driver.
            Kind::GetLen | Kind::Clear | Kind::GetStats => {
                // SAFETY: FIONCLEX takes no argument.
                outcome(unsafe { ioctl_raw(self.null, FIONCLEX.into(), 0) })
            }
            Kind::OpenClose => open_close(DEV_NULL),
            // SAFETY: getppid(2) takes nothing and cannot fail.
            Kind::Getppid => i64::from(unsafe { getppid() }),
            Kind::Load | Kind::Unload => unreachable!("no floor"),
        }
    }
}
