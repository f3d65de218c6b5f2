// SPDX-License-Identifier: GPL-2.0

//! finit_module(2) and delete_module(2): what insmod and rmmod do, without
//! their processes, so that the benchmark times the kernel's work alone.

use crate::errno::{sys, Ret};
use crate::linux_abi::{syscall, O_NONBLOCK, SYS_DELETE_MODULE, SYS_FINIT_MODULE};
use std::ffi::{c_int, c_long, CStr};

/// finit_module(2) of the module file open at `fd`, without parameters.
pub fn finit_module(fd: c_int) -> Ret {
    // SAFETY: finit_module(2) reads the module from the descriptor and the
    // parameters from a NUL-terminated string, here an empty static one.
    sys(unsafe { syscall(SYS_FINIT_MODULE, fd as c_long, c"".as_ptr(), 0 as c_long) })
}

/// delete_module(2) of the module `name`, without waiting for users.
pub fn delete_module(name: &CStr) -> Ret {
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    sys(unsafe { syscall(SYS_DELETE_MODULE, name.as_ptr(), O_NONBLOCK as c_long) })
}
