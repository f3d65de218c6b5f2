// SPDX-License-Identifier: GPL-2.0

//! A misc character device in Rust: `/dev/rust-misc`, a small byte store.
//!
//! Userspace reads, writes and seeks it like a file of at most 4096 bytes,
//! and uses the ioctls of `rust_misc.h` to get the data length, clear it or
//! get usage counters. The module has these parts:
//!
//! - `rust_misc.h`: the userspace interface (capacity, ioctl numbers, the
//!   statistics struct), read by bindgen for both the module and its tests;
//! - [`bindings`]: what bindgen generates from it and the kernel's headers;
//! - [`store`]: what the device does, in safe Rust, behind the
//!   [`operations::Operations`] trait the file operations call;
//! - [`miscdev`]: the misc device and the module's value, [`RustMisc`].
//!   With today's kernel crate (the `miscdevice` capability, see
//!   `kernels/6.12.conf`) that is `device.rs`: the device registered through
//!   `kernel::miscdevice`, with `lseek(2)` added to the kernel crate's file
//!   operations (see there why). Without it (6.1, 6.12), `miscdev.rs`: the
//!   workspace's own small safe wrapper over `misc_register()`/
//!   `misc_deregister()` and the file operations;
//! - [`file_ops`]: the `read`, `write` and `llseek` file operations both
//!   `miscdev` sources share;
//! - [`compat`]: the kernel APIs the store uses (a mutex, user copies, a
//!   fixed buffer), the kernel crate's own where it has them.
//!
//! Every part but `miscdev` and `compat` is one source for every kernel
//! generation. The `unsafe` code is in `miscdev`, `file_ops` and `compat`.

#[path = "../common/mod.rs"]
mod common;

mod bindings;
mod compat;
mod file_ops;
#[cfg(ws_has_miscdevice)]
#[path = "device.rs"]
mod miscdev;
#[cfg(not(ws_has_miscdevice))]
mod miscdev;
mod operations;
mod store;

use common::prelude::*;
use miscdev::RustMisc;

module! {
    type: RustMisc,
    name: "rust_misc",
    authors: ["Rust kernel module workspace"],
    description: "A byte store exposed as the misc device /dev/rust-misc",
    license: "GPL",
}
