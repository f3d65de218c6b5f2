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

/// Moves `value` into a new `GFP_KERNEL` allocation, pinned there.
pub(crate) fn try_pin_box<T>(value: T) -> Result<Pin<KBox<T>>> {
    Ok(KBox::pin(value, GFP_KERNEL)?)
}

/// See the module docs of `common`.
pub(crate) mod prelude {
    pub(crate) use super::{module, to_result, try_pin_box, Module, ThisModule, TryPush};
    pub(crate) use kernel::prelude::*;
}
