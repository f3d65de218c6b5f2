// SPDX-License-Identifier: GPL-2.0

//! `module!`, [`Module`] and [`ThisModule`] for a kernel crate whose
//! `module!` takes byte strings (no `module_str` capability, Linux 6.1; see
//! `mod.rs`).
//!
//! That `module!` also calls an `init` that receives the module's name and
//! can only fail with `ENOMEM` (the error type of that kernel crate has no
//! constructor for other errnos). So this file declares the module itself,
//! with the same `init_module`/`cleanup_module` and `.modinfo` entries as
//! `module!` does, taking the fields of today's `module!`.

use super::prelude::Result;

/// What the module's `init` receives: `THIS_MODULE` of C.
///
/// The kernel crate of 6.1 has a `ThisModule` too, but no way to read its
/// pointer back, which a `struct file_operations` needs for its `owner`.
///
/// # Invariants
///
/// The pointer is the `__this_module` of the module (`THIS_MODULE`).
pub(crate) struct ThisModule(*mut kernel::bindings::module);

// SAFETY: `THIS_MODULE` is a C object meant to be used from any thread.
unsafe impl Sync for ThisModule {}

impl ThisModule {
    /// # Safety
    ///
    /// `ptr` must be the module's `THIS_MODULE`.
    pub(crate) const unsafe fn from_ptr(ptr: *mut kernel::bindings::module) -> Self {
        // INVARIANT: the caller guarantees it.
        Self(ptr)
    }

    /// The `struct module` pointer, for `owner` fields of C structures.
    pub(crate) fn as_ptr(&self) -> *mut kernel::bindings::module {
        self.0
    }
}

/// What a module's type implements: `init` runs at `insmod`, dropping the
/// value at `rmmod`.
pub(crate) trait Module: Sized + Sync + Send {
    /// Called once, when the module is loaded; an error fails `insmod`.
    fn init(module: &'static ThisModule) -> Result<Self>;
}

/// A `.modinfo` entry, `"key=value\0"`, as the byte array the section holds.
pub(crate) const fn modinfo_entry<const N: usize>(entry: &str) -> [u8; N] {
    let bytes = entry.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// Declares a loadable module: the `init_module`/`cleanup_module` entry
/// points, `THIS_MODULE`, the log prefix of `pr_info!` and the `.modinfo`
/// entries, as the kernel crate's `module!` does. Takes the fields of
/// today's `module!`, in its order: `type`, `name`, `authors` (a list of
/// string literals, one `author` entry each), `description`, `license`.
///
/// Must be invoked at the crate root, which includes `common` as `common`.
macro_rules! module {
    (
        type: $type:ty,
        name: $name:literal,
        authors: [$($author:literal),+ $(,)?],
        description: $description:literal,
        license: $license:literal $(,)?
    ) => {
        /// The prefix of the module's log lines (`pr_info!` reads it).
        const __LOG_PREFIX: &[u8] = concat!($name, "\0").as_bytes();

        /// The module's `THIS_MODULE`.
        static THIS_MODULE: $crate::common::ThisModule = {
            extern "C" {
                static __this_module: core::cell::UnsafeCell<kernel::bindings::module>;
            }
            // SAFETY: `__this_module` is the module's `struct module`, made
            // by modpost and valid while the module is loaded.
            unsafe { $crate::common::ThisModule::from_ptr(__this_module.get()) }
        };

        // Nested twice so that nothing outside can reach the items.
        mod __module_init {
            mod __module_init {
                use super::super::*;

                /// The module's value, between `init_module` and
                /// `cleanup_module`.
                static mut MODULE: Option<$type> = None;

                /// # Safety
                ///
                /// Only for the kernel, once, at load time.
                #[no_mangle]
                #[link_section = ".init.text"]
                unsafe extern "C" fn init_module() -> core::ffi::c_int {
                    match <$type as $crate::common::Module>::init(&THIS_MODULE) {
                        Ok(m) => {
                            // SAFETY: only `init_module` and `cleanup_module`
                            // use `MODULE`, and the kernel calls them once
                            // each, never concurrently.
                            unsafe { MODULE = Some(m) };
                            0
                        }
                        Err(e) => e.to_errno(),
                    }
                }

                /// # Safety
                ///
                /// Only for the kernel, once, at unload time, after
                /// `init_module` returned 0.
                #[no_mangle]
                #[link_section = ".exit.text"]
                unsafe extern "C" fn cleanup_module() {
                    // SAFETY: as in `init_module`; dropping the value is the
                    // module's cleanup.
                    unsafe { MODULE = None };
                }

                $($crate::common::modinfo!(author, $author);)+
                $crate::common::modinfo!(description, $description);
                $crate::common::modinfo!(license, $license);
            }
        }
    };
}
pub(crate) use module;

/// One `.modinfo` entry, `key=value`, as modpost and `modinfo` read it.
macro_rules! modinfo {
    ($key:ident, $value:literal) => {
        const _: () = {
            const ENTRY: &str = concat!(stringify!($key), "=", $value, "\0");
            #[link_section = ".modinfo"]
            #[used]
            static MODINFO: [u8; ENTRY.len()] = $crate::common::modinfo_entry(ENTRY);
        };
    };
}
pub(crate) use modinfo;
