// SPDX-License-Identifier: GPL-2.0

//! `rust-misc-stress stress`: P processes (at least 8) do N random
//! operations on their own descriptors at the same time (stress_worker.rs)
//! and report their byte and open counts through a pipe; the parent then
//! checks the length and the statistics against the sums.

use crate::abi::CAPACITY;
use crate::device::{clear, get_len, get_stats, open_device};
use crate::errno::Errno;
use crate::fd::{close_fd, read_into};
use crate::linux_abi::O_RDWR;
use crate::positional_io::pread_into;
use crate::process::{fork_flushed, new_pipe, wait_child, StartPipe};
use crate::report::{diag, result, same};
use crate::stress_worker::{stray_byte, stress_child, writer_tags, Report};
use std::ffi::c_int;
use std::time::Instant;

pub fn stress(procs: usize, ops: u64, seed: u64) -> bool {
    diag(&format!("stress: procs {procs}, ops {ops}, seed {seed}"));
    let name = format!("stress {procs} procs x {ops} ops");
    let setup =
        |what: &str, e: Errno| result(&format!("{name}: setup"), Err(format!("{what}: {e}")));
    let ctl = match open_device(O_RDWR) {
        Ok(fd) => fd as c_int,
        Err(e) => return setup("open", e),
    };
    if let Err(e) = clear(ctl) {
        return setup("CLEAR", e);
    }
    let before = match get_stats(ctl) {
        Ok(s) => s,
        Err(e) => return setup("GET_STATS", e),
    };
    let start = match StartPipe::new() {
        Ok(p) => p,
        Err(e) => return setup("pipe", e),
    };

    let t0 = Instant::now();
    let mut children = Vec::new();
    let mut failures = Vec::new();
    for id in 0..procs {
        let out = match new_pipe() {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("pipe: {e}"));
                break;
            }
        };
        match fork_flushed() {
            Ok(0) => {
                let _ = close_fd(out[0]);
                stress_child(id, procs, ops, seed, &start, out[1]);
            }
            Ok(pid) => {
                let _ = close_fd(out[1]);
                children.push((id, pid, out[0]));
            }
            Err(e) => {
                failures.push(format!("fork: {e}"));
                let _ = close_fd(out[0]);
                let _ = close_fd(out[1]);
                break;
            }
        }
    }
    // Everyone starts now.
    start.release();

    let mut reports = Vec::new();
    for (id, pid, input) in children {
        let mut text = Vec::new();
        let mut buf = [0u8; 512];
        while let Ok(n @ 1..) = read_into(input, &mut buf) {
            text.extend_from_slice(&buf[..n as usize]);
        }
        let _ = close_fd(input);
        match wait_child(pid) {
            Ok(0) => {}
            Ok(code) => failures.push(format!("process {id}: exit status {code}")),
            Err(e) => failures.push(format!("process {id}: {e}")),
        }
        match Report::decode(&String::from_utf8_lossy(&text)) {
            Some(r) => reports.push((id, r)),
            None => failures.push(format!("process {id}: no report")),
        }
    }
    let secs = t0.elapsed().as_secs_f64();

    let mut ok = result(
        &format!("{name}: every process ran and exited 0"),
        if failures.is_empty() && reports.len() == procs {
            Ok(())
        } else {
            Err(failures.join("; "))
        },
    );
    let sum = |f: fn(&Report) -> u64| reports.iter().map(|(_, r)| f(r)).sum::<u64>();
    let unexpected: Vec<String> = reports
        .iter()
        .filter(|(_, r)| r.unexpected > 0)
        .map(|(id, r)| {
            format!(
                "process {id}: {} unexpected, first: {}",
                r.unexpected, r.first
            )
        })
        .collect();
    ok &= result(
        &format!("{name}: every result and errno as expected"),
        if unexpected.is_empty() {
            Ok(())
        } else {
            Err(unexpected.join("; "))
        },
    );
    let max_end = reports.iter().map(|(_, r)| r.max_end).max().unwrap_or(0);
    ok &= result(
        &format!("{name}: length agrees with the furthest write"),
        get_len(ctl)
            .map_err(|e| format!("GET_LEN: {e}"))
            .and_then(|len| same(len, max_end)),
    );
    match get_stats(ctl) {
        Ok(after) => {
            let deltas = [
                (
                    "bytes_written",
                    after.bytes_written.wrapping_sub(before.bytes_written),
                    sum(|r| r.written),
                ),
                (
                    "bytes_read",
                    after.bytes_read.wrapping_sub(before.bytes_read),
                    sum(|r| r.read),
                ),
                (
                    "opens",
                    after.opens.wrapping_sub(before.opens),
                    sum(|r| r.opens),
                ),
            ];
            for (counter, delta, total) in deltas {
                ok &= result(
                    &format!("{name}: {counter} delta agrees"),
                    same(delta, total),
                );
            }
        }
        Err(e) => {
            ok &= result(
                &format!("{name}: statistics"),
                Err(format!("GET_STATS: {e}")),
            )
        }
    }
    let mut data = vec![0u8; CAPACITY];
    let contents = match pread_into(ctl, &mut data, 0) {
        Ok(n) => match stray_byte(&data[..n as usize], &writer_tags(procs)) {
            None => Ok(()),
            Some(i) => Err(format!("byte {i} is {:#04x}, which no one wrote", data[i])),
        },
        Err(e) => Err(format!("pread: {e}")),
    };
    ok &= result(
        &format!("{name}: data holds only zeros and the writers' bytes"),
        contents,
    );
    diag(&format!(
        "stress: {} bytes written, {} read, {} opens, length {max_end}, in {secs:.1} s \
         ({:.0} ops/s)",
        sum(|r| r.written),
        sum(|r| r.read),
        sum(|r| r.opens),
        (procs as u64 * ops) as f64 / secs.max(1e-9)
    ));
    let _ = close_fd(ctl);
    ok
}
