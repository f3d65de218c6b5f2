// SPDX-License-Identifier: GPL-2.0

//! What every module of the workspace shares, on every kernel generation.
//!
//! This folder is not a module and not a crate: each module includes it at
//! its crate root, by path, and imports its prelude instead of the kernel's:
//!
//! ```ignore
//! #[path = "../common/mod.rs"]
//! mod common;
//!
//! use common::prelude::*;
//! ```
//!
//! The prelude gives the same names on every kernel generation the workspace
//! builds for, so that a module's source is one file for all of them:
//!
//! - `module!`: declares the module (type, name, author, description and
//!   license, as string literals in this order);
//! - [`Module`], [`ThisModule`]: what the module's type implements and the
//!   module `init` receives;
//! - `Error`, `Result`, the error codes (`EINVAL`, ...), `from_result` and
//!   `to_result`: kernel errors, returned to C as negative errnos;
//! - `KVec` with a fallible `try_push(value)` (`GFP_KERNEL`), `KBox` and
//!   [`try_pin_box`]: kernel allocations, every one of which may fail;
//! - `pr_info!` and the other items of the kernel crate's prelude.
//!
//! # Kernel generations
//!
//! Kbuild compiles every crate with `--cfg ws_kernel_<generation>`, derived
//! from KDIR's version (see the top-level `Kbuild`). This file selects the
//! file that maps the names above onto that generation's kernel crate; the
//! selection below and that pair of files are the only places of the shared
//! code that depend on the kernel version:
//!
//! - `kernel_6_12.rs`: re-exports of the kernel crate (`module!`, `KVec`,
//!   `kernel::error`), plus `try_push` and `try_pin_box` as one-line
//!   adapters;
//! - `kernel_6_1.rs`: the kernel crate there has only `module!` (with byte
//!   strings), `pr_info!`, an error type that can only hold `ENOMEM` and
//!   `alloc`'s `Vec`; the file declares the module itself and defines the
//!   error type, over nothing but `core`, `alloc` and C symbols.

// Each module uses a different part of what is shared.
#![allow(dead_code, unused_imports, unused_macros)]

#[cfg(ws_kernel_6_1)]
#[path = "kernel_6_1.rs"]
mod generation;

#[cfg(ws_kernel_6_12)]
#[path = "kernel_6_12.rs"]
mod generation;

#[cfg(not(any(ws_kernel_6_1, ws_kernel_6_12)))]
compile_error!("no kernel generation: build through the workspace's Kbuild, which passes --cfg ws_kernel_<generation>");

pub(crate) use generation::*;

/// Runs `f` and turns its result into what a C callback returns: the value,
/// or a negative errno. On 6.12 this is `kernel::error::from_result`, but
/// always inlined: the kernel builds Rust at `-Copt-level=s` when it is
/// optimized for size (as the workspace's kernel is), and there the
/// compiler keeps that generic function out of line, one more call in every
/// file operation (tests/bench, docs/bench.md); 6.1's kernel crate has
/// none.
#[inline(always)]
pub(crate) fn from_result<T, F>(f: F) -> T
where
    T: From<i16>,
    F: FnOnce() -> prelude::Result<T>,
{
    match f() {
        Ok(value) => value,
        // `to_errno()` is in `-MAX_ERRNO..0`, which fits an `i16`.
        Err(e) => T::from(e.to_errno() as i16),
    }
}

/// The names a module of the workspace imports (see the module docs).
pub(crate) mod prelude {
    pub(crate) use super::from_result;
    pub(crate) use super::generation::prelude::*;
}
