// SPDX-License-Identifier: GPL-2.0

//! How rust-misc-test runs its checks: [`Tap`] counts and prints them by
//! group, and the comparisons below make their outcomes.

use crate::errno::Errno;
use crate::report::{diag, result, same, Outcome};
use std::collections::HashSet;
use std::fmt;

/// Counts and prints results.
pub struct Tap {
    pub passed: u32,
    pub failed: u32,
    names: HashSet<String>,
}

impl Tap {
    pub fn new() -> Self {
        Tap {
            passed: 0,
            failed: 0,
            names: HashSet::new(),
        }
    }

    pub fn diag(&self, text: &str) {
        diag(text);
    }

    /// Prints the result line of the check `name`.
    pub fn check(&mut self, name: &str, outcome: Outcome) {
        let outcome = if name.contains(" # ") || !self.names.insert(name.to_string()) {
            Err("test bug: duplicate name or name with ' # '".to_string())
        } else {
            outcome
        };
        if result(name, outcome) {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
    }

    /// Runs one group of checks; a failure to set the group up (an error
    /// outside the checks themselves) is reported as a failed check.
    pub fn group(&mut self, name: &str, run: impl FnOnce(&mut Tap) -> Outcome) {
        self.diag(name);
        if let Err(why) = run(self) {
            self.check(&format!("{name}: setup"), Err(why));
        }
    }
}

/// Adds what was being done to a failed call, for `?` in group setup.
pub trait Context<T> {
    fn ctx(self, what: &str) -> Result<T, String>;
}

impl<T> Context<T> for Result<T, Errno> {
    fn ctx(self, what: &str) -> Result<T, String> {
        self.map_err(|e| format!("{what} failed: {e}"))
    }
}

/// A call that must succeed and return `want`.
pub fn ok_eq<T: PartialEq + fmt::Debug>(got: Result<T, Errno>, want: T) -> Outcome {
    match got {
        Ok(got) => same(got, want),
        Err(e) => Err(format!("expected {want:?}, got error {e}")),
    }
}

/// A call that must fail with `want`.
pub fn fails_with<T: fmt::Debug>(got: Result<T, Errno>, want: Errno) -> Outcome {
    match got {
        Ok(v) => Err(format!("expected {want}, got success ({v:?})")),
        Err(e) if e == want => Ok(()),
        Err(e) => Err(format!("expected {want}, got {e}")),
    }
}

/// Byte strings that must be equal; tells the first difference.
pub fn same_bytes(got: &[u8], want: &[u8]) -> Outcome {
    if let Some(i) = got.iter().zip(want).position(|(g, w)| g != w) {
        return Err(format!(
            "byte {i}: expected 0x{:02x}, got 0x{:02x} ({} bytes, {} expected)",
            want[i],
            got[i],
            got.len(),
            want.len()
        ));
    }
    same(got.len(), want.len()).map_err(|e| format!("length: {e}"))
}
