// SPDX-License-Identifier: GPL-2.0

//! What bindgen generated at build time from `bindings_helper.h`.
//!
//! Kbuild writes it into the build output and passes its path in the
//! `RUST_MISC_BINDINGS` environment variable (see `Kbuild`). It names only
//! what the kernel crate's own bindings lack (`rust_misc.h`; without
//! `kernel::miscdevice` also `struct miscdevice` and the misc calls; on 6.1
//! the C helpers of `compat/`); the C types it refers to come from
//! `kernel::bindings`.

#![allow(
    dead_code,
    improper_ctypes,
    missing_docs,
    non_camel_case_types,
    non_upper_case_globals,
    unreachable_pub,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]

pub(crate) use kernel::bindings::*;

include!(env!("RUST_MISC_BINDINGS"));
