// SPDX-License-Identifier: GPL-2.0

//! [`Model`], the device written again in userspace together with what the
//! VFS checks before the driver runs (fs/read_write.c, fs/ioctl.c, x86's
//! `access_ok()`): for each operation of the fuzzer, the result, errno and
//! user memory the device must give.

use crate::abi::{Stats, CAPACITY, CLEAR, GET_LEN, GET_STATS};
use crate::errno::{Errno, Ret, EBADF, EEXIST, EFAULT, EINVAL, ENOSPC, ENOTDIR, ENOTTY};
use crate::fuzz_op::Op;
use crate::linux_abi::{
    O_ACCMODE, O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_NOACCESS, O_RDONLY, O_RDWR, O_WRONLY,
    PAGE, SEEK_MAX,
};
use crate::user_memory::Memory;
use crate::vfs_ioctls::{FIOCLEX, FIONCLEX, FIOQSIZE};
use std::ffi::c_int;

/// What read(2) and write(2) are clamped to (`MAX_RW_COUNT`).
pub const MAX_RW_COUNT: usize = i32::MAX as usize & !(PAGE - 1);
/// What GET_STATS stores.
pub const STATS_SIZE: usize = std::mem::size_of::<Stats>();

/// Descriptor slots the fuzzer uses; slot [`CTL`] is one more, kept open
/// for the periodic full checks.
pub const SLOTS: usize = 4;
pub const CTL: usize = SLOTS;

/// What the model knows of one open file.
#[derive(Clone, Copy, Debug)]
pub struct File {
    pub read: bool,
    pub write: bool,
    pub append: bool,
    pub pos: i64,
}

/// What the model expects to find in user memory after a successful call.
pub enum Payload {
    None,
    /// `len` bytes at `addr` equal to the model's data from `from`.
    Data {
        addr: usize,
        from: usize,
        len: usize,
    },
    /// The length as a u64 at `addr`.
    Len {
        addr: usize,
        len: u64,
    },
    /// The statistics at `addr`.
    Stats {
        addr: usize,
        stats: Stats,
    },
}

/// The model's prediction for one operation.
pub struct Expect {
    pub ret: Ret,
    pub payload: Payload,
}

impl From<Errno> for Expect {
    fn from(e: Errno) -> Self {
        Expect {
            ret: Err(e),
            payload: Payload::None,
        }
    }
}

impl From<i64> for Expect {
    fn from(v: i64) -> Self {
        Expect {
            ret: Ok(v),
            payload: Payload::None,
        }
    }
}

/// The arguments of a read or write: `n` bytes at `buf`, at `off` for
/// pread and pwrite, at the file position (`off` None) for read and write.
#[derive(Clone, Copy)]
struct Rw {
    slot: usize,
    buf: usize,
    n: usize,
    off: Option<i64>,
}

impl Rw {
    /// read(2) or write(2).
    fn at_pos(slot: usize, buf: usize, n: usize) -> Rw {
        Rw {
            slot,
            buf,
            n,
            off: None,
        }
    }

    /// pread(2) or pwrite(2).
    fn at(slot: usize, buf: usize, n: usize, off: i64) -> Rw {
        Rw {
            slot,
            buf,
            n,
            off: Some(off),
        }
    }
}

/// The cases of the rules the model tells apart, counted to show what a
/// run covered.
#[derive(Clone, Copy)]
enum Path {
    ClosedFd,
    OpenNoAccess,
    BadMode,
    NegativeOffset,
    VfsFault,
    VfsFaultEmpty,
    VfsOverflow,
    HugeCount,
    ReadAtEnd,
    ReadAtEndBadBuf,
    ReadFault,
    ReadPartial,
    ReadFull,
    WriteEmpty,
    WriteEmptyPastCap,
    WriteNoSpace,
    WriteNoSpaceBadBuf,
    WriteFault,
    WriteFaultPastEnd,
    WriteGap,
    WriteShort,
    WriteAppend,
    PwriteAppend,
    SeekBadWhence,
    SeekDataHole,
    SeekOverflow,
    SeekOutside,
    SeekOk,
    IoctlFault,
    IoctlHighBits,
    IoctlVfs,
    IoctlUnknown,
}

pub const PATHS: [&str; 32] = [
    "EBADF, descriptor not open",
    "open with access mode 3",
    "EBADF, read/write not allowed by the access mode",
    "EINVAL, negative pread/pwrite offset",
    "EFAULT from access_ok()",
    "EFAULT from access_ok() for 0 bytes",
    "EINVAL, position + count overflows",
    "a count above MAX_RW_COUNT accepted",
    "read at or past the end",
    "read at or past the end into a bad buffer",
    "EFAULT copying to the user",
    "short read",
    "full read",
    "write of 0 bytes",
    "write of 0 bytes at or past the capacity",
    "ENOSPC",
    "ENOSPC with a bad buffer",
    "EFAULT copying from the user",
    "EFAULT copying from the user past the end",
    "write past the end, gap zero-filled",
    "short write at the capacity",
    "write with O_APPEND",
    "pwrite with O_APPEND, at the end",
    "EINVAL, whence above SEEK_HOLE",
    "EINVAL, SEEK_DATA/SEEK_HOLE",
    "EINVAL, lseek offset overflows",
    "EINVAL, lseek outside [0, capacity]",
    "lseek",
    "EFAULT from GET_LEN/GET_STATS",
    "ioctl number with the upper 32 bits set",
    "ioctl handled by the VFS",
    "ENOTTY from the driver",
];

/// The device and the VFS above it, as the fuzzer expects them to behave.
pub struct Model {
    /// `CAPACITY` bytes; those at and after `len` are zero.
    pub data: Vec<u8>,
    pub len: usize,
    /// What GET_STATS must return (the counters before the run plus what
    /// the run did).
    pub stats: Stats,
    pub files: [Option<File>; SLOTS + 1],
    /// How often each [`Path`] was taken.
    pub paths: [u64; PATHS.len()],
}

impl Model {
    pub fn new(stats: Stats) -> Self {
        let mut files = [None; SLOTS + 1];
        files[CTL] = Some(File {
            read: true,
            write: true,
            append: false,
            pos: 0,
        });
        Model {
            data: vec![0; CAPACITY],
            len: 0,
            stats,
            files,
            paths: [0; PATHS.len()],
        }
    }

    /// Counts a path and returns `value`.
    fn hit<T: Into<Expect>>(&mut self, path: Path, value: T) -> Expect {
        self.paths[path as usize] += 1;
        value.into()
    }

    /// x86_64's `access_ok(addr, n)` for a length that is not a constant.
    fn access_ok(mem: &Memory, addr: usize, n: usize) -> bool {
        addr.checked_add(n).is_some_and(|end| end <= mem.user_max)
    }

    /// The file of `slot`, or EBADF.
    fn file(&mut self, slot: usize) -> Result<File, Expect> {
        match self.files[slot] {
            Some(f) => Ok(f),
            None => Err(self.hit(Path::ClosedFd, EBADF)),
        }
    }

    /// What ksys_pread64() and ksys_pwrite64() (`off` is Some),
    /// vfs_read() or vfs_write() (`write`) and rw_verify_area() check
    /// before the driver runs: a negative offset, the descriptor, its access
    /// mode, access_ok() and the end position (the position is never
    /// negative here). Returns the file, the position the call starts at
    /// and the count as clamped to MAX_RW_COUNT.
    fn vfs_rw(&mut self, rw: Rw, write: bool, mem: &Memory) -> Result<(File, i64, usize), Expect> {
        let Rw { slot, buf, n, off } = rw;
        if off.is_some_and(|o| o < 0) {
            return Err(self.hit(Path::NegativeOffset, EINVAL));
        }
        let file = self.file(slot)?;
        let pos = off.unwrap_or(file.pos);
        let allowed = if write { file.write } else { file.read };
        if !allowed {
            return Err(self.hit(Path::BadMode, EBADF));
        }
        if !Self::access_ok(mem, buf, n) {
            let path = if n == 0 {
                Path::VfsFaultEmpty
            } else {
                Path::VfsFault
            };
            return Err(self.hit(path, EFAULT));
        }
        if (n as i64) < 0 || pos.checked_add(n as i64).is_none() {
            return Err(self.hit(Path::VfsOverflow, EINVAL));
        }
        if n > MAX_RW_COUNT {
            self.hit(Path::HugeCount, 0);
        }
        Ok((file, pos, n.min(MAX_RW_COUNT)))
    }

    /// The operation's expected result; applies its effects to the model.
    pub fn step(&mut self, op: &Op, mem: &Memory) -> Expect {
        let r = match *op {
            Op::Open { slot, flags } => Ok(self.open(slot, flags)),
            Op::Close { slot } => self.file(slot).map(|_| {
                self.files[slot] = None;
                0.into()
            }),
            Op::Read { slot, buf, n } => self.read(Rw::at_pos(slot, buf, n), mem),
            Op::Pread { slot, buf, n, off } => self.read(Rw::at(slot, buf, n, off), mem),
            Op::Write { slot, buf, n } => self.write(Rw::at_pos(slot, buf, n), mem),
            Op::Pwrite { slot, buf, n, off } => self.write(Rw::at(slot, buf, n, off), mem),
            Op::Lseek { slot, off, whence } => self.lseek(slot, off, whence),
            Op::Ioctl { slot, cmd, arg } => self.ioctl(slot, cmd, arg, mem),
        };
        r.unwrap_or_else(|e| e)
    }

    fn open(&mut self, slot: usize, flags: c_int) -> Expect {
        if flags & O_DIRECTORY != 0 {
            return ENOTDIR.into();
        }
        if flags & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL {
            return EEXIST.into();
        }
        let mode = flags & O_ACCMODE;
        if mode == O_NOACCESS {
            self.hit(Path::OpenNoAccess, 0);
        }
        self.files[slot] = Some(File {
            read: mode == O_RDONLY || mode == O_RDWR,
            write: mode == O_WRONLY || mode == O_RDWR,
            append: flags & O_APPEND != 0,
            pos: 0,
        });
        self.stats.opens += 1;
        0.into()
    }

    /// read(2) (`off` None) or pread(2): ksys_pread64(), vfs_read(), then
    /// the driver.
    fn read(&mut self, rw: Rw, mem: &Memory) -> Result<Expect, Expect> {
        let Rw { slot, buf, off, .. } = rw;
        let (mut file, pos, n) = self.vfs_rw(rw, false, mem)?;
        let p = pos as usize;
        if p >= self.len {
            if n > 0 && !mem.mapped(buf, n.min(CAPACITY)) {
                return Ok(self.hit(Path::ReadAtEndBadBuf, 0));
            }
            return Ok(self.hit(Path::ReadAtEnd, 0));
        }
        let k = n.min(self.len - p);
        if k > 0 && !mem.mapped(buf, k) {
            return Err(self.hit(Path::ReadFault, EFAULT));
        }
        self.hit(
            if k < n {
                Path::ReadPartial
            } else {
                Path::ReadFull
            },
            0,
        );
        if off.is_none() {
            file.pos += k as i64;
            self.files[slot] = Some(file);
        }
        self.stats.bytes_read += k as u64;
        Ok(Expect {
            ret: Ok(k as i64),
            payload: Payload::Data {
                addr: buf,
                from: p,
                len: k,
            },
        })
    }

    /// write(2) (`off` None) or pwrite(2): ksys_pwrite64(), vfs_write(),
    /// then the driver, which writes at the end of the data for a file
    /// opened with O_APPEND, whatever the position or offset.
    fn write(&mut self, rw: Rw, mem: &Memory) -> Result<Expect, Expect> {
        let Rw { slot, buf, off, .. } = rw;
        let (mut file, pos, n) = self.vfs_rw(rw, true, mem)?;
        let p = if file.append { self.len } else { pos as usize };
        if n == 0 {
            let path = if p >= CAPACITY {
                Path::WriteEmptyPastCap
            } else {
                Path::WriteEmpty
            };
            return Ok(self.hit(path, 0));
        }
        if p >= CAPACITY {
            let path = if mem.mapped(buf, 1) {
                Path::WriteNoSpace
            } else {
                Path::WriteNoSpaceBadBuf
            };
            return Err(self.hit(path, ENOSPC));
        }
        let k = n.min(CAPACITY - p);
        if !mem.mapped(buf, k) {
            let path = if p > self.len {
                Path::WriteFaultPastEnd
            } else {
                Path::WriteFault
            };
            return Err(self.hit(path, EFAULT));
        }
        if p > self.len {
            self.hit(Path::WriteGap, 0);
            self.data[self.len..p].fill(0);
        }
        if k < n {
            self.hit(Path::WriteShort, 0);
        }
        match (file.append, off) {
            (true, None) => self.paths[Path::WriteAppend as usize] += 1,
            (true, Some(_)) => self.paths[Path::PwriteAppend as usize] += 1,
            _ => {}
        }
        self.data[p..p + k].copy_from_slice(mem.bytes(buf, k));
        self.len = self.len.max(p + k);
        if off.is_none() {
            file.pos = (p + k) as i64;
            self.files[slot] = Some(file);
        }
        self.stats.bytes_written += k as u64;
        Ok((k as i64).into())
    }

    /// lseek(2): ksys_lseek() refuses `whence` above SEEK_MAX, the driver
    /// SEEK_DATA and SEEK_HOLE and any result outside [0, CAPACITY].
    fn lseek(&mut self, slot: usize, off: i64, whence: c_int) -> Result<Expect, Expect> {
        let mut file = self.file(slot)?;
        let base = match whence as u32 {
            w if w > SEEK_MAX => return Err(self.hit(Path::SeekBadWhence, EINVAL)),
            0 => 0,
            1 => file.pos,
            2 => self.len as i64,
            _ => return Err(self.hit(Path::SeekDataHole, EINVAL)),
        };
        match base.checked_add(off) {
            Some(new) if (0..=CAPACITY as i64).contains(&new) => {
                file.pos = new;
                self.files[slot] = Some(file);
                Ok(self.hit(Path::SeekOk, new))
            }
            Some(_) => Err(self.hit(Path::SeekOutside, EINVAL)),
            None => Err(self.hit(Path::SeekOverflow, EINVAL)),
        }
    }

    /// ioctl(2): the kernel takes the command as 32 bits; do_vfs_ioctl()
    /// handles a few itself, the driver the rest.
    fn ioctl(&mut self, slot: usize, cmd: u64, arg: usize, mem: &Memory) -> Result<Expect, Expect> {
        self.file(slot)?;
        let cmd32 = cmd as u32;
        if cmd >> 32 != 0 && [GET_LEN, CLEAR, GET_STATS].contains(&cmd32) {
            self.hit(Path::IoctlHighBits, 0);
        }
        Ok(match cmd32 {
            FIOCLEX | FIONCLEX => self.hit(Path::IoctlVfs, 0),
            FIOQSIZE => self.hit(Path::IoctlVfs, ENOTTY),
            GET_LEN if mem.mapped(arg, 8) => Expect {
                ret: Ok(0),
                payload: Payload::Len {
                    addr: arg,
                    len: self.len as u64,
                },
            },
            GET_STATS if mem.mapped(arg, STATS_SIZE) => Expect {
                ret: Ok(0),
                payload: Payload::Stats {
                    addr: arg,
                    stats: self.stats,
                },
            },
            GET_LEN | GET_STATS => self.hit(Path::IoctlFault, EFAULT),
            CLEAR => {
                self.data.fill(0);
                self.len = 0;
                0.into()
            }
            _ => self.hit(Path::IoctlUnknown, ENOTTY),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn setup() -> (Model, Memory) {
        let mem = Memory::new(&mut Rng::new(1)).expect("user memory for the model");
        (Model::new(Stats::default()), mem)
    }

    fn ret(e: Expect) -> Ret {
        e.ret
    }

    #[test]
    fn write_then_read_round_trip() {
        let (mut m, mem) = setup();
        let buf = mem.arena.base;
        let op = Op::Write {
            slot: CTL,
            buf,
            n: 10,
        };
        assert_eq!(ret(m.step(&op, &mem)), Ok(10));
        assert_eq!(m.len, 10);
        assert_eq!(&m.data[..10], mem.bytes(buf, 10));
        assert_eq!(m.files[CTL].map(|f| f.pos), Some(10));
        assert_eq!(m.stats.bytes_written, 10);
        // Reading at the end returns 0; a pread from 4 returns the rest.
        assert_eq!(
            ret(m.step(
                &Op::Read {
                    slot: CTL,
                    buf,
                    n: 4
                },
                &mem
            )),
            Ok(0)
        );
        let e = m.step(
            &Op::Pread {
                slot: CTL,
                buf,
                n: 100,
                off: 4,
            },
            &mem,
        );
        assert_eq!(e.ret, Ok(6));
        assert!(matches!(
            e.payload,
            Payload::Data {
                from: 4,
                len: 6,
                ..
            }
        ));
        assert_eq!(m.stats.bytes_read, 6);
    }

    #[test]
    fn capacity_edge_and_gap() {
        let (mut m, mem) = setup();
        let buf = mem.arena.base;
        let cap = CAPACITY as i64;
        // Past the length: the gap is zero-filled.
        let e = m.step(
            &Op::Pwrite {
                slot: CTL,
                buf,
                n: 4,
                off: 100,
            },
            &mem,
        );
        assert_eq!(e.ret, Ok(4));
        assert_eq!(m.len, 104);
        assert!(m.data[..100].iter().all(|&b| b == 0));
        // A write across the capacity is short, one at it gets ENOSPC.
        let e = m.step(
            &Op::Pwrite {
                slot: CTL,
                buf,
                n: 8,
                off: cap - 3,
            },
            &mem,
        );
        assert_eq!(e.ret, Ok(3));
        let e = m.step(
            &Op::Pwrite {
                slot: CTL,
                buf,
                n: 8,
                off: cap,
            },
            &mem,
        );
        assert_eq!(e.ret, Err(ENOSPC));
        // Zero bytes at the capacity are no error.
        let e = m.step(
            &Op::Pwrite {
                slot: CTL,
                buf,
                n: 0,
                off: cap,
            },
            &mem,
        );
        assert_eq!(e.ret, Ok(0));
    }

    #[test]
    fn vfs_checks_come_first() {
        let (mut m, mem) = setup();
        let buf = mem.arena.base;
        // A closed slot is EBADF, a negative offset EINVAL before that.
        assert_eq!(
            ret(m.step(&Op::Read { slot: 0, buf, n: 1 }, &mem)),
            Err(EBADF)
        );
        let op = Op::Pread {
            slot: 0,
            buf,
            n: 1,
            off: -1,
        };
        assert_eq!(ret(m.step(&op, &mem)), Err(EINVAL));
        // A kernel address fails access_ok(): EFAULT, even for 0 bytes.
        let op = Op::Write {
            slot: CTL,
            buf: crate::linux_abi::KERNEL_ADDR,
            n: 0,
        };
        assert_eq!(ret(m.step(&op, &mem)), Err(EFAULT));
        // The unmapped guard page passes access_ok() but not the copy.
        let op = Op::Write {
            slot: CTL,
            buf: mem.arena.guard(),
            n: 1,
        };
        assert_eq!(ret(m.step(&op, &mem)), Err(EFAULT));
        assert_eq!(m.len, 0);
    }

    #[test]
    fn open_modes_and_append() {
        let (mut m, mem) = setup();
        let buf = mem.arena.base;
        assert_eq!(
            ret(m.step(
                &Op::Open {
                    slot: 0,
                    flags: O_RDONLY
                },
                &mem
            )),
            Ok(0)
        );
        assert_eq!(
            ret(m.step(&Op::Write { slot: 0, buf, n: 1 }, &mem)),
            Err(EBADF)
        );
        let op = Op::Open {
            slot: 1,
            flags: O_DIRECTORY,
        };
        assert_eq!(ret(m.step(&op, &mem)), Err(ENOTDIR));
        let op = Op::Open {
            slot: 1,
            flags: O_WRONLY | O_APPEND,
        };
        assert_eq!(ret(m.step(&op, &mem)), Ok(0));
        assert_eq!(m.stats.opens, 2);
        // O_APPEND: a pwrite lands at the end, whatever its offset.
        m.step(
            &Op::Pwrite {
                slot: CTL,
                buf,
                n: 5,
                off: 0,
            },
            &mem,
        );
        let op = Op::Pwrite {
            slot: 1,
            buf,
            n: 2,
            off: 0,
        };
        assert_eq!(ret(m.step(&op, &mem)), Ok(2));
        assert_eq!(m.len, 7);
        assert_eq!(ret(m.step(&Op::Close { slot: 1 }, &mem)), Ok(0));
        assert_eq!(ret(m.step(&Op::Close { slot: 1 }, &mem)), Err(EBADF));
    }

    #[test]
    fn lseek_rules() {
        let (mut m, mem) = setup();
        let seek = |m: &mut Model, off, whence| {
            ret(m.step(
                &Op::Lseek {
                    slot: CTL,
                    off,
                    whence,
                },
                &mem,
            ))
        };
        assert_eq!(seek(&mut m, CAPACITY as i64, 0), Ok(CAPACITY as i64));
        assert_eq!(seek(&mut m, 1, 1), Err(EINVAL));
        assert_eq!(seek(&mut m, -1, 2), Err(EINVAL));
        assert_eq!(seek(&mut m, 0, 3), Err(EINVAL));
        assert_eq!(seek(&mut m, 0, 5), Err(EINVAL));
        assert_eq!(seek(&mut m, i64::MAX, 1), Err(EINVAL));
        // Failures leave the position alone.
        assert_eq!(m.files[CTL].map(|f| f.pos), Some(CAPACITY as i64));
    }

    #[test]
    fn ioctls() {
        let (mut m, mem) = setup();
        let buf = mem.arena.base;
        m.step(
            &Op::Write {
                slot: CTL,
                buf,
                n: 3,
            },
            &mem,
        );
        let e = m.step(
            &Op::Ioctl {
                slot: CTL,
                cmd: GET_LEN.into(),
                arg: buf,
            },
            &mem,
        );
        assert_eq!(e.ret, Ok(0));
        assert!(matches!(e.payload, Payload::Len { len: 3, .. }));
        let op = Op::Ioctl {
            slot: CTL,
            cmd: GET_STATS.into(),
            arg: 0,
        };
        assert_eq!(ret(m.step(&op, &mem)), Err(EFAULT));
        // The kernel takes the number as 32 bits.
        let op = Op::Ioctl {
            slot: CTL,
            cmd: (1 << 32) | u64::from(CLEAR),
            arg: 0,
        };
        assert_eq!(ret(m.step(&op, &mem)), Ok(0));
        assert_eq!(m.len, 0);
        let op = Op::Ioctl {
            slot: CTL,
            cmd: FIOQSIZE.into(),
            arg: buf,
        };
        assert_eq!(ret(m.step(&op, &mem)), Err(ENOTTY));
        let op = Op::Ioctl {
            slot: CTL,
            cmd: 0x1234_5678,
            arg: buf,
        };
        assert_eq!(ret(m.step(&op, &mem)), Err(ENOTTY));
    }
}
