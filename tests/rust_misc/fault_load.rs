// SPDX-License-Identifier: GPL-2.0

//! `rust-misc-stress fault-load N MODULE.ko [PARAMS]`: loads MODULE.ko
//! with finit_module(2) after writing N to `/proc/thread-self/fail-nth`, so
//! that the Nth fault-injection point of the call fails, and prints one
//! line: `fault-load n=N injected=0|1 result=ok|ERRNO(errno)`, exit status
//! 0. When it cannot even try (no `fail-nth`: a kernel without
//! `CONFIG_FAULT_INJECTION`; MODULE.ko cannot be opened) the line is
//! `fault-load n=N error=WHAT:ERRNO(errno)` and the exit status 2, as for a
//! usage error. A module that loads stays loaded.

use crate::errno::{sys, Errno};
use crate::fd::{close_fd, open_path, write_from, O_RDONLY, O_RDWR};
use crate::positional_io::pread_into;
use crate::report::line;
use std::ffi::{c_int, c_long, CString};

/// finit_module(2) on x86_64.
const SYS_FINIT_MODULE: c_long = 313;

extern "C" {
    fn syscall(number: c_long, ...) -> c_long;
}

/// Runs the subcommand; returns the exit status.
pub fn fault_load(n: u32, path: &str, params: &str) -> c_int {
    let fail_line = |what: &str, e: Errno| {
        line(&format!(
            "fault-load n={n} error={what}:{}({})",
            e.name(),
            e.0
        ));
        2
    };
    let (Ok(cpath), Ok(cparams)) = (CString::new(path), CString::new(params)) else {
        line(&format!("fault-load n={n} error=NUL in an argument"));
        return 2;
    };
    let ko = match open_path(&cpath, O_RDONLY) {
        Ok(fd) => fd as c_int,
        Err(e) => return fail_line("open", e),
    };
    // Opened before arming, so that only finit_module() meets the fault.
    let nth = match open_path(c"/proc/thread-self/fail-nth", O_RDWR) {
        Ok(fd) => fd as c_int,
        Err(e) => return fail_line("fail-nth", e),
    };
    let arm = n.to_string();
    if let Err(e) = write_from(nth, arm.as_ptr() as usize, arm.len()) {
        return fail_line("fail-nth", e);
    }
    // SAFETY: finit_module(2) with an open descriptor, a NUL-terminated
    // parameter string that outlives the call, and no flags.
    let r = sys(unsafe {
        syscall(
            SYS_FINIT_MODULE,
            ko as c_long,
            cparams.as_ptr(),
            0 as c_long,
        )
    });
    let mut buf = [0u8; 32];
    let left = pread_into(nth, &mut buf, 0);
    // Disarm, whatever happened.
    let _ = write_from(nth, b"0".as_ptr() as usize, 1);
    // The kernel counts fail-nth down at each fault-injection point and
    // fails the one where it reaches 0; left above 0, no point failed. (A
    // count of 0 written disables injection.) Should the read itself meet
    // the fault, it fails, and finit_module() did not.
    let injected = n > 0
        && match left {
            Ok(k) => String::from_utf8_lossy(&buf[..k as usize]).trim() == "0",
            Err(_) => false,
        };
    let res = match r {
        Ok(_) => "ok".to_string(),
        Err(e) if e.name().is_empty() => format!("errno{}({})", e.0, e.0),
        Err(e) => format!("{}({})", e.name(), e.0),
    };
    line(&format!(
        "fault-load n={n} injected={} result={res}",
        u8::from(injected)
    ));
    let _ = close_fd(nth);
    let _ = close_fd(ko);
    0
}
