// SPDX-License-Identifier: GPL-2.0

//! [`Memory`], the user memory the fuzzer gives the kernel: two regions,
//! each followed by an unmapped guard page, one low and one close to the
//! top of the user address space.

use crate::abi::Stats;
use crate::errno::Errno;
use crate::linux_abi::{
    KERNEL_ADDR, MAP_ANONYMOUS, MAP_FIXED_NOREPLACE, MAP_PRIVATE, PAGE, PROT_READ, PROT_WRITE,
};
use crate::rng::Rng;
use std::ffi::{c_int, c_void};

extern "C" {
    fn mmap(
        addr: *mut c_void,
        len: usize,
        prot: c_int,
        flags: c_int,
        fd: c_int,
        off: i64,
    ) -> *mut c_void;
    fn munmap(addr: *mut c_void, len: usize) -> c_int;
}

/// Size of the low buffer.
pub const ARENA_SIZE: usize = 4 * PAGE;
/// Size of the high buffer.
pub const HIGH_SIZE: usize = 2 * PAGE;
/// Where the low buffer goes: far enough below the top of the user address
/// space that huge lengths (`1 << 40`) still pass `access_ok()`.
const ARENA_HINT: usize = 0x10_0000_0000;
/// Where the high buffer goes: close enough to the top that they do not.
const HIGH_HINT: usize = 0x7f80_0000_0000;

/// Anonymous memory followed by an unmapped guard page: the mapping was
/// one page longer and its last page was unmapped again.
pub struct Region {
    pub base: usize,
    size: usize,
}

impl Region {
    fn map(hint: usize, size: usize) -> Result<Region, String> {
        let prot = PROT_READ | PROT_WRITE;
        let flags = MAP_PRIVATE | MAP_ANONYMOUS;
        let mut base = usize::MAX;
        for extra in [MAP_FIXED_NOREPLACE, 0] {
            // SAFETY: a new anonymous mapping; with MAP_FIXED_NOREPLACE it
            // never replaces an existing one, without it `hint` is a hint.
            base = unsafe { mmap(hint as *mut c_void, size + PAGE, prot, flags | extra, -1, 0) }
                as usize;
            if base != usize::MAX {
                break;
            }
        }
        if base == usize::MAX {
            return Err(format!(
                "mmap of {} bytes failed: {}",
                size + PAGE,
                Errno::last()
            ));
        }
        // SAFETY: the last page of the mapping just made; nothing uses it.
        if unsafe { munmap((base + size) as *mut c_void, PAGE) } != 0 {
            return Err(format!(
                "munmap of the guard page failed: {}",
                Errno::last()
            ));
        }
        Ok(Region { base, size })
    }

    /// The unmapped page right after the region.
    pub fn guard(&self) -> usize {
        self.base + self.size
    }

    /// Whether `[addr, addr + len)` lies inside the region.
    fn holds(&self, addr: usize, len: usize) -> bool {
        addr >= self.base && len <= self.size && addr - self.base <= self.size - len
    }

    /// An address where `len` bytes fit, when they can.
    pub fn fitting(&self, rng: &mut Rng, len: usize) -> usize {
        self.base + rng.index(self.size - len.min(self.size) + 1)
    }
}

/// The memory the fuzzer passes to the kernel: a low and a high region,
/// each followed by an unmapped page. The kernel writes into it during
/// system calls; the program reads it only between them, and never keeps a
/// reference to it across one.
pub struct Memory {
    pub arena: Region,
    pub high: Region,
    /// The highest user address `access_ok()` accepts (`USER_PTR_MAX`).
    pub user_max: usize,
}

impl Memory {
    pub fn new(rng: &mut Rng) -> Result<Memory, String> {
        let la57 = std::fs::read_to_string("/proc/cpuinfo")
            .map(|s| {
                s.lines()
                    .any(|l| l.starts_with("flags") && l.contains(" la57"))
            })
            .unwrap_or(false);
        let mut mem = Memory {
            arena: Region::map(ARENA_HINT, ARENA_SIZE)?,
            high: Region::map(HIGH_HINT, HIGH_SIZE)?,
            user_max: if la57 {
                (1 << 56) - PAGE
            } else {
                (1 << 47) - PAGE
            },
        };
        let (a, h) = (mem.arena.base, mem.high.base);
        rng.fill(mem.bytes_mut(a, ARENA_SIZE));
        rng.fill(mem.bytes_mut(h, HIGH_SIZE));
        Ok(mem)
    }

    /// Whether the kernel can copy `len` bytes at `addr` without a fault.
    pub fn mapped(&self, addr: usize, len: usize) -> bool {
        self.arena.holds(addr, len) || self.high.holds(addr, len)
    }

    /// `len` bytes at `addr`, which [`Memory::mapped`] accepts (any
    /// address for no bytes).
    pub fn bytes(&self, addr: usize, len: usize) -> &[u8] {
        if len == 0 {
            return &[];
        }
        assert!(self.mapped(addr, len));
        // SAFETY: the range is inside a mapping owned by `self` (checked
        // above) and initialized; the kernel only writes it during system
        // calls, and no such call is made while the slice is alive.
        unsafe { std::slice::from_raw_parts(addr as *const u8, len) }
    }

    /// `len` bytes at `addr`, mutably, which [`Memory::mapped`] accepts.
    fn bytes_mut(&mut self, addr: usize, len: usize) -> &mut [u8] {
        assert!(self.mapped(addr, len));
        // SAFETY: as in `bytes`; `&mut self` makes the slice the only one.
        unsafe { std::slice::from_raw_parts_mut(addr as *mut u8, len) }
    }

    /// The u64 at `addr` (unaligned).
    pub fn u64_at(&self, addr: usize) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.bytes(addr, 8));
        u64::from_ne_bytes(b)
    }

    /// The statistics stored at `addr`.
    pub fn stats_at(&self, addr: usize) -> Stats {
        Stats {
            opens: self.u64_at(addr),
            bytes_read: self.u64_at(addr + 8),
            bytes_written: self.u64_at(addr + 16),
        }
    }

    /// Gives new contents to the mapped part of `[addr, addr + len)`.
    pub fn scramble(&mut self, rng: &mut Rng, addr: usize, len: usize) {
        for r in [&self.arena, &self.high] {
            if addr >= r.base && addr < r.guard() {
                let n = len.min(r.guard() - addr);
                let how = rng.below(3);
                // SAFETY: `[addr, addr + n)` is inside the region `r`, as
                // in `bytes_mut`.
                let buf = unsafe { std::slice::from_raw_parts_mut(addr as *mut u8, n) };
                match how {
                    0 => buf.fill(rng.next() as u8),
                    _ => rng.fill(buf),
                }
                return;
            }
        }
    }

    /// An address as the report shows it.
    pub fn name(&self, addr: usize) -> String {
        for (r, what) in [(&self.arena, "arena"), (&self.high, "high")] {
            if addr >= r.base && addr < r.guard() + PAGE {
                let off = addr - r.base;
                let note = if addr >= r.guard() { " (unmapped)" } else { "" };
                return format!("{what}+{off}{note}");
            }
        }
        match addr {
            0 => "NULL".to_string(),
            KERNEL_ADDR => "KERNEL".to_string(),
            _ => format!("{addr:#x}"),
        }
    }
}
