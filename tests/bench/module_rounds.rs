// SPDX-License-Identifier: GPL-2.0

//! The load/unload rounds of `misc-bench measure`, before the device
//! rounds: each twin loaded with finit_module(2) and unloaded with
//! delete_module(2) (tests/lib/rust/kmod.rs) in every round, in the rounds'
//! alternating order.

use crate::clock::now_ns;
use crate::fd::{close_fd, open_path};
use crate::kmod::{delete_module, finit_module};
use crate::linux_abi::O_RDONLY;
use crate::measure::{order, Run, Settings};
use crate::raw::{Sample, Side};
use std::ffi::{c_int, CString};

/// Load/unload rounds per device round. A load or an unload is one call
/// per batch (it takes about a millisecond, against microseconds for the
/// device's calls, batched by the thousand), so a round's sample of it is
/// one call, which the host's interruptions of the emulator move by up to
/// a tenth; the median of a boot's rounds (stats.rs) steadies with more of
/// them, and four times the device rounds cost a few tens of milliseconds
/// a boot.
pub const PER_DEVICE_ROUND: usize = 4;

/// Load/unload rounds: each twin loaded with finit_module(2) and unloaded
/// with delete_module(2), one call per batch, `s.rounds` times
/// PER_DEVICE_ROUND rounds (the run's "module-rounds").
pub fn module_rounds(run: &mut Run, s: &Settings) -> Result<(), String> {
    let mut fds = Vec::new();
    for twin in [&s.rust, &s.c] {
        let path = CString::new(twin.ko.as_str()).map_err(|_| "bad .ko path".to_string())?;
        let fd = open_path(&path, O_RDONLY).map_err(|e| format!("open {}: {e}", twin.ko))?;
        fds.push(fd as c_int);
    }
    let names = [
        CString::new(s.rust.module).map_err(|_| "bad name")?,
        CString::new(s.c.module).map_err(|_| "bad name")?,
    ];
    for round in 0..s.rounds * PER_DEVICE_ROUND {
        for side in order(round) {
            let i = match side {
                Side::Rust => 0,
                Side::C => 1,
                Side::Floor => continue,
            };
            let t0 = now_ns();
            let load = finit_module(fds[i], c"");
            let t1 = now_ns();
            let unload = delete_module(&names[i]);
            let t2 = now_ns();
            if load.is_err() || unload.is_err() {
                return Err(format!(
                    "{} in round {round}: load {load:?}, unload {unload:?}",
                    names[i].to_string_lossy()
                ));
            }
            for (op, ns) in [("load", t1 - t0), ("unload", t2 - t1)] {
                let sample = Sample {
                    op: op.into(),
                    round,
                    side,
                    calls: 1,
                    ns,
                };
                run.raw.push(sample.to_string());
            }
        }
    }
    for fd in fds {
        let _ = close_fd(fd);
    }
    Ok(())
}
