// SPDX-License-Identifier: GPL-2.0

//! errno values: [`Errno`], its names, and [`sys`], which turns the -1 of a
//! failed C call into the errno it left. Shared by the test crates of tests/
//! (a `#[path]` module of each).

use std::fmt;

/// An errno value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

pub const EBADF: Errno = Errno(9);
pub const EAGAIN: Errno = Errno(11);
pub const ENOMEM: Errno = Errno(12);
pub const EACCES: Errno = Errno(13);
pub const EFAULT: Errno = Errno(14);
pub const EEXIST: Errno = Errno(17);
pub const ENOTDIR: Errno = Errno(20);
pub const EINVAL: Errno = Errno(22);
pub const ENOTTY: Errno = Errno(25);
pub const ENOSPC: Errno = Errno(28);

impl Errno {
    /// The errno of the system call that just failed.
    pub fn last() -> Self {
        Self::of(&std::io::Error::last_os_error())
    }

    /// The errno of an I/O error of std (0 for an error without one).
    pub fn of(e: &std::io::Error) -> Self {
        Errno(e.raw_os_error().unwrap_or(0))
    }

    /// The symbolic name, or "" for numbers this program does not know.
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "EPERM",
            2 => "ENOENT",
            3 => "ESRCH",
            4 => "EINTR",
            5 => "EIO",
            6 => "ENXIO",
            7 => "E2BIG",
            8 => "ENOEXEC",
            9 => "EBADF",
            11 => "EAGAIN",
            12 => "ENOMEM",
            13 => "EACCES",
            14 => "EFAULT",
            16 => "EBUSY",
            17 => "EEXIST",
            19 => "ENODEV",
            20 => "ENOTDIR",
            21 => "EISDIR",
            22 => "EINVAL",
            24 => "EMFILE",
            25 => "ENOTTY",
            26 => "ETXTBSY",
            27 => "EFBIG",
            28 => "ENOSPC",
            29 => "ESPIPE",
            30 => "EROFS",
            34 => "ERANGE",
            38 => "ENOSYS",
            61 => "ENODATA",
            74 => "EBADMSG",
            75 => "EOVERFLOW",
            95 => "EOPNOTSUPP",
            126 => "ENOKEY",
            127 => "EKEYEXPIRED",
            128 => "EKEYREVOKED",
            129 => "EKEYREJECTED",
            512 => "ERESTARTSYS",
            524 => "ENOTSUPP",
            _ => "",
        }
    }
}

/// `EINVAL (22)`; a number without a name as `errno 200`.
impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            "" => write!(f, "errno {}", self.0),
            name => write!(f, "{name} ({})", self.0),
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A system call's result: its non-negative return value or its errno.
pub type Ret = Result<i64, Errno>;

/// Turns a C return value into a `Result`: -1 means failure with errno.
pub fn sys<T: PartialEq + From<i8>>(ret: T) -> Result<T, Errno> {
    if ret == T::from(-1) {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}
