// SPDX-License-Identifier: GPL-2.0

//! A module that owns kernel memory: a vector of numbers.
//!
//! At load time it allocates a [`KVec`] and pushes three numbers into it.
//! Every push may allocate, and a kernel allocation can fail, so each one,
//! `push(n, GFP_KERNEL)` (allocation flags: may sleep, normal priority),
//! returns a `Result`; `?` hands a failure back to `insmod` as `ENOMEM`
//! instead of panicking. The vector is freed when the module is dropped at
//! unload time, after it has been logged.

#[path = "../common/mod.rs"]
mod common;

use common::prelude::*;

module! {
    type: NumbersVec,
    name: "numbers_vec",
    authors: ["Rust kernel module workspace"],
    description: "Keeps a kernel vector of numbers and logs it on unload",
    license: "GPL",
}

/// The numbers pushed at load time, in order.
const NUMBERS: [i32; 3] = [72, 108, 200];

/// The module's state: the vector it allocated.
struct NumbersVec {
    numbers: KVec<i32>,
}

impl Module for NumbersVec {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let mut numbers = KVec::new();
        for n in NUMBERS {
            numbers.push(n, GFP_KERNEL)?;
        }
        pr_info!("Loaded with {} numbers\n", numbers.len());
        Ok(NumbersVec { numbers })
    }
}

impl Drop for NumbersVec {
    fn drop(&mut self) {
        pr_info!("My numbers are {:?}\n", self.numbers);
        pr_info!("Exiting, freeing the vector\n");
    }
}
