// SPDX-License-Identifier: GPL-2.0

//! The device's kernel APIs for a kernel crate with `uaccess` and
//! `sync_mutex` (6.12 and later): the kernel crate's own (see `mod.rs`).

#[cfg(not(ws_has_lock_init))]
use crate::common::prelude::*;

pub(crate) use kernel::{ffi, sync::Mutex};

/// What `miscdev.rs`, the workspace's own misc device, uses besides.
#[cfg(not(ws_has_miscdevice))]
pub(crate) use kernel::{c_str, str::CStr, types::Opaque};

#[cfg(ws_has_transmute)]
pub(crate) use kernel::transmute::AsBytes;
#[cfg(not(ws_has_transmute))]
pub(crate) use kernel::types::AsBytes;

/// With `lock_init` (7.x) the kernel crate's own `new_mutex!`: an
/// initializer of a `Mutex` holding what `$init` initializes, built in
/// place by the caller's `pin_init!` (see `Store`).
#[cfg(ws_has_lock_init)]
pub(crate) use kernel::new_mutex;

/// A new `Mutex` holding `$value`, pinned in its own allocation: a
/// `Result<Pin<KBox<Mutex<T>>>>`. `$name` names its lockdep class.
#[cfg(not(ws_has_lock_init))]
macro_rules! new_mutex {
    ($value:expr, $name:literal) => {
        ::kernel::prelude::KBox::pin_init(
            ::kernel::new_mutex!($value, $name),
            ::kernel::prelude::GFP_KERNEL,
        )
    };
}
#[cfg(not(ws_has_lock_init))]
pub(crate) use new_mutex;

/// A fixed buffer of `N` bytes: part of the value that holds it where
/// that value is built in place (`lock_init`), else its own allocation.
#[cfg(ws_has_lock_init)]
pub(crate) type Buffer<const N: usize> = [u8; N];
/// A fixed buffer of `N` bytes.
#[cfg(not(ws_has_lock_init))]
pub(crate) type Buffer<const N: usize> = KBox<[u8; N]>;

/// An initializer that zeroes what it initializes in place (a `Buffer` of
/// a store built in place: one `memset`).
#[cfg(ws_has_lock_init)]
pub(crate) use pin_init::init_zeroed as zeroed;

/// A buffer of `N` zero bytes, zeroed in place by one `memset`. Not
/// `KVec::from_elem(0, N, ..)`: that stores the bytes one at a time, a loop
/// the compiler keeps at the kernel's `-Copt-level=s` (about 50,000 more
/// instructions per module load for the two buffers, docs/bench.md).
#[cfg(not(ws_has_lock_init))]
pub(crate) fn zeroed_buffer<const N: usize>() -> Result<Buffer<N>> {
    #[cfg(ws_has_pin_init_crate)]
    let zeroed = pin_init::init_zeroed();
    #[cfg(not(ws_has_pin_init_crate))]
    let zeroed = kernel::init::zeroed();
    KBox::init(zeroed, GFP_KERNEL)
}
