// SPDX-License-Identifier: GPL-2.0

//! The device's kernel APIs on Linux 6.12: the kernel crate's own (see
//! `mod.rs`).

use crate::common::prelude::*;
use kernel::init::InPlaceInit;

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

/// A fixed buffer of `N` bytes.
pub(crate) type Buffer<const N: usize> = KBox<[u8; N]>;

/// A buffer of `N` zero bytes, zeroed in place by one `memset`
/// (`init::zeroed()`). Not `KVec::from_elem(0, N, ..)`: that stores the
/// bytes one at a time, a loop the compiler keeps at the kernel's
/// `-Copt-level=s` (about 50,000 more instructions per module load for the
/// two buffers, docs/bench.md).
pub(crate) fn zeroed_buffer<const N: usize>() -> Result<Buffer<N>> {
    KBox::init(kernel::init::zeroed(), GFP_KERNEL)
}
