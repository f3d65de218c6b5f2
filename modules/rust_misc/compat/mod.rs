// SPDX-License-Identifier: GPL-2.0

//! The kernel APIs the device is written against, on every generation.
//!
//! [`crate::store`] and [`crate::miscdev`] are one source for all kernel
//! generations. They use these names, which this folder maps onto what the
//! kernel of the build offers (Kbuild passes `--cfg ws_kernel_<generation>`,
//! see the top-level `Kbuild`). This file's selection and the files it
//! selects are the only places of the module that depend on the kernel
//! version:
//!
//! - `Mutex<T>` with `lock()` returning a guard that derefs to `T`, made by
//!   `new_mutex!(value, "name")` in its own pinned allocation (one lockdep
//!   class per call site, named `name`);
//! - `UserPtr`, `UserSlice`, `UserSliceReader`, `UserSliceWriter` and
//!   `AsBytes`: checked copies from and to userspace, `EFAULT` on a fault;
//! - `Buffer<N>` and `zeroed_buffer::<N>()`: a fixed buffer of `N` zero
//!   bytes (a `KBox<[u8; N]>` zeroed in place on 6.12, a `KVec<u8>` on 6.1);
//! - `Opaque<T>`: a C object that Rust never reads as a whole (`get()` gives
//!   the raw pointer C functions take);
//! - `ffi`: the C integer types.
//!
//! On 6.12 (`kernel_6_12.rs`) they are the kernel crate's own.
//! The kernel crate of 6.1 has none of them, so `kernel_6_1/` provides
//! minimal safe wrappers over bindings generated from KDIR's headers, and
//! over the C helpers in `kernel_6_1/helpers.c` where the C API is an
//! inline function or a macro (`copy_to_user()`, `mutex_lock()`,
//! `mutex_init()` and its lock class key); Kbuild links that file into the
//! module on 6.1 only.

#[cfg(ws_kernel_6_1)]
#[path = "kernel_6_1/mod.rs"]
mod generation;

#[cfg(ws_kernel_6_12)]
#[path = "kernel_6_12.rs"]
mod generation;

pub(crate) use generation::*;
