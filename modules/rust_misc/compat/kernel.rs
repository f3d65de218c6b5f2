// SPDX-License-Identifier: GPL-2.0

//! The device's kernel APIs for a kernel crate with `uaccess` and
//! `sync_mutex` (6.12 and later): the kernel crate's own (see `mod.rs`).

use crate::common::prelude::*;

pub(crate) use kernel::{ffi, sync::Mutex};

/// What `miscdev.rs`, the workspace's own misc device, uses besides.
#[cfg(not(ws_has_miscdevice))]
pub(crate) use kernel::{c_str, str::CStr, types::Opaque};

#[cfg(ws_has_transmute)]
pub(crate) use kernel::transmute::AsBytes;
#[cfg(not(ws_has_transmute))]
pub(crate) use kernel::types::AsBytes;

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

/// A buffer of `N` zero bytes, zeroed in place by one `memset`. Not
/// `KVec::from_elem(0, N, ..)`: that stores the bytes one at a time, a loop
/// the compiler keeps at the kernel's `-Copt-level=s` (about 50,000 more
/// instructions per module load for the two buffers, docs/bench.md).
pub(crate) fn zeroed_buffer<const N: usize>() -> Result<Buffer<N>> {
    #[cfg(ws_has_pin_init_crate)]
    let zeroed = pin_init::init_zeroed();
    #[cfg(not(ws_has_pin_init_crate))]
    let zeroed = kernel::init::zeroed();
    KBox::init(zeroed, GFP_KERNEL)
}
