// SPDX-License-Identifier: GPL-2.0

//! finit_module(2) and delete_module(2): what insmod and rmmod do, without
//! their processes, so that the benchmark times the kernel's work alone;
//! and both twins loaded, then unloaded, around each device round.

use crate::errno::{sys, Errno, Ret};
use crate::fd::{close_fd, open_path};
use crate::linux_abi::{syscall, O_NONBLOCK, O_RDONLY, SYS_DELETE_MODULE, SYS_FINIT_MODULE};
use crate::measure::Twin;
use std::ffi::{c_int, c_long, CStr, CString};

const ENOENT: i32 = 2;

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

/// Loads `twins` in this order (the misc core finds a node by walking its
/// list from the newest registration, so the last loaded is found first
/// on open); on an error, unloads those it loaded.
pub fn load_twins(twins: [&Twin; 2]) -> Result<(), String> {
    for (i, twin) in twins.iter().enumerate() {
        let loaded = CString::new(twin.ko.as_str())
            .map_err(|_| format!("bad path {}", twin.ko))
            .and_then(|p| open_path(&p, O_RDONLY).map_err(|e| format!("open {}: {e}", twin.ko)))
            .and_then(|fd| {
                let r = finit_module(fd as c_int);
                let _ = close_fd(fd as c_int);
                r.map_err(|e| format!("finit_module {}: {e}", twin.ko))
            });
        if let Err(e) = loaded {
            let _ = unload_twins(&twins[..i]);
            return Err(e);
        }
    }
    Ok(())
}

/// Unloads each of `twins` that is loaded (ENOENT: it was not).
pub fn unload_twins(twins: &[&Twin]) -> Result<(), String> {
    let mut errors = Vec::new();
    for twin in twins {
        let name = CString::new(twin.module).map_err(|_| "bad module name".to_string())?;
        match delete_module(&name) {
            Ok(_) | Err(Errno(ENOENT)) => {}
            Err(e) => errors.push(format!("delete_module {}: {e}", twin.module)),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}
