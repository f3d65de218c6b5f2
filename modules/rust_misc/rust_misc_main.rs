// SPDX-License-Identifier: GPL-2.0

//! A misc character device in Rust: `/dev/rust-misc`, a small byte store.
//!
//! Userspace reads, writes and seeks it like a file of at most 4096 bytes,
//! and uses the ioctls of `rust_misc.h` to get the data length, clear it or
//! get usage counters. The module has these parts, each one source for every
//! kernel generation the workspace supports (6.1 and 6.12):
//!
//! - `rust_misc.h`: the userspace interface (capacity, ioctl numbers, the
//!   statistics struct), read by bindgen for both the module and its tests;
//! - [`bindings`]: what bindgen generates from it and the kernel's headers;
//! - [`miscdev`]: a small safe wrapper over `misc_register()`/
//!   `misc_deregister()` and the file operations;
//! - [`store`]: what the device does, in safe Rust;
//! - [`compat`]: the kernel APIs `miscdev` and `store` use (a mutex, user
//!   copies, a fixed buffer), the only part that differs by generation.
//!
//! The `unsafe` code is in `miscdev`, `compat` (on 6.1) and the one call
//! below that promises to keep the registration until unload.

#[path = "../common/mod.rs"]
mod common;

mod bindings;
mod compat;
mod miscdev;
mod store;

use common::prelude::*;
use compat::c_str;
use miscdev::Registration;
use store::Store;

module! {
    type: RustMisc,
    name: "rust_misc",
    author: "Rust kernel module workspace",
    description: "A byte store exposed as the misc device /dev/rust-misc",
    license: "GPL",
}

/// The loaded module: the registered device.
struct RustMisc {
    _device: Registration<Store>,
}

impl Module for RustMisc {
    fn init(module: &'static ThisModule) -> Result<Self> {
        // Mode 0600: only root may open the node devtmpfs creates.
        // SAFETY: `module` is this module, and the registration is kept in
        // the module's value, which `init` returns right after, until the
        // module is unloaded.
        let device =
            unsafe { Registration::register(c_str!("rust-misc"), 0o600, module, Store::new()?) }?;
        pr_info!("Registered /dev/rust-misc, misc minor {}\n", device.minor());
        Ok(RustMisc { _device: device })
    }
}

impl Drop for RustMisc {
    fn drop(&mut self) {
        pr_info!("Unregistering /dev/rust-misc\n");
    }
}
