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
//! The modules are written against today's kernel crate, and on a kernel
//! whose crate has everything the prelude is `kernel::prelude::*` plus
//! [`Module`] (what `impl kernel::Module` names), `to_result` and two helpers
//! of the workspace's own code (`from_result`, `try_pin_box`):
//!
//! - `module!` with `type`, `name`, `authors: [...]`, `description` and
//!   `license`, as string literals;
//! - [`Module`], [`ThisModule`]: what the module's type implements and the
//!   module `init` receives;
//! - `Error`, `Result`, the error codes (`EINVAL`, ...) and `to_result`;
//! - `KVec` with `push(value, GFP_KERNEL)`, `KBox`: kernel allocations,
//!   every one of which may fail;
//! - `pr_info!` and the other items of the kernel crate's prelude.
//!
//! # Older kernel crates
//!
//! A plain upstream module (`use kernel::prelude::*;`) builds only on a
//! kernel crate of today. For the older ones this folder stands in for what
//! their kernel crate lacks, item by item. The top-level `Kbuild` compiles
//! every crate with `--cfg ws_has_<capability>` for each capability the
//! kernel crate of KDIR has (`KERNEL_CRATE_HAS` of its `kernels/*.conf`,
//! documented in `kernels/6.12.conf`); each stand-in below is selected by
//! the capability it replaces, never by a kernel version:
//!
//! - without `module_authors` but with `module_str` (6.12): `module!` takes
//!   `author:`, one string; the `module!` below passes the single entry of
//!   `authors` on as `author`;
//! - without `module_str` (6.1): `module!` takes byte strings and its
//!   `init` can only fail with `ENOMEM`; `own_module.rs` declares the
//!   module itself;
//! - without `kvec` (6.1): no `KVec`/`KBox` with flags, an error type for
//!   `ENOMEM` only; `own_alloc.rs` has its own, over `core`, `alloc` and C
//!   symbols.
//!
//! And with a kernel crate whose `module!` keeps its init pointer in a
//! read-only `.init.data` (`module_init_ptr`: 6.12, 7.x), `init_data.rs`
//! makes that section writable, as a C module's is (see there why).

// Each module uses a different part of what is shared.
#![allow(dead_code, unused_imports, unused_macros)]

#[cfg(ws_has_module_init_ptr)]
mod init_data;

#[cfg(not(ws_has_kvec))]
mod own_alloc;
#[cfg(not(ws_has_kvec))]
pub(crate) use own_alloc::*;

#[cfg(not(ws_has_module_str))]
mod own_module;
#[cfg(not(ws_has_module_str))]
pub(crate) use own_module::*;

#[cfg(ws_has_kvec)]
pub(crate) use kernel::error::to_result;
#[cfg(ws_has_module_str)]
pub(crate) use kernel::{Module, ThisModule};

/// `module!` of today for a kernel crate whose `module!` takes one
/// `author:` (no `module_authors`). The fields are passed on as single
/// tokens (`tt`): the kernel's proc macro expects the tokens themselves, not
/// the groups a `ty` or `literal` fragment becomes.
#[cfg(all(ws_has_module_str, not(ws_has_module_authors)))]
macro_rules! module {
    (
        type: $type:tt,
        name: $name:tt,
        authors: [$author:tt $(,)?],
        $($rest:tt)*
    ) => {
        ::kernel::prelude::module! {
            type: $type,
            name: $name,
            author: $author,
            $($rest)*
        }
    };
}
#[cfg(all(ws_has_module_str, not(ws_has_module_authors)))]
pub(crate) use module;

/// Moves `value` into a new `GFP_KERNEL` allocation, pinned there: the
/// workspace's own code (`rust_misc`'s `miscdev.rs` and `compat/`) calls
/// this, as `KBox::pin` of today's kernel crate takes flags and that of 6.1
/// does not exist.
#[cfg(ws_has_kvec)]
pub(crate) fn try_pin_box<T>(value: T) -> prelude::Result<prelude::Pin<prelude::KBox<T>>> {
    use prelude::*;
    Ok(KBox::pin(value, GFP_KERNEL)?)
}

/// Runs `f` and turns its result into what a C callback returns: the value,
/// or a negative errno. As `kernel::error::from_result` (which 6.1's kernel
/// crate lacks), but always inlined: the kernel builds Rust at
/// `-Copt-level=s` when it is optimized for size (as the workspace's kernel
/// is), and there the compiler keeps that generic function out of line, one
/// more call in every file operation (tests/bench, docs/bench.md).
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
    #[cfg(ws_has_kvec)]
    pub(crate) use kernel::prelude::*;

    #[cfg(not(ws_has_kvec))]
    pub(crate) use super::own_alloc::{
        code::*, AllocError, Error, Flags, KBox, KVec, Result, GFP_KERNEL,
    };
    #[cfg(not(ws_has_kvec))]
    pub(crate) use core::pin::Pin;
    #[cfg(not(ws_has_kvec))]
    pub(crate) use kernel::{pr_emerg, pr_info};

    #[cfg(not(ws_has_module_authors))]
    pub(crate) use super::module;

    pub(crate) use super::{from_result, to_result, try_pin_box, Module, ThisModule};
}
