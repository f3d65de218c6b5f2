// SPDX-License-Identifier: GPL-2.0

//! Loading and unloading a module as insmod and rmmod do, without their
//! processes: finit_module(2) and delete_module(2). Shared by the test
//! crates of tests/ (a `#[path]` module of each, beside errno.rs and
//! linux_abi.rs).

use crate::errno::{sys, Ret};
use crate::linux_abi::{syscall, O_NONBLOCK, SYS_DELETE_MODULE, SYS_FINIT_MODULE};
use std::ffi::{c_int, c_long, CStr};

/// finit_module(2) of the module file open at `fd`, with the parameters
/// `params` (`name=value ...`, empty for none) and no flags.
pub fn finit_module(fd: c_int, params: &CStr) -> Ret {
    // SAFETY: finit_module(2) reads the module from the descriptor and the
    // parameters from a NUL-terminated string that outlives the call.
    sys(unsafe { syscall(SYS_FINIT_MODULE, fd as c_long, params.as_ptr(), 0 as c_long) })
}

/// delete_module(2) of the module `name`, without waiting for its users
/// (`O_NONBLOCK`, as rmmod: EAGAIN while it is in use).
pub fn delete_module(name: &CStr) -> Ret {
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    sys(unsafe { syscall(SYS_DELETE_MODULE, name.as_ptr(), O_NONBLOCK as c_long) })
}
