// SPDX-License-Identifier: GPL-2.0

//! The numbers of the x86_64 Linux ABI the userspace test programs use, in
//! one place: open(2) flags, lseek(2) `whence` values, mmap(2) flags,
//! system call numbers (with the C library's `syscall()`), and the
//! encoding of ioctl numbers (`_IOC()` of include/uapi/asm-generic/ioctl.h).
//! Shared by the test crates of tests/ (a `#[path]` module of each).

use std::ffi::{c_int, c_long};

#[cfg(not(target_arch = "x86_64"))]
compile_error!("the constants of these programs are those of x86_64 Linux");

// open(2)
pub const O_RDONLY: c_int = 0;
pub const O_WRONLY: c_int = 0o1;
pub const O_RDWR: c_int = 0o2;
/// Access mode 3: neither read nor write, only ioctls (see open(2)).
pub const O_NOACCESS: c_int = 0o3;
pub const O_ACCMODE: c_int = 0o3;
pub const O_CREAT: c_int = 0o100;
pub const O_EXCL: c_int = 0o200;
pub const O_TRUNC: c_int = 0o1000;
pub const O_APPEND: c_int = 0o2000;
pub const O_NONBLOCK: c_int = 0o4000;
pub const O_DIRECTORY: c_int = 0o200000;
pub const O_CLOEXEC: c_int = 0o2000000;

// lseek(2)
pub const SEEK_SET: c_int = 0;
pub const SEEK_CUR: c_int = 1;
pub const SEEK_END: c_int = 2;
pub const SEEK_DATA: c_int = 3;
pub const SEEK_HOLE: c_int = 4;
/// The VFS refuses any `whence` above this (`SEEK_HOLE`).
pub const SEEK_MAX: u32 = 4;

// mmap(2)
pub const PAGE: usize = 4096;
pub const PROT_READ: c_int = 1;
pub const PROT_WRITE: c_int = 2;
pub const MAP_PRIVATE: c_int = 0x02;
pub const MAP_ANONYMOUS: c_int = 0x20;
pub const MAP_FIXED_NOREPLACE: c_int = 0x100000;

/// An address userspace can never access: the start of the kernel half.
pub const KERNEL_ADDR: usize = 0xffff_8000_0000_0000;

// System calls the C library has no wrapper for.
pub const SYS_DELETE_MODULE: c_long = 176;
pub const SYS_FINIT_MODULE: c_long = 313;

extern "C" {
    /// The C library's syscall(2): the number, then the arguments.
    pub fn syscall(number: c_long, ...) -> c_long;
}

// Ioctl numbers: nr in bits 0-7, type (magic) in 8-15, argument size in
// 16-29, direction in 30-31.
pub const IOC_NONE: u32 = 0;
pub const IOC_WRITE: u32 = 1;
pub const IOC_READ: u32 = 2;
const NR_SHIFT: u32 = 0;
const TYPE_SHIFT: u32 = 8;
const SIZE_SHIFT: u32 = 16;
const DIR_SHIFT: u32 = 30;
const NR_MASK: u32 = 0xff;
const TYPE_MASK: u32 = 0xff;
const SIZE_MASK: u32 = 0x3fff;
const DIR_MASK: u32 = 0x3;

/// `_IOC(dir, ty, nr, size)`.
pub const fn ioc(dir: u32, ty: u32, nr: u32, size: u32) -> u32 {
    (dir << DIR_SHIFT) | (size << SIZE_SHIFT) | (ty << TYPE_SHIFT) | (nr << NR_SHIFT)
}

/// `cmd` with its number replaced by `nr`.
pub const fn with_nr(cmd: u32, nr: u32) -> u32 {
    (cmd & !(NR_MASK << NR_SHIFT)) | (nr << NR_SHIFT)
}

/// `cmd` with its type (magic) replaced by `ty`.
pub const fn with_type(cmd: u32, ty: u32) -> u32 {
    (cmd & !(TYPE_MASK << TYPE_SHIFT)) | (ty << TYPE_SHIFT)
}

/// `cmd` with its argument size replaced by `size`.
pub const fn with_size(cmd: u32, size: u32) -> u32 {
    (cmd & !(SIZE_MASK << SIZE_SHIFT)) | (size << SIZE_SHIFT)
}

/// `cmd` with its direction replaced by `dir`.
pub const fn with_dir(cmd: u32, dir: u32) -> u32 {
    (cmd & !(DIR_MASK << DIR_SHIFT)) | (dir << DIR_SHIFT)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Numbers of the kernel's own headers, as the C preprocessor gives them.
    #[test]
    fn ioc_matches_the_kernels_numbers() {
        // FIFREEZE = _IOWR('X', 119, int)
        assert_eq!(ioc(IOC_READ | IOC_WRITE, b'X' as u32, 119, 4), 0xc004_5877);
        // FS_IOC_GETFLAGS = _IOR('f', 1, long)
        assert_eq!(ioc(IOC_READ, b'f' as u32, 1, 8), 0x8008_6601);
        // FS_IOC_SETFLAGS = _IOW('f', 2, long)
        assert_eq!(ioc(IOC_WRITE, b'f' as u32, 2, 8), 0x4008_6602);
        // FIGETBSZ = _IO(0x00, 2)
        assert_eq!(ioc(IOC_NONE, 0, 2, 0), 2);
        // FS_IOC_FSGETXATTR = _IOR('X', 31, struct fsxattr)
        assert_eq!(ioc(IOC_READ, b'X' as u32, 31, 28), 0x801c_581f);
    }

    #[test]
    fn field_edits_change_one_field_only() {
        let cmd = ioc(IOC_READ, 0xab, 0x12, 8);
        assert_eq!(with_nr(cmd, 0x34), ioc(IOC_READ, 0xab, 0x34, 8));
        assert_eq!(with_type(cmd, 0xcd), ioc(IOC_READ, 0xcd, 0x12, 8));
        assert_eq!(with_size(cmd, 0x3fff), ioc(IOC_READ, 0xab, 0x12, 0x3fff));
        assert_eq!(with_dir(cmd, IOC_WRITE), ioc(IOC_WRITE, 0xab, 0x12, 8));
        assert_eq!(with_dir(cmd, IOC_NONE) >> DIR_SHIFT, 0);
        // The largest values of each field do not spill into the others.
        let all = ioc(DIR_MASK, TYPE_MASK, NR_MASK, SIZE_MASK);
        assert_eq!(all, u32::MAX);
        assert_eq!(with_nr(all, 0), 0xffff_ff00);
        assert_eq!(with_type(all, 0), 0xffff_00ff);
        assert_eq!(with_size(all, 0), 0xc000_ffff);
        assert_eq!(with_dir(all, 0), 0x3fff_ffff);
    }
}
