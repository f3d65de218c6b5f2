// SPDX-License-Identifier: GPL-2.0

//! A writable `.init.data`, as a C module's, for the pointer `module!`
//! keeps there.
//!
//! C's `module_init()` keeps a pointer to the init function in the
//! module's `.init.data` with `__initdata`, a writable variable. The
//! kernel crate's `module!` (6.12 to 7.3 at least) keeps the same pointer
//! in `.init.data` as an immutable Rust `static`, which the compiler puts
//! in a read-only section ("a", not "aw"). The module loader
//! (`layout_sections()` in kernel/module/main.c) sorts an init section by
//! its flags: a read-only `.init.data` goes to a region of its own, the
//! init read-only data, that a C module does not have. That is one more
//! allocation at load, one more `set_memory_ro()`, and one more free after
//! `init` that restores the pages' permissions; each permission change
//! also flushes the kernel's lazily freed vmalloc areas
//! (`vm_unmap_aliases()`). Under QEMU's instruction counting that was
//! about 24,000 instructions of every load and unload of `rust_misc`, the
//! largest part of the difference from its C twin `c_misc`
//! (docs/bench.md).
//!
//! The static below is writable (an atomic: interior mutability), so the
//! compiler emits it in a second `.init.data` section, "aw"; the module's
//! final link merges both into one `.init.data` with the flags of both,
//! writable, and the loader puts it with the rest of the init data, as
//! for C. Nothing reads it; it is freed with the rest after `init`. The
//! upstream fix is one word in `rust/macros/module.rs`: the pointer as a
//! `static mut` (or any writable static), as C's is. A kernel crate whose
//! `module!` has no such pointer (6.1) needs none of this: the capability
//! `module_init_ptr` (kernels/6.12.conf) selects it.
//!
//! `#[used(compiler)]`, as `module!` writes its own: a plain `#[used]`
//! means `used(linker)` on ELF for rustc 1.90 and later, which marks the
//! section `SHF_GNU_RETAIN`, the bit the kernel reads as
//! `SHF_RO_AFTER_INIT`; the loader has no region for read-only-after-init
//! init data and warns (`__layout_sections()`, seen on 6.12 with rustc
//! 1.96).

use core::sync::atomic::AtomicU8;

#[used(compiler)]
#[link_section = ".init.data"]
static INIT_DATA_WRITABLE: AtomicU8 = AtomicU8::new(0);
