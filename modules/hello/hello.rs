// SPDX-License-Identifier: GPL-2.0

//! The smallest useful Rust kernel module.
//!
//! It logs a greeting when it is loaded and a goodbye when it is unloaded.
//! Everything a module needs is here: the `module!` declaration that becomes
//! the `.modinfo` section `modinfo` reads, a type implementing
//! [`Module`] whose `init` runs at `insmod`, and a [`Drop`]
//! implementation that runs at `rmmod`.

#[path = "../common/mod.rs"]
mod common;

use common::prelude::*;

module! {
    type: Hello,
    name: "hello",
    authors: ["Rust kernel module workspace"],
    description: "Logs a greeting on load and a goodbye on unload",
    license: "GPL",
}

/// The module's state; it holds nothing, its lifetime is the point.
struct Hello;

impl Module for Hello {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("Hello from Rust in the kernel!\n");
        Ok(Hello)
    }
}

impl Drop for Hello {
    fn drop(&mut self) {
        pr_info!("Goodbye from Rust\n");
    }
}
