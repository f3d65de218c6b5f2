// SPDX-License-Identifier: GPL-2.0

//! The shared names on Linux 6.12, whose kernel crate has them all: mostly
//! re-exports (see `mod.rs`).

use kernel::prelude::*;

pub(crate) use kernel::error::to_result;
pub(crate) use kernel::{Module, ThisModule};

/// Declares the module: `kernel::module!`, which takes string literals.
macro_rules! module {
    ($($field:tt)*) => {
        ::kernel::prelude::module! { $($field)* }
    };
}
pub(crate) use module;

/// A fallible push onto a vector, the same call on every generation.
pub(crate) trait TryPush<T> {
    /// Appends `value`, allocating with `GFP_KERNEL` if the vector is full;
    /// `ENOMEM` if that fails.
    fn try_push(&mut self, value: T) -> Result;
}

impl<T> TryPush<T> for KVec<T> {
    fn try_push(&mut self, value: T) -> Result {
        self.push(value, GFP_KERNEL)?;
        Ok(())
    }
}

/// Runs `f` and turns its result into what a C callback returns: the value,
/// or a negative errno. `kernel::error::from_result`, but always inlined:
/// the kernel builds Rust at `-Copt-level=s` when it is optimized for size
/// (as the workspace's kernel is), and there the compiler keeps that
/// generic function out of line, one more call in every file operation
/// (tests/bench, README "Rust vs C").
#[inline(always)]
pub(crate) fn from_result<T, F>(f: F) -> T
where
    T: From<i16>,
    F: FnOnce() -> Result<T>,
{
    match f() {
        Ok(value) => value,
        // `to_errno()` is in `-MAX_ERRNO..0`, which fits an `i16`.
        Err(e) => T::from(e.to_errno() as i16),
    }
}

/// Moves `value` into a new `GFP_KERNEL` allocation, pinned there.
pub(crate) fn try_pin_box<T>(value: T) -> Result<Pin<KBox<T>>> {
    Ok(KBox::pin(value, GFP_KERNEL)?)
}

/// See the module docs of `common`.
pub(crate) mod prelude {
    pub(crate) use super::{
        from_result, module, to_result, try_pin_box, Module, ThisModule, TryPush,
    };
    pub(crate) use kernel::prelude::*;
}
