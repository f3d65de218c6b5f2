// SPDX-License-Identifier: GPL-2.0

//! The result lines both programs print, named after the module and the
//! device tested: `ok rust_misc /dev/rust-misc: NAME`,
//! `not ok rust_misc /dev/rust-misc: NAME # WHY` and `# ...` diagnostics,
//! each flushed at once (children are forked between them). The format is
//! that of the shell tests' printer, tests/lib/ktap.sh.

use crate::device::{device_name, module_name};
use std::fmt;
use std::io::Write as _;

/// The outcome of one check: `Err` holds why it failed.
pub type Outcome = Result<(), String>;

pub fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

pub fn diag(text: &str) {
    line(&format!("# {text}"));
}

/// Prints one result line; returns whether it passed.
pub fn result(name: &str, outcome: Outcome) -> bool {
    match outcome {
        Ok(()) => {
            line(&format!("ok {} {}: {name}", module_name(), device_name()));
            true
        }
        Err(why) => {
            let why = why.replace('\n', " ");
            line(&format!(
                "not ok {} {}: {name} # {why}",
                module_name(),
                device_name()
            ));
            false
        }
    }
}

/// Values that must be equal.
pub fn same<T: PartialEq + fmt::Debug>(got: T, want: T) -> Outcome {
    if got == want {
        Ok(())
    } else {
        Err(format!("expected {want:?}, got {got:?}"))
    }
}
