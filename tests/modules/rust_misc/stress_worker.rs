// SPDX-License-Identifier: GPL-2.0

//! One process of `rust-misc-stress stress`: random reads, writes at
//! random positions, lseeks, GET_LEN and GET_STATS on its own descriptor,
//! each result checked against what it can be whatever the other processes
//! do, and a [`Report`] of what it did for the parent.

use crate::abi::{Stats, CAPACITY};
use crate::device::{get_len, get_stats, open_device};
use crate::errno::{Errno, Ret, EINVAL, ENOSPC};
use crate::fd::{close_fd, read_into, seek, write_from};
use crate::linux_abi::{O_RDWR, SEEK_CUR, SEEK_END, SEEK_SET};
use crate::positional_io::{pread_into, pwrite_from};
use crate::process::{child_exit, StartPipe};
use crate::rng::Rng;
use crate::show::show;
use std::ffi::c_int;
use std::ops::RangeInclusive;

/// The bytes `procs` processes write: process `id` writes `id % 255 + 1`,
/// so that none writes 0, the byte of the gaps.
pub fn writer_tags(procs: usize) -> RangeInclusive<u8> {
    1..=procs.min(255) as u8
}

/// The first byte of `data` that is neither 0 nor one of `tags`.
pub fn stray_byte(data: &[u8], tags: &RangeInclusive<u8>) -> Option<usize> {
    data.iter().position(|&b| b != 0 && !tags.contains(&b))
}

/// What one stress process did, sent to the parent through a pipe.
#[derive(Default)]
pub struct Report {
    pub written: u64,
    pub read: u64,
    pub opens: u64,
    pub max_end: u64,
    pub unexpected: u64,
    pub first: String,
}

impl Report {
    fn encode(&self) -> String {
        format!(
            "written={} read={} opens={} max_end={} unexpected={} first={}\n",
            self.written,
            self.read,
            self.opens,
            self.max_end,
            self.unexpected,
            self.first.replace('\n', " ")
        )
    }

    pub fn decode(text: &str) -> Option<Report> {
        let (nums, first) = text.split_once(" first=")?;
        let mut r = Report {
            first: first.trim_end().to_string(),
            ..Default::default()
        };
        for field in nums.split(' ') {
            let (key, value) = field.split_once('=')?;
            let value: u64 = value.parse().ok()?;
            match key {
                "written" => r.written = value,
                "read" => r.read = value,
                "opens" => r.opens = value,
                "max_end" => r.max_end = value,
                "unexpected" => r.unexpected = value,
                _ => return None,
            }
        }
        Some(r)
    }
}

/// The state of one stress process.
struct Worker {
    fd: c_int,
    /// The descriptor's position: nobody else uses the descriptor.
    pos: usize,
    /// A lower bound of the length: it only grows while no one clears.
    min_len: usize,
    stats: Stats,
    /// The bytes the processes write.
    tags: RangeInclusive<u8>,
    report: Report,
    op: u64,
}

impl Worker {
    fn unexpected(&mut self, what: String) {
        if self.report.unexpected == 0 {
            self.report.first = format!("op {}: {what}", self.op);
        }
        self.report.unexpected += 1;
    }

    fn check(&mut self, what: &str, got: Ret, ok: impl FnOnce(i64) -> bool, want: &str) {
        match got {
            Ok(v) if ok(v) => {}
            _ => self.unexpected(format!("{what}: expected {want}, got {}", show(got))),
        }
    }

    /// lseek SEEK_SET to `p` in [0, CAPACITY]: must land there.
    fn seek_to(&mut self, p: usize) {
        let r = seek(self.fd, p as i64, SEEK_SET);
        self.check(
            &format!("lseek SEEK_SET {p}"),
            r,
            |v| v == p as i64,
            &p.to_string(),
        );
        if r.is_ok() {
            self.pos = p;
        }
    }

    /// Where a read or write starts: whether it is a pread or pwrite (one
    /// in five), and at a random offset then, else at the position, which
    /// is moved first half of the time.
    fn start(&mut self, rng: &mut Rng) -> (bool, usize) {
        let positional = rng.below(5) == 0;
        let p = if positional {
            rng.index(CAPACITY + 1)
        } else {
            if rng.below(2) == 0 {
                self.seek_to(rng.index(CAPACITY + 1));
            }
            self.pos
        };
        (positional, p)
    }

    /// After `k` bytes were read or written at `p`: the data is at least
    /// that long, and read(2) and write(2) moved the position.
    fn done(&mut self, p: usize, k: usize, positional: bool) {
        if k > 0 {
            self.min_len = self.min_len.max(p + k);
        }
        if !positional {
            self.pos = p + k;
        }
    }

    fn write_op(&mut self, rng: &mut Rng, buf: &[u8]) {
        let (pwrite, p) = self.start(rng);
        let room = CAPACITY - p;
        let n = match rng.below(8) {
            0 => 0,
            1 => (room + rng.index(3)).min(buf.len()),
            _ => 1 + rng.index(400),
        };
        let (what, r) = if pwrite {
            let what = format!("pwrite of {n} at offset {p}");
            (
                what,
                pwrite_from(self.fd, buf.as_ptr() as usize, n, p as i64),
            )
        } else {
            let what = format!("write of {n} at {p}");
            (what, write_from(self.fd, buf.as_ptr() as usize, n))
        };
        let want: Ret = if n == 0 {
            Ok(0)
        } else if p == CAPACITY {
            Err(ENOSPC)
        } else {
            Ok(n.min(room) as i64)
        };
        if r != want {
            self.unexpected(format!("{what}: expected {}, got {}", show(want), show(r)));
        }
        if let Ok(k) = r {
            let k = k as usize;
            self.report.written += k as u64;
            if k > 0 {
                self.report.max_end = self.report.max_end.max((p + k) as u64);
            }
            self.done(p, k, pwrite);
        }
    }

    fn read_op(&mut self, rng: &mut Rng, buf: &mut [u8]) {
        let (pread, p) = self.start(rng);
        let n = rng.index(buf.len() + 1);
        let r = if pread {
            pread_into(self.fd, &mut buf[..n], p as i64)
        } else {
            read_into(self.fd, &mut buf[..n])
        };
        // Between what the data at least holds (it only grows) and the
        // capacity.
        let lo = n.min(self.min_len.saturating_sub(p)) as i64;
        let hi = n.min(CAPACITY - p) as i64;
        let what = format!("{} of {n} at {p}", if pread { "pread" } else { "read" });
        self.check(&what, r, |v| v >= lo && v <= hi, &format!("{lo}..={hi}"));
        if let Ok(k) = r {
            let k = k as usize;
            self.report.read += k as u64;
            if let Some(i) = stray_byte(&buf[..k], &self.tags) {
                let b = buf[i];
                self.unexpected(format!("{what}: byte {i} is {b:#04x}, which no one wrote"));
            }
            self.done(p, k, pread);
        }
    }

    fn lseek_op(&mut self, rng: &mut Rng) {
        let cap = CAPACITY as i64;
        let whence = rng.pick(&[SEEK_SET, SEEK_CUR, SEEK_END]);
        let off = match rng.below(10) {
            0 => rng.pick(&[-1, cap + 1, i64::MIN, i64::MAX]),
            _ => rng.between(-cap, cap),
        };
        let r = seek(self.fd, off, whence);
        let what = format!("lseek {off} whence {whence}");
        let pos = self.pos as i64;
        let ok_range = 0..=cap;
        match whence {
            SEEK_END => {
                // The length is unknown, but in [min_len, CAPACITY].
                match r {
                    Ok(v) => {
                        let len = v.wrapping_sub(off);
                        if len < self.min_len as i64 || len > cap || !ok_range.contains(&v) {
                            self.unexpected(format!("{what}: got {v}, so a length of {len}"));
                        } else {
                            self.pos = v as usize;
                            self.min_len = len as usize;
                        }
                    }
                    Err(e) => {
                        let lo = (self.min_len as i64).checked_add(off);
                        let hi = cap.checked_add(off);
                        let always_ok = matches!((lo, hi), (Some(lo), Some(hi))
                            if ok_range.contains(&lo) && ok_range.contains(&hi));
                        if e != EINVAL || always_ok {
                            self.unexpected(format!("{what}: got {}", show(r)));
                        }
                    }
                }
            }
            _ => {
                let base = if whence == SEEK_SET { 0 } else { pos };
                let want = match base.checked_add(off) {
                    Some(v) if ok_range.contains(&v) => Ok(v),
                    _ => Err(EINVAL),
                };
                if r != want {
                    self.unexpected(format!("{what}: expected {}, got {}", show(want), show(r)));
                }
                if let Ok(v) = r {
                    self.pos = v as usize;
                }
            }
        }
    }

    fn get_len_op(&mut self) {
        match get_len(self.fd) {
            Ok(v) if v as usize >= self.min_len && v as usize <= CAPACITY => {
                self.min_len = v as usize;
            }
            r => self.unexpected(format!(
                "GET_LEN: expected {}..={CAPACITY}, got {:?}",
                self.min_len, r
            )),
        }
    }

    fn get_stats_op(&mut self) {
        match get_stats(self.fd) {
            Ok(s)
                if s.opens >= self.stats.opens
                    && s.bytes_read >= self.stats.bytes_read
                    && s.bytes_written >= self.stats.bytes_written =>
            {
                self.stats = s;
            }
            r => {
                let last = self.stats;
                self.unexpected(format!("GET_STATS went backwards: {last:?}, then {r:?}"));
            }
        }
    }

    fn reopen(&mut self) -> Result<(), Errno> {
        close_fd(self.fd)?;
        self.fd = open_device(O_RDWR)? as c_int;
        self.report.opens += 1;
        self.pos = 0;
        Ok(())
    }
}

/// One stress process: waits for the start, runs `ops` random operations
/// on its own descriptor and sends its report to `out`; never returns.
pub fn stress_child(
    id: usize,
    procs: usize,
    ops: u64,
    seed: u64,
    start: &StartPipe,
    out: c_int,
) -> ! {
    if !start.wait() {
        child_exit(10);
    }
    let Ok(fd) = open_device(O_RDWR) else {
        child_exit(11)
    };
    let tag = (id % 255) as u8 + 1;
    let mut w = Worker {
        fd: fd as c_int,
        pos: 0,
        min_len: 0,
        stats: Stats::default(),
        tags: writer_tags(procs),
        report: Report {
            opens: 1,
            ..Default::default()
        },
        op: 0,
    };
    let mut rng = Rng::new(seed ^ (id as u64 + 1).wrapping_mul(0x2545_f491_4f6c_dd1d));
    let wbuf = vec![tag; CAPACITY + 2];
    let mut rbuf = vec![0u8; CAPACITY + 100];
    for op in 0..ops {
        w.op = op;
        match rng.below(100) {
            0..=29 => w.write_op(&mut rng, &wbuf),
            30..=54 => w.read_op(&mut rng, &mut rbuf),
            55..=74 => w.lseek_op(&mut rng),
            75..=87 => w.get_len_op(),
            88..=98 => w.get_stats_op(),
            _ => {
                if let Err(e) = w.reopen() {
                    w.unexpected(format!("close and open again: {e}"));
                    child_exit(12);
                }
            }
        }
    }
    let text = w.report.encode();
    if write_from(out, text.as_ptr() as usize, text.len()) != Ok(text.len() as i64) {
        child_exit(13);
    }
    child_exit(0)
}
