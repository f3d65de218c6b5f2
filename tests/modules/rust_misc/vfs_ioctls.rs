// SPDX-License-Identifier: GPL-2.0

//! The ioctl numbers the VFS answers itself for a character device, and
//! some that look like them but reach the driver.

use crate::linux_abi::{ioc, IOC_NONE, IOC_READ, IOC_WRITE};

pub const FIONCLEX: u32 = 0x5450;
pub const FIOCLEX: u32 = 0x5451;
pub const FIOQSIZE: u32 = 0x5460;
/// Commands do_vfs_ioctl() of fs/ioctl.c handles itself for a character
/// device, without calling the driver. The fuzzer sends FIOCLEX, FIONCLEX
/// and FIOQSIZE on purpose and never any other of these (some freeze the
/// filesystem or change the file's flags).
pub const VFS_IOCTLS: [u32; 18] = [
    FIONCLEX,
    FIOCLEX,
    0x5421, // FIONBIO
    0x5452, // FIOASYNC
    FIOQSIZE,
    ioc(IOC_READ | IOC_WRITE, b'X' as u32, 119, 4), // FIFREEZE
    ioc(IOC_READ | IOC_WRITE, b'X' as u32, 120, 4), // FITHAW
    ioc(IOC_READ | IOC_WRITE, b'f' as u32, 11, 32), // FS_IOC_FIEMAP
    ioc(IOC_NONE, 0, 2, 0),                         // FIGETBSZ
    ioc(IOC_WRITE, 0x94, 9, 4),                     // FICLONE
    ioc(IOC_WRITE, 0x94, 13, 32),                   // FICLONERANGE
    ioc(IOC_READ | IOC_WRITE, 0x94, 54, 24),        // FIDEDUPERANGE
    ioc(IOC_READ, b'f' as u32, 1, 8),               // FS_IOC_GETFLAGS
    ioc(IOC_WRITE, b'f' as u32, 2, 8),              // FS_IOC_SETFLAGS
    ioc(IOC_READ, b'X' as u32, 31, 28),             // FS_IOC_FSGETXATTR
    ioc(IOC_WRITE, b'X' as u32, 32, 28),            // FS_IOC_FSSETXATTR
    ioc(IOC_READ, 0x15, 0, 17),                     // FS_IOC_GETFSUUID
    ioc(IOC_READ, 0x15, 1, 129),                    // FS_IOC_GETFSSYSFSPATH
];
/// Numbers that look like VFS ones but reach the driver for a character
/// device (FIONREAD, FIBMAP: do_vfs_ioctl handles them for regular files
/// only).
pub const PASSED_IOCTLS: [u32; 2] = [0x541b, 1];
