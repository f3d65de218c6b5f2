// SPDX-License-Identifier: GPL-2.0

//! [`Op`], one operation of the fuzzer, with the counter it counts in and
//! how reports show it.

use crate::abi::{CLEAR, GET_LEN, GET_STATS};
use crate::linux_abi::{O_DIRECTORY, O_EXCL};
use crate::model::{File, CTL};
use crate::user_memory::Memory;
use crate::vfs_ioctls::{FIOCLEX, FIONCLEX, FIOQSIZE};
use std::ffi::c_int;

/// One operation of the fuzzer. `slot` is a descriptor slot; an empty slot
/// stands for a descriptor number that is not open.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    Open {
        slot: usize,
        flags: c_int,
    },
    Close {
        slot: usize,
    },
    Read {
        slot: usize,
        buf: usize,
        n: usize,
    },
    Write {
        slot: usize,
        buf: usize,
        n: usize,
    },
    Pread {
        slot: usize,
        buf: usize,
        n: usize,
        off: i64,
    },
    Pwrite {
        slot: usize,
        buf: usize,
        n: usize,
        off: i64,
    },
    Lseek {
        slot: usize,
        off: i64,
        whence: c_int,
    },
    Ioctl {
        slot: usize,
        cmd: u64,
        arg: usize,
    },
}

/// Which counter an operation counts in.
#[derive(Clone, Copy)]
pub enum Kind {
    Open,
    OpenBad,
    Close,
    Read,
    Write,
    Pread,
    Pwrite,
    Lseek,
    GetLen,
    Clear,
    GetStats,
    IoctlVfs,
    IoctlOther,
}

pub const KINDS: [&str; 13] = [
    "open",
    "open (must fail)",
    "close",
    "read",
    "write",
    "pread",
    "pwrite",
    "lseek",
    "GET_LEN",
    "CLEAR",
    "GET_STATS",
    "ioctl (VFS)",
    "ioctl (unknown)",
];

impl Op {
    pub fn kind(&self) -> Kind {
        match *self {
            Op::Open { flags, .. } if flags & (O_DIRECTORY | O_EXCL) != 0 => Kind::OpenBad,
            Op::Open { .. } => Kind::Open,
            Op::Close { .. } => Kind::Close,
            Op::Read { .. } => Kind::Read,
            Op::Write { .. } => Kind::Write,
            Op::Pread { .. } => Kind::Pread,
            Op::Pwrite { .. } => Kind::Pwrite,
            Op::Lseek { .. } => Kind::Lseek,
            Op::Ioctl { cmd, .. } => match cmd as u32 {
                GET_LEN => Kind::GetLen,
                CLEAR => Kind::Clear,
                GET_STATS => Kind::GetStats,
                FIOCLEX | FIONCLEX | FIOQSIZE => Kind::IoctlVfs,
                _ => Kind::IoctlOther,
            },
        }
    }

    /// The operation as the report shows it, `file` being the model's
    /// state of its descriptor before it ran.
    pub fn describe(&self, mem: &Memory, file: Option<File>) -> String {
        let fd = |slot: usize| {
            let name = if slot == CTL {
                "ctl".to_string()
            } else {
                slot.to_string()
            };
            match file {
                Some(f) => format!(
                    "fd[{name}] ({}{}{}, pos {})",
                    if f.read { "r" } else { "-" },
                    if f.write { "w" } else { "-" },
                    if f.append { ", O_APPEND" } else { "" },
                    f.pos
                ),
                None => format!("fd[{name}] (not open)"),
            }
        };
        match *self {
            Op::Open { slot, flags } => format!("open into fd[{slot}] flags {flags:#o}"),
            Op::Close { slot } => format!("close {}", fd(slot)),
            Op::Read { slot, buf, n } => format!("read {}, {}, {n}", fd(slot), mem.name(buf)),
            Op::Write { slot, buf, n } => format!("write {}, {}, {n}", fd(slot), mem.name(buf)),
            Op::Pread { slot, buf, n, off } => {
                format!("pread {}, {}, {n}, offset {off}", fd(slot), mem.name(buf))
            }
            Op::Pwrite { slot, buf, n, off } => {
                format!("pwrite {}, {}, {n}, offset {off}", fd(slot), mem.name(buf))
            }
            Op::Lseek { slot, off, whence } => {
                format!("lseek {}, {off}, whence {whence}", fd(slot))
            }
            Op::Ioctl { slot, cmd, arg } => {
                let name = match cmd as u32 {
                    GET_LEN => " (GET_LEN)",
                    CLEAR => " (CLEAR)",
                    GET_STATS => " (GET_STATS)",
                    _ => "",
                };
                format!("ioctl {}, {cmd:#x}{name}, {}", fd(slot), mem.name(arg))
            }
        }
    }
}
