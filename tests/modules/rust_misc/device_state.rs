// SPDX-License-Identifier: GPL-2.0

//! Setting and reading the device's whole state (position, length,
//! contents) for the checks of rust-misc-test, and comparing two states.

use crate::abi::{Stats, CAPACITY};
use crate::checks::{same_bytes, Context};
use crate::device_fd::Fd;
use crate::linux_abi::SEEK_SET;
use crate::report::{same, Outcome};

/// One read(2) of up to `count` bytes that must return exactly `want`.
pub fn reads(fd: &Fd, count: usize, want: &[u8]) -> Outcome {
    let mut buf = vec![0u8; count];
    let n = fd.read(&mut buf).map_err(|e| format!("read failed: {e}"))?;
    same_bytes(&buf[..n], want)
}

pub fn seek_to(fd: &Fd, pos: i64) -> Result<(), String> {
    let got = fd
        .seek(pos, SEEK_SET)
        .ctx(&format!("lseek SEEK_SET {pos}"))?;
    same(got, pos).map_err(|e| format!("lseek SEEK_SET {pos}: {e}"))
}

/// All data of the device, read from position 0; the file position is
/// restored afterwards.
pub fn contents(fd: &Fd) -> Result<Vec<u8>, String> {
    let pos = fd.tell().ctx("lseek SEEK_CUR 0")?;
    seek_to(fd, 0)?;
    let mut data = Vec::new();
    let mut buf = [0u8; 1000];
    loop {
        let n = fd.read(&mut buf).ctx("read")?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
        if data.len() > CAPACITY {
            return Err(format!("read returned more than {CAPACITY} bytes"));
        }
    }
    seek_to(fd, pos)?;
    Ok(data)
}

/// What the device holds after `head`, then a write of `tail` at `at`
/// (at or past the end of `head`): the gap between them reads as zeros.
pub fn gap_filled(head: &[u8], at: usize, tail: &[u8]) -> Vec<u8> {
    let mut data = head.to_vec();
    data.resize(at, 0);
    data.extend_from_slice(tail);
    data
}

/// The device must hold exactly `want`.
pub fn holds(fd: &Fd, want: &[u8]) -> Outcome {
    contents(fd).and_then(|data| same_bytes(&data, want))
}

/// Writes all of `data` at `pos`, as setup.
pub fn write_at(fd: &Fd, pos: i64, data: &[u8]) -> Result<(), String> {
    seek_to(fd, pos)?;
    let n = fd.write(data).ctx(&format!("write at {pos}"))?;
    same(n, data.len()).map_err(|e| format!("write at {pos}: {e}"))
}

/// The device holds `data` exactly after this; the position is at its end.
pub fn fill(fd: &Fd, data: &[u8]) -> Result<(), String> {
    fd.clear().ctx("CLEAR")?;
    seek_to(fd, 0)?;
    let n = fd.write(data).ctx("write")?;
    same(n, data.len()).map_err(|e| format!("setup write: {e}"))
}

/// Everything a failed operation must leave alone.
#[derive(PartialEq)]
pub struct State {
    pos: i64,
    len: u64,
    data: Vec<u8>,
}

impl State {
    pub fn capture(fd: &Fd) -> Result<State, String> {
        Ok(State {
            pos: fd.tell().ctx("lseek SEEK_CUR 0")?,
            len: fd.get_len().ctx("GET_LEN")?,
            data: contents(fd)?,
        })
    }
}

/// Lists what differs between two states and two stats snapshots.
pub fn unchanged(before: &State, after: &State, stats0: &Stats, stats1: &Stats) -> Outcome {
    let mut diffs = Vec::new();
    if before.pos != after.pos {
        diffs.push(format!("position {} -> {}", before.pos, after.pos));
    }
    if before.len != after.len {
        diffs.push(format!("length {} -> {}", before.len, after.len));
    }
    if let Err(e) = same_bytes(&after.data, &before.data) {
        diffs.push(format!("contents changed ({e})"));
    }
    if stats0 != stats1 {
        diffs.push(format!("stats {stats0:?} -> {stats1:?}"));
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.join("; "))
    }
}
