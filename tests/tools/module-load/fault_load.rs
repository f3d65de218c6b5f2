// SPDX-License-Identifier: GPL-2.0

//! `fault-load N MODULE.ko [PARAMS]`: loads MODULE.ko with finit_module(2)
//! after writing N to `/proc/thread-self/fail-nth`, so that the Nth
//! fault-injection point of the call fails, and prints one line:
//! `fault-load n=N injected=0|1 result=ok|ERRNO(errno)`, exit status 0.
//! When it cannot even try (no `fail-nth`: a kernel without
//! `CONFIG_FAULT_INJECTION`; MODULE.ko cannot be opened) the line is
//! `fault-load n=N error=WHAT:ERRNO(errno)` and the exit status 2, as for a
//! usage error. A module that loads stays loaded.
//!
//! The guest's allocation-failure tests (tests/guest/debug.sh) run it for
//! every module; it knows nothing of any of them.

#[allow(dead_code)] // Shared: each program uses a part.
#[path = "../../lib/rust/errno.rs"]
mod errno;
#[allow(dead_code)] // Shared: each program uses a part.
#[path = "../../lib/rust/kmod.rs"]
mod kmod;
#[allow(dead_code)] // Shared: each program uses a part.
#[path = "../../lib/rust/linux_abi.rs"]
mod linux_abi;

use errno::Errno;
use kmod::finit_module;
use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::fd::AsRawFd as _;
use std::os::unix::fs::FileExt as _;

const USAGE: &str = "usage: fault-load N MODULE.ko [PARAMS]";

/// `ENOMEM(12)`, or `errno200(200)` for a number without a name.
fn errno_text(e: Errno) -> String {
    match e.name() {
        "" => format!("errno{}({})", e.0, e.0),
        name => format!("{name}({})", e.0),
    }
}

/// Whether the fault armed with `n` was injected, from what fail-nth reads
/// afterwards. The kernel counts fail-nth down at each fault-injection
/// point and fails the one where it reaches 0; left above 0, no point
/// failed. (A count of 0 written disables injection.) `None`: the read
/// itself met the fault, so finit_module() did not.
fn injected(n: u32, left: Option<&str>) -> bool {
    n > 0 && left.is_some_and(|text| text.trim() == "0")
}

/// Runs the loader; returns the line to print and the exit status.
fn fault_load(n: u32, path: &str, params: &str) -> (String, i32) {
    let fail = |what: &str, e: Errno| {
        (
            format!("fault-load n={n} error={what}:{}", errno_text(e)),
            2,
        )
    };
    let Ok(cparams) = CString::new(params) else {
        return (format!("fault-load n={n} error=NUL in PARAMS"), 2);
    };
    let ko = match File::open(path) {
        Ok(f) => f,
        Err(e) => return fail("open", Errno::of(&e)),
    };
    // Opened before arming, so that only finit_module() meets the fault.
    let mut nth = match OpenOptions::new()
        .read(true)
        .write(true)
        .open("/proc/thread-self/fail-nth")
    {
        Ok(f) => f,
        Err(e) => return fail("fail-nth", Errno::of(&e)),
    };
    if let Err(e) = nth.write(n.to_string().as_bytes()) {
        return fail("fail-nth", Errno::of(&e));
    }
    let r = finit_module(ko.as_raw_fd(), &cparams);
    let mut buf = [0u8; 32];
    let left = nth.read_at(&mut buf, 0);
    // Disarm, whatever happened.
    let _ = nth.write(b"0");
    let left = left
        .ok()
        .map(|k| String::from_utf8_lossy(&buf[..k]).into_owned());
    let res = match r {
        Ok(_) => "ok".to_string(),
        Err(e) => errno_text(e),
    };
    let injected = u8::from(injected(n, left.as_deref()));
    (
        format!("fault-load n={n} injected={injected} result={res}"),
        0,
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !(2..=3).contains(&args.len()) {
        eprintln!("fault-load: takes N, MODULE.ko and optional PARAMS\n{USAGE}");
        std::process::exit(2);
    }
    let Ok(n) = args[0].parse::<u32>() else {
        eprintln!("fault-load: N: '{}' is not a number\n{USAGE}", args[0]);
        std::process::exit(2);
    };
    let (line, status) = fault_load(n, &args[1], args.get(2).map_or("", String::as_str));
    println!("{line}");
    std::process::exit(status);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injected_only_when_the_count_reached_zero() {
        assert!(injected(3, Some("0\n")));
        assert!(!injected(3, Some("1\n")));
        // 0 written disables injection: nothing failed.
        assert!(!injected(0, Some("0\n")));
        // The read of fail-nth itself failed: it met the fault.
        assert!(!injected(3, None));
    }

    #[test]
    fn errno_text_names_known_numbers() {
        assert_eq!(errno_text(Errno(12)), "ENOMEM(12)");
        assert_eq!(errno_text(Errno(200)), "errno200(200)");
    }
}
