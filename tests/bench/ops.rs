// SPDX-License-Identifier: GPL-2.0

//! What the benchmark measures: each operation, on the Rust device
//! (/dev/rust-misc), its C twin (/dev/c-misc) and the kernel's floor, the
//! cheapest path of the same system call through the same VFS entry point.
//! The guest's measurement and the host's report share this table.

use std::ffi::c_int;

use crate::linux_abi::{SEEK_END, SEEK_SET};

/// One operation, as a system call with its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// pread(2) of this many bytes at offset 0 (the device holds 4096).
    Read(usize),
    /// pwrite(2) of this many bytes at offset 0.
    Write(usize),
    /// lseek(2) to offset 0 from `whence`.
    Seek(c_int),
    GetLen,
    Clear,
    GetStats,
    /// open(2) of the node, O_RDWR, then close(2).
    OpenClose,
    /// getppid(2), only as a floor: the bare cost of a system call.
    Getppid,
    /// finit_module(2) of the .ko.
    Load,
    /// delete_module(2), right after the load.
    Unload,
}

/// An operation of the table.
#[derive(Debug, Clone, Copy)]
pub struct Op {
    /// Name on the raw lines, no spaces.
    pub id: &'static str,
    /// Name in the tables.
    pub label: &'static str,
    pub kind: Kind,
    /// The floor's operation, when there is one.
    pub floor: Option<&'static str>,
    /// Measured on both devices (false: only the floor, getppid).
    pub twins: bool,
    /// What both devices must return on every call, when it is known in
    /// advance (GET_STATS returns counters, only compared).
    pub expect: Option<i64>,
}

const fn op(
    id: &'static str,
    label: &'static str,
    kind: Kind,
    floor: Option<&'static str>,
    expect: Option<i64>,
) -> Op {
    Op {
        id,
        label,
        kind,
        floor,
        twins: true,
        expect,
    }
}

/// Every operation, in the order of the tables.
pub const OPS: [Op; 15] = [
    op(
        "read-1",
        "read 1 B",
        Kind::Read(1),
        Some("/dev/zero read 1 B"),
        Some(1),
    ),
    op(
        "read-64",
        "read 64 B",
        Kind::Read(64),
        Some("/dev/zero read 64 B"),
        Some(64),
    ),
    op(
        "read-4096",
        "read 4096 B",
        Kind::Read(4096),
        Some("/dev/zero read 4096 B"),
        Some(4096),
    ),
    op(
        "write-1",
        "write 1 B",
        Kind::Write(1),
        Some("/dev/null write 1 B"),
        Some(1),
    ),
    op(
        "write-64",
        "write 64 B",
        Kind::Write(64),
        Some("/dev/null write 64 B"),
        Some(64),
    ),
    op(
        "write-4096",
        "write 4096 B",
        Kind::Write(4096),
        Some("/dev/null write 4096 B"),
        Some(4096),
    ),
    op(
        "lseek-set",
        "lseek SEEK_SET",
        Kind::Seek(SEEK_SET),
        Some("/dev/null lseek SEEK_SET"),
        Some(0),
    ),
    op(
        "lseek-end",
        "lseek SEEK_END",
        Kind::Seek(SEEK_END),
        Some("/dev/null lseek SEEK_END"),
        Some(4096),
    ),
    op(
        "ioctl-get-len",
        "ioctl GET_LEN",
        Kind::GetLen,
        Some("FIONCLEX (VFS)"),
        Some(4096),
    ),
    op(
        "ioctl-clear",
        "ioctl CLEAR",
        Kind::Clear,
        Some("FIONCLEX (VFS)"),
        Some(0),
    ),
    op(
        "ioctl-get-stats",
        "ioctl GET_STATS",
        Kind::GetStats,
        Some("FIONCLEX (VFS)"),
        None,
    ),
    op(
        "open-close",
        "open+close",
        Kind::OpenClose,
        Some("/dev/null open+close"),
        Some(0),
    ),
    Op {
        id: "getppid",
        label: "getppid",
        kind: Kind::Getppid,
        floor: Some("getppid"),
        twins: false,
        expect: None,
    },
    op("load", "module load", Kind::Load, None, Some(0)),
    op("unload", "module unload", Kind::Unload, None, Some(0)),
];

/// The operation of a raw line's id.
#[cfg(test)]
pub fn by_id(id: &str) -> Option<&'static Op> {
    OPS.iter().find(|op| op.id == id)
}

/// Operations of the device rounds (all but the module's load and unload).
pub fn device_rounds() -> impl Iterator<Item = &'static Op> {
    OPS.iter()
        .filter(|op| !matches!(op.kind, Kind::Load | Kind::Unload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_words() {
        for (i, op) in OPS.iter().enumerate() {
            assert!(!op.id.contains(' '), "{}", op.id);
            assert!(OPS[..i].iter().all(|o| o.id != op.id), "{} twice", op.id);
            assert_eq!(by_id(op.id).map(|o| o.id), Some(op.id));
        }
    }

    #[test]
    fn every_operation_has_something_to_compare() {
        for op in &OPS {
            assert!(op.twins || op.floor.is_some(), "{}", op.id);
        }
    }
}
