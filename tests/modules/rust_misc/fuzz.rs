// SPDX-License-Identifier: GPL-2.0

//! `rust-misc-stress fuzz`: a model-checked fuzzer. [`Model`] is the
//! device written again in userspace, together with what the VFS checks
//! before the driver runs. A seeded generator (fuzz_gen.rs) makes random
//! operations on up to [`SLOTS`] descriptors: open (every access mode, with
//! and without `O_APPEND`, and opens that must fail), close, read, write,
//! pread, pwrite, lseek and ioctl, with hostile arguments: NULL,
//! kernel-half and non-canonical pointers, pointers into or across an
//! unmapped guard page, zero, capacity-edge and huge lengths, huge and
//! negative offsets, every `whence` and invalid ones, the device's ioctls
//! with bad arguments and unknown ioctl numbers. After every operation the
//! return value and errno must be the model's, and so must the bytes a read
//! returned or an ioctl stored; after a read or write the position (lseek
//! SEEK_CUR 0), after a failed read or write the length and the
//! statistics. Every [`CHECK_EVERY`] operations and at the end, GET_LEN, a
//! pread of all the data, GET_STATS and every position are compared with
//! the model. The first difference stops the run and names the operation
//! (the ones before it are shown too). Same seed, same operations. The end
//! shows how often each case of the rules (`Path`) was met.

use crate::abi::{CAPACITY, GET_LEN, GET_STATS};
use crate::device::{clear, get_len, get_stats, open_device};
use crate::errno::{Errno, Ret};
use crate::fd::{close_fd, ioctl_raw, read_raw, seek, write_from};
use crate::fuzz_gen::gen_op;
use crate::fuzz_op::{Op, KINDS};
use crate::linux_abi::{O_RDWR, SEEK_CUR};
use crate::model::{File, Model, Payload, CTL, PATHS, SLOTS};
use crate::positional_io::{pread_raw, pwrite_from};
use crate::report::{diag, result, same};
use crate::rng::Rng;
use crate::show::show;
use crate::user_memory::{Memory, ARENA_SIZE, HIGH_SIZE};
use std::ffi::c_int;
use std::time::Instant;

/// Operations between two full checks.
const CHECK_EVERY: u64 = 1000;

/// Runs operations on the device and compares each with the model.
struct Fuzzer {
    model: Model,
    mem: Memory,
    /// The descriptor of each slot, -1 when closed.
    fds: [c_int; SLOTS + 1],
    /// Counts per kind of operation, and per kind and errno.
    counts: [u64; KINDS.len()],
    errnos: Vec<[u64; KINDS.len()]>,
    checks: u64,
    /// The last operations and the state of their descriptor before them,
    /// for the report of a mismatch.
    history: std::collections::VecDeque<(Op, Option<File>)>,
}

/// Errno values counted one by one; the rest are counted in the last entry.
const ERRNO_SLOTS: usize = 140;

impl Fuzzer {
    /// The descriptor number of `slot`: an unused number when it is closed.
    fn fd(&self, slot: usize) -> c_int {
        if self.fds[slot] >= 0 {
            self.fds[slot]
        } else {
            1000 + slot as c_int
        }
    }

    /// Runs the operation for real.
    fn exec(&mut self, op: &Op) -> Ret {
        match *op {
            Op::Open { slot, flags } => {
                let fd = open_device(flags)?;
                if self.fds[slot] >= 0 {
                    // The model thought the slot free (a mismatch is
                    // reported); do not leak the descriptor.
                    let _ = close_fd(self.fds[slot]);
                }
                self.fds[slot] = fd as c_int;
                Ok(0)
            }
            Op::Close { slot } => {
                let r = close_fd(self.fd(slot));
                self.fds[slot] = -1;
                r
            }
            // The addresses of read, pread and ioctl come from `gen_buf` and
            // `gen_ioctl`: addresses in `self.mem` (of which no reference
            // is alive here), addresses nothing is mapped at (the NULL
            // page, the guard pages, kernel and non-canonical addresses),
            // or CLEAR arguments, which the driver does not use.
            Op::Read { slot, buf, n } => {
                // SAFETY: `buf` is one of those addresses.
                unsafe { read_raw(self.fd(slot), buf, n) }
            }
            Op::Write { slot, buf, n } => write_from(self.fd(slot), buf, n),
            Op::Pread { slot, buf, n, off } => {
                // SAFETY: `buf` is one of those addresses.
                unsafe { pread_raw(self.fd(slot), buf, n, off) }
            }
            Op::Pwrite { slot, buf, n, off } => pwrite_from(self.fd(slot), buf, n, off),
            Op::Lseek { slot, off, whence } => seek(self.fd(slot), off, whence),
            Op::Ioctl { slot, cmd, arg } => {
                // SAFETY: `arg` is one of those addresses.
                unsafe { ioctl_raw(self.fd(slot), cmd, arg) }
            }
        }
    }

    /// Runs one operation and compares it with the model: `Err` says how
    /// they differ.
    fn run(&mut self, op: &Op) -> Result<(), String> {
        let slot = match *op {
            Op::Open { slot, .. }
            | Op::Close { slot }
            | Op::Read { slot, .. }
            | Op::Write { slot, .. }
            | Op::Pread { slot, .. }
            | Op::Pwrite { slot, .. }
            | Op::Lseek { slot, .. }
            | Op::Ioctl { slot, .. } => slot,
        };
        let before = self.model.files[slot];
        if self.history.len() == 8 {
            self.history.pop_front();
        }
        self.history.push_back((*op, before));
        let expect = self.model.step(op, &self.mem);
        let got = self.exec(op);
        let kind = op.kind() as usize;
        self.counts[kind] += 1;
        if let Err(e) = got {
            self.errnos[(e.0.max(0) as usize).min(ERRNO_SLOTS - 1)][kind] += 1;
        }
        let what = || op.describe(&self.mem, before);
        if got != expect.ret {
            return Err(format!(
                "{}: expected {}, got {}",
                what(),
                show(expect.ret),
                show(got)
            ));
        }
        if got.is_ok() {
            self.check_payload(&expect.payload)
                .map_err(|e| format!("{}: {e}", what()))?;
        }
        // Whether read and write moved the position as they should (or
        // left it alone when they failed).
        let as_expected =
            |e: String| format!("{}: returned {} as expected, but {e}", what(), show(got));
        if let Op::Read { slot, .. } | Op::Write { slot, .. } = *op {
            self.check_pos(slot).map_err(as_expected)?;
        }
        // A failed read or write changes nothing.
        if let (Err(_), Op::Read { .. } | Op::Write { .. } | Op::Pread { .. } | Op::Pwrite { .. }) =
            (got, op)
        {
            self.check_unchanged().map_err(as_expected)?;
        }
        Ok(())
    }

    /// Compares the length and the statistics with the model (through the
    /// control descriptor, into this program's own variables).
    fn check_unchanged(&self) -> Result<(), String> {
        let ctl = self.fds[CTL];
        let len = get_len(ctl).map_err(|e| format!("GET_LEN afterwards failed: {e}"))?;
        same(len, self.model.len as u64).map_err(|e| format!("the length afterwards: {e}"))?;
        let stats = get_stats(ctl).map_err(|e| format!("GET_STATS afterwards failed: {e}"))?;
        same(stats, self.model.stats).map_err(|e| format!("the stats afterwards: {e}"))
    }

    /// Compares what a successful call stored in user memory with the
    /// model.
    fn check_payload(&self, payload: &Payload) -> Result<(), String> {
        match *payload {
            Payload::None => Ok(()),
            Payload::Data { addr, from, len } => {
                let got = self.mem.bytes(addr, len);
                let want = &self.model.data[from..from + len];
                match got.iter().zip(want).position(|(g, w)| g != w) {
                    None => Ok(()),
                    Some(i) => Err(format!(
                        "returned {len} as expected, but byte {i} (position {}) is {:#04x}, \
                         expected {:#04x}",
                        from + i,
                        got[i],
                        want[i]
                    )),
                }
            }
            Payload::Len { addr, len } => {
                same(self.mem.u64_at(addr), len).map_err(|e| format!("length {e}"))
            }
            Payload::Stats { addr, stats } => {
                same(self.mem.stats_at(addr), stats).map_err(|e| format!("stats {e}"))
            }
        }
    }

    /// Compares the position of an open descriptor (lseek SEEK_CUR 0,
    /// which changes nothing) with the model's.
    fn check_pos(&self, slot: usize) -> Result<(), String> {
        match self.model.files[slot] {
            Some(f) => same(seek(self.fd(slot), 0, SEEK_CUR), Ok(f.pos))
                .map_err(|e| format!("the position afterwards: {e}")),
            None => Ok(()),
        }
    }

    /// GET_LEN, a pread of all the data and GET_STATS on the control
    /// descriptor, each compared with the model.
    fn full_check(&mut self) -> Result<(), String> {
        self.checks += 1;
        let at = self.mem.arena.base;
        for op in [
            Op::Ioctl {
                slot: CTL,
                cmd: GET_LEN.into(),
                arg: at,
            },
            Op::Pread {
                slot: CTL,
                buf: at,
                n: CAPACITY,
                off: 0,
            },
            Op::Ioctl {
                slot: CTL,
                cmd: GET_STATS.into(),
                arg: at,
            },
        ] {
            self.run(&op).map_err(|e| format!("full check: {e}"))?;
        }
        for slot in 0..SLOTS {
            self.check_pos(slot)
                .map_err(|e| format!("full check: fd[{slot}]: {e}"))?;
        }
        Ok(())
    }

    fn report_counts(&self) {
        let mut parts = Vec::new();
        for (kind, name) in KINDS.iter().enumerate() {
            let errs: Vec<String> = (0..ERRNO_SLOTS)
                .filter(|&e| self.errnos[e][kind] > 0)
                .map(|e| format!("{} {}", Errno(e as i32).name(), self.errnos[e][kind]))
                .collect();
            if errs.is_empty() {
                parts.push(format!("{name} {}", self.counts[kind]));
            } else {
                parts.push(format!(
                    "{name} {} ({})",
                    self.counts[kind],
                    errs.join(", ")
                ));
            }
        }
        diag(&format!("fuzz ops: {}", parts.join("; ")));
        let seen: Vec<String> = (0..ERRNO_SLOTS)
            .filter_map(|e| {
                let n: u64 = self.errnos[e].iter().sum();
                (n > 0).then(|| format!("{} {n}", Errno(e as i32)))
            })
            .collect();
        diag(&format!("fuzz errnos seen: {}", seen.join(", ")));
    }
}

/// Maps the memory, opens the control descriptor, clears the device and
/// takes the statistics the model starts from.
fn fuzz_setup(rng: &mut Rng) -> Result<Fuzzer, String> {
    let mem = Memory::new(rng)?;
    let ctl = open_device(O_RDWR).map_err(|e| format!("open O_RDWR: {e}"))? as c_int;
    clear(ctl).map_err(|e| format!("CLEAR: {e}"))?;
    let stats = get_stats(ctl).map_err(|e| format!("GET_STATS: {e}"))?;
    let mut fds = [-1; SLOTS + 1];
    fds[CTL] = ctl;
    Ok(Fuzzer {
        model: Model::new(stats),
        mem,
        fds,
        counts: [0; KINDS.len()],
        errnos: vec![[0; KINDS.len()]; ERRNO_SLOTS],
        checks: 0,
        history: Default::default(),
    })
}

pub fn fuzz(seed: u64, ops: u64) -> bool {
    diag(&format!("fuzz seed {seed}"));
    let name = format!("fuzz {ops} ops against the model (seed {seed})");
    let mut rng = Rng::new(seed);
    let mut f = match fuzz_setup(&mut rng) {
        Ok(f) => f,
        Err(e) => return result(&name, Err(format!("setup: {e}"))),
    };
    diag(&format!(
        "fuzz memory: arena {:#x} ({} bytes), high {:#x} ({} bytes), each followed by an \
         unmapped page; access_ok() limit {:#x}",
        f.mem.arena.base, ARENA_SIZE, f.mem.high.base, HIGH_SIZE, f.mem.user_max
    ));

    let t0 = Instant::now();
    let mut outcome = Ok(());
    let mut done = 0u64;
    // Operations until the next full check (a countdown rather than
    // `done.is_multiple_of()`, which Debian 13's rustc 1.85 lacks).
    let mut until_check = CHECK_EVERY;
    while done < ops {
        let op = gen_op(&mut rng, &f.model, &f.mem);
        if let Op::Write { buf, n, .. } | Op::Pwrite { buf, n, .. } = op {
            if rng.below(8) == 0 {
                f.mem.scramble(&mut rng, buf, n.min(CAPACITY));
            }
        }
        if let Err(e) = f.run(&op) {
            outcome = Err(format!("op {done}: {e}"));
            break;
        }
        done += 1;
        until_check -= 1;
        if until_check == 0 || done == ops {
            until_check = CHECK_EVERY;
            if let Err(e) = f.full_check() {
                outcome = Err(format!("after op {}: {e}", done - 1));
                break;
            }
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    if outcome.is_err() {
        diag("fuzz: the last operations, oldest first (replay with the same seed):");
        for (op, file) in &f.history {
            diag(&format!("fuzz:   {}", op.describe(&f.mem, *file)));
        }
    }
    diag(&format!(
        "fuzz: {done} ops and {} full checks in {secs:.1} s, {:.0} ops/s",
        f.checks,
        done as f64 / secs.max(1e-9)
    ));
    f.report_counts();
    let paths = &f.model.paths;
    let taken: Vec<String> = (0..PATHS.len())
        .filter(|&i| paths[i] > 0)
        .map(|i| format!("{} {}", PATHS[i], paths[i]))
        .collect();
    diag(&format!("fuzz cases: {}", taken.join("; ")));
    let missed: Vec<&str> = (0..PATHS.len())
        .filter(|&i| paths[i] == 0)
        .map(|i| PATHS[i])
        .collect();
    if !missed.is_empty() {
        diag(&format!("fuzz cases never met: {}", missed.join("; ")));
    }
    for slot in 0..=SLOTS {
        if f.fds[slot] >= 0 {
            let _ = close_fd(f.fds[slot]);
        }
    }
    result(&name, outcome)
}
