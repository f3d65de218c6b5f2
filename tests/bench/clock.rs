// SPDX-License-Identifier: GPL-2.0

//! The benchmark's clock: clock_gettime(2) and clock_getres(2) of
//! CLOCK_MONOTONIC, in nanoseconds.

use std::ffi::{c_int, c_long};

const CLOCK_MONOTONIC: c_int = 1;

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: c_long,
}

extern "C" {
    fn clock_gettime(clock: c_int, ts: *mut Timespec) -> c_int;
    fn clock_getres(clock: c_int, ts: *mut Timespec) -> c_int;
}

fn ns(ts: &Timespec) -> u64 {
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Nanoseconds of CLOCK_MONOTONIC.
pub fn now_ns() -> u64 {
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always
    // exists on Linux, so the call cannot fail.
    unsafe { clock_gettime(CLOCK_MONOTONIC, &mut ts) };
    ns(&ts)
}

/// The resolution of CLOCK_MONOTONIC in nanoseconds.
pub fn resolution_ns() -> u64 {
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: as in `now_ns`.
    unsafe { clock_getres(CLOCK_MONOTONIC, &mut ts) };
    ns(&ts)
}
