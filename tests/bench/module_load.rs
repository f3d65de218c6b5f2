// SPDX-License-Identifier: GPL-2.0

//! Both twins loaded, then unloaded, around each device round, with
//! finit_module(2) and delete_module(2) (tests/lib/rust/kmod.rs).

use crate::errno::Errno;
use crate::fd::{close_fd, open_path};
use crate::kmod::{delete_module, finit_module};
use crate::linux_abi::O_RDONLY;
use crate::measure::Twin;
use std::ffi::{c_int, CString};

const ENOENT: i32 = 2;

/// Loads `twins` in this order (the misc core finds a node by walking its
/// list from the newest registration, so the last loaded is found first
/// on open); on an error, unloads those it loaded.
pub fn load_twins(twins: [&Twin; 2]) -> Result<(), String> {
    for (i, twin) in twins.iter().enumerate() {
        let loaded = CString::new(twin.ko.as_str())
            .map_err(|_| format!("bad path {}", twin.ko))
            .and_then(|p| open_path(&p, O_RDONLY).map_err(|e| format!("open {}: {e}", twin.ko)))
            .and_then(|fd| {
                let r = finit_module(fd as c_int, c"");
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
