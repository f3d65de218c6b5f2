// SPDX-License-Identifier: GPL-2.0

//! How the reports of rust-misc-stress show a system call's result.

use crate::errno::Ret;

/// `42`, or `-1 EINVAL (22)` for a failure.
pub fn show(r: Ret) -> String {
    match r {
        Ok(v) => v.to_string(),
        Err(e) => format!("-1 {e}"),
    }
}
