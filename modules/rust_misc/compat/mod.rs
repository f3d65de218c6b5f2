// SPDX-License-Identifier: GPL-2.0

//! The kernel APIs the device is written against, on every generation.
//!
//! [`crate::store`] is one source for all kernel generations. It uses these
//! names, which this folder maps onto what the kernel crate of the build
//! offers, selected by its capabilities (Kbuild passes `--cfg
//! ws_has_<capability>`, see the top-level `Kbuild` and `kernels/6.12.conf`):
//!
//! - `Mutex<T>` with `lock()` returning a guard that derefs to `T`, made by
//!   `new_mutex!(value, "name")` in its own pinned allocation (one lockdep
//!   class per call site, named `name`), or, with `lock_init` (7.x), by
//!   the kernel crate's `new_mutex!(initializer, "name")`, built in place
//!   inside the value that holds it;
//! - `UserPtr`, `UserSlice`, `UserSliceReader`, `UserSliceWriter` and
//!   `AsBytes`: checked copies from and to userspace, `EFAULT` on a fault
//!   (`uaccess.rs`, the workspace's own on every generation: see there
//!   why);
//! - `Buffer<N>`: a fixed buffer of `N` bytes; with `lock_init` a `[u8;
//!   N]` in the store, zeroed in place by `zeroed()`, else an allocation of
//!   its own from `zeroed_buffer::<N>()` (a `KBox<[u8; N]>` zeroed in
//!   place, or a `KVec<u8>` without `sync_mutex`);
//! - `Opaque<T>`: a C object that Rust never reads as a whole (`get()` gives
//!   the raw pointer C functions take);
//! - `ffi`: the C integer types; `CStr` and `c_str!`.
//!
//! With `uaccess` and `sync_mutex` (6.12 and later, `kernel.rs`) the rest
//! are the kernel crate's own. A kernel crate without them (6.1) gets
//! `own/`: minimal safe wrappers over bindings generated from KDIR's
//! headers, and over the C helpers in `own/helpers.c` where the C API is an
//! inline function or a macro (`copy_to_user()`, `mutex_lock()`,
//! `mutex_init()` and its lock class key); Kbuild links that file into the
//! module only then.

#[cfg(not(all(ws_has_uaccess, ws_has_sync_mutex)))]
#[path = "own/mod.rs"]
mod generation;

#[cfg(all(ws_has_uaccess, ws_has_sync_mutex))]
#[path = "kernel.rs"]
mod generation;

pub(crate) use generation::*;

mod uaccess;
pub(crate) use uaccess::{UserPtr, UserSlice, UserSliceReader, UserSliceWriter};
