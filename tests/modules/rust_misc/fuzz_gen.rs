// SPDX-License-Identifier: GPL-2.0

//! Generating the fuzzer's operations: hostile lengths, addresses,
//! offsets, flags and ioctl numbers, mixed with ordinary ones, from the
//! model's state and a seeded [`Rng`].

use crate::abi::{CAPACITY, CLEAR, GET_LEN, GET_STATS, MAGIC};
use crate::fuzz_op::Op;
use crate::linux_abi::{
    KERNEL_ADDR, O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_NOACCESS, O_NONBLOCK, O_RDONLY, O_RDWR,
    O_TRUNC, O_WRONLY, PAGE, SEEK_CUR, SEEK_END, SEEK_SET,
};
use crate::model::{Model, MAX_RW_COUNT, SLOTS, STATS_SIZE};
use crate::rng::Rng;
use crate::user_memory::{Memory, ARENA_SIZE};
use crate::vfs_ioctls::{FIOCLEX, FIONCLEX, FIOQSIZE, PASSED_IOCTLS, VFS_IOCTLS};
use std::ffi::c_int;

/// An open slot, mostly; sometimes any slot (an empty one is a closed
/// descriptor).
fn pick_slot(m: &Model, rng: &mut Rng) -> usize {
    let open = (0..SLOTS).filter(|&s| m.files[s].is_some()).count();
    if open == 0 || rng.below(40) == 0 {
        return rng.index(SLOTS);
    }
    let nth = rng.index(open);
    (0..SLOTS)
        .filter(|&s| m.files[s].is_some())
        .nth(nth)
        .unwrap_or(0)
}

/// The position a read or write of `slot` starts at (`off` for pread
/// and pwrite), as far as generating lengths is concerned.
fn start(m: &Model, slot: usize, off: Option<i64>) -> usize {
    match m.files[slot] {
        Some(f) if f.append => m.len,
        Some(f) => off.unwrap_or(f.pos).clamp(0, i64::MAX) as usize,
        None => 0,
    }
}

/// Lengths that no buffer has.
const HUGE: [usize; 11] = [
    1 << 40,
    1 << 46,
    1 << 47,
    MAX_RW_COUNT,
    MAX_RW_COUNT + 1,
    u32::MAX as usize,
    i64::MAX as usize,
    1 << 63,
    usize::MAX,
    usize::MAX - PAGE + 1,
    (1 << 47) - 2 * PAGE,
];

/// A length for a read or write starting at `p` with the data `len` long.
fn gen_len(rng: &mut Rng, p: usize, len: usize) -> usize {
    let room = CAPACITY.saturating_sub(p);
    let avail = len.saturating_sub(p);
    match rng.below(24) {
        0 | 1 => 0,
        2..=7 => 1 + rng.index(32),
        8..=11 => 1 + rng.index(CAPACITY + 64),
        12 | 13 => (room + rng.index(5)).saturating_sub(2),
        14 | 15 => (avail + rng.index(5)).saturating_sub(2),
        16 => rng.pick(&[
            CAPACITY - 1,
            CAPACITY,
            CAPACITY + 1,
            2 * CAPACITY,
            ARENA_SIZE - 1,
            ARENA_SIZE,
            ARENA_SIZE + 1,
        ]),
        17 | 18 => rng.pick(&HUGE),
        _ => 1 + rng.index(600),
    }
}

/// A user address for `n` bytes: mostly a buffer really that long (when
/// one can be), else NULL, kernel and non-canonical addresses, unmapped
/// pages and buffers that run into one.
fn gen_buf(rng: &mut Rng, mem: &Memory, n: usize) -> usize {
    match rng.below(40) {
        0 => 0,
        1 => 1 + rng.index(PAGE - 1),
        2 => KERNEL_ADDR,
        3 => {
            let kernel = KERNEL_ADDR + PAGE * rng.index(1 << 20);
            rng.pick(&[kernel, 1 << 47, usize::MAX - 7, mem.user_max + 1])
        }
        4 => mem.arena.guard() + rng.index(PAGE),
        5 => mem.high.guard() + rng.index(PAGE),
        6 | 7 => mem.arena.guard() - 1 - rng.index(n.clamp(1, PAGE)),
        8 => mem.high.guard() - 1 - rng.index(n.clamp(1, PAGE)),
        9..=13 => mem.high.fitting(rng, n),
        _ => mem.arena.fitting(rng, n),
    }
}

/// An offset for pread/pwrite of `n` bytes.
fn gen_off(rng: &mut Rng, len: usize, n: usize) -> i64 {
    let cap = CAPACITY as i64;
    match rng.below(24) {
        0..=9 => rng.between(0, cap),
        10 | 11 => (len as i64 + rng.between(-1, 1)).max(0),
        12 => rng.pick(&[0, cap - 1, cap, cap + 1]),
        13 => rng.between(0, 1 << 40),
        14 => rng.pick(&[i64::MAX, i64::MAX - 1, 1 << 62, i64::MAX - cap]),
        // Where the end position is exactly i64::MAX, or one past it.
        15 => i64::MAX.saturating_sub(n.min(i64::MAX as usize) as i64) + rng.between(0, 1),
        16 => rng.pick(&[-1, -cap, i64::MIN, i64::MIN + 1]),
        17 => -rng.between(1, 1 << 40),
        _ => rng.between(0, cap - 1),
    }
}

fn gen_flags(rng: &mut Rng) -> c_int {
    let mode = rng.pick(&[
        O_RDWR, O_RDWR, O_RDWR, O_RDWR, O_RDWR, O_RDWR, O_RDWR, O_RDONLY, O_WRONLY, O_NOACCESS,
    ]);
    let mut flags = mode;
    if rng.below(10) < 3 {
        flags |= O_APPEND;
    }
    if rng.below(10) == 0 {
        flags |= O_NONBLOCK;
    }
    if rng.below(20) == 0 {
        flags |= O_TRUNC;
    }
    flags
}

/// An ioctl command number and argument.
fn gen_ioctl(rng: &mut Rng, mem: &Memory) -> (u64, usize) {
    let ours = [GET_LEN, CLEAR, GET_STATS];
    // A valid pointer mostly, else any of the hostile ones.
    let arg = |rng: &mut Rng, size: usize| {
        if rng.below(4) == 0 {
            gen_buf(rng, mem, size)
        } else {
            mem.arena.fitting(rng, size)
        }
    };
    // An unknown command: none of ours, none the VFS handles.
    let unknown = |cmd: u32| !ours.contains(&cmd) && !VFS_IOCTLS.contains(&cmd);
    let roll = rng.below(100);
    let cmd: u64 = match roll {
        0..=29 => GET_LEN.into(),
        30..=49 => GET_STATS.into(),
        // The driver ignores CLEAR's argument: any number will do.
        50..=52 => return (CLEAR.into(), rng.next() as usize),
        // Ours with garbage in the upper half, which the kernel drops.
        53..=57 => (rng.between(1, u32::MAX.into()) as u64) << 32 | u64::from(rng.pick(&ours)),
        // Ours with another size or direction.
        58..=67 => loop {
            let c = rng.pick(&ours);
            let c = if rng.below(2) == 0 {
                (c & !(0x3fff << 16)) | (rng.below(0x4000) as u32) << 16
            } else {
                (c & !(3 << 30)) | (rng.below(4) as u32) << 30
            };
            if unknown(c) {
                break c.into();
            }
        },
        // Our magic, any number, size and direction.
        68..=77 => loop {
            let c = (rng.next() as u32 & !(0xff << 8)) | MAGIC << 8;
            if unknown(c) {
                break c.into();
            }
        },
        // Anything, 32 bits.
        78..=89 => loop {
            let c = rng.next() as u32;
            if unknown(c) {
                break c.into();
            }
        },
        90..=93 => rng.pick(&[FIOCLEX, FIONCLEX, FIOQSIZE]).into(),
        94 | 95 => rng.pick(&PASSED_IOCTLS).into(),
        // Anything, 64 bits.
        _ => loop {
            let c = rng.next();
            if unknown(c as u32) {
                break c;
            }
        },
    };
    let arg = arg(rng, STATS_SIZE.max(8));
    (cmd, arg)
}

/// The buffer, the length and, when `positional` (pread, pwrite), the
/// offset of a read or write on `slot`.
fn gen_rw(
    rng: &mut Rng,
    m: &Model,
    mem: &Memory,
    slot: usize,
    positional: bool,
) -> (usize, usize, Option<i64>) {
    let off = positional.then(|| gen_off(rng, m.len, 0));
    let n = gen_len(rng, start(m, slot, off), m.len);
    let buf = gen_buf(rng, mem, n);
    (buf, n, off)
}

/// The next operation of the fuzzer.
pub fn gen_op(rng: &mut Rng, m: &Model, mem: &Memory) -> Op {
    let slot = pick_slot(m, rng);
    let open = (0..SLOTS).filter(|&s| m.files[s].is_some()).count();
    // A free slot, at random.
    let free = (open < SLOTS).then(|| {
        let nth = rng.index(SLOTS - open);
        (0..SLOTS)
            .filter(|&s| m.files[s].is_none())
            .nth(nth)
            .unwrap_or(0)
    });
    let roll = rng.below(1000);
    match roll {
        // Opens and closes, keeping two or three of the slots open.
        0..=29 => match free {
            Some(slot) if open < 2 || (open == 2 && rng.below(2) == 0) => Op::Open {
                slot,
                flags: gen_flags(rng),
            },
            _ => Op::Close { slot },
        },
        30..=34 => match free {
            Some(slot) => Op::Open {
                slot,
                flags: gen_flags(rng) | rng.pick(&[O_DIRECTORY, O_CREAT | O_EXCL]),
            },
            None => Op::Close { slot },
        },
        35..=214 | 395..=494 => match gen_rw(rng, m, mem, slot, roll >= 395) {
            // The offset again, now that the length is known (its edge
            // cases depend on it).
            (buf, n, Some(_)) => Op::Pread {
                slot,
                buf,
                n,
                off: gen_off(rng, m.len, n),
            },
            (buf, n, None) => Op::Read { slot, buf, n },
        },
        215..=394 | 495..=594 => match gen_rw(rng, m, mem, slot, roll >= 495) {
            (buf, n, Some(off)) => Op::Pwrite { slot, buf, n, off },
            (buf, n, None) => Op::Write { slot, buf, n },
        },
        595..=774 => {
            let whence = match rng.below(100) {
                0..=29 => SEEK_SET,
                30..=59 => SEEK_CUR,
                60..=84 => SEEK_END,
                85..=91 => rng.pick(&[3, 4]),
                _ => rng.pick(&[5, 6, 64, -1, i32::MIN, i32::MAX]),
            };
            let pos = m.files[slot].map_or(0, |f| f.pos);
            let len = m.len as i64;
            let cap = CAPACITY as i64;
            let base = match whence {
                SEEK_CUR => pos,
                SEEK_END => len,
                _ => 0,
            };
            let off = match rng.below(12) {
                0..=4 => rng.between(0, cap).wrapping_sub(base),
                5 | 6 => rng
                    .pick(&[0, 1, len, len + 1, cap - 1, cap, cap + 1, -1])
                    .wrapping_sub(base),
                7 => rng.between(-16, 16),
                8 => rng.pick(&[i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1]),
                9 => rng.next() as i64,
                10 => i64::MAX.wrapping_sub(base).wrapping_add(rng.between(0, 1)),
                _ => rng.between(-5000, 5000),
            };
            Op::Lseek { slot, off, whence }
        }
        _ => {
            let (cmd, arg) = gen_ioctl(rng, mem);
            Op::Ioctl { slot, cmd, arg }
        }
    }
}
