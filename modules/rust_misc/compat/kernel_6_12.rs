// SPDX-License-Identifier: GPL-2.0

//! The device's kernel APIs on Linux 6.12: the kernel crate's own (see
//! `mod.rs`).

use crate::common::prelude::*;

pub(crate) use kernel::{
    c_str, ffi,
    str::CStr,
    sync::Mutex,
    types::{AsBytes, Opaque},
    uaccess::{UserPtr, UserSlice, UserSliceReader, UserSliceWriter},
};

/// A new `Mutex` holding `$value`, pinned in its own allocation: a
/// `Result<Pin<KBox<Mutex<T>>>>`. `$name` names its lockdep class.
macro_rules! new_mutex {
    ($value:expr, $name:literal) => {
        ::kernel::prelude::KBox::pin_init(
            ::kernel::new_mutex!($value, $name),
            ::kernel::prelude::GFP_KERNEL,
        )
    };
}
pub(crate) use new_mutex;

/// A buffer of `len` zero bytes.
pub(crate) fn zeroed_buffer(len: usize) -> Result<KVec<u8>> {
    Ok(KVec::from_elem(0, len, GFP_KERNEL)?)
}
