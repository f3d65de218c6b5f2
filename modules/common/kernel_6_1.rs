// SPDX-License-Identifier: GPL-2.0

//! The shared names on Linux 6.1 (see `mod.rs`).
//!
//! The kernel crate of 6.1 has `pr_info!`, `alloc` (a `Vec` with
//! `try_push`, `Box` without a fallible constructor) and a `module!` that
//! takes byte strings and whose `init` can only fail with `ENOMEM`: its
//! `Error` has no constructor for other errnos. So this file declares the
//! module itself, with the same `init_module`/`cleanup_module` and
//! `.modinfo` entries as that `module!`, and has its own [`Error`].

use core::{alloc::Layout, ffi::c_int, pin::Pin, ptr::NonNull};

pub(crate) use alloc::{boxed::Box as KBox, collections::TryReserveError, vec::Vec as KVec};

/// The largest errno (`MAX_ERRNO` of `include/linux/err.h`).
const MAX_ERRNO: c_int = 4095;

/// A kernel error code.
///
/// # Invariants
///
/// The value is a negative errno: `-MAX_ERRNO <= value < 0`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Error(c_int);

impl Error {
    /// The error for a negative errno `errno`, `EINVAL` for any other value
    /// (as `Error::from_errno` of later kernel crates).
    pub(crate) fn from_errno(errno: c_int) -> Error {
        if (-MAX_ERRNO..0).contains(&errno) {
            // INVARIANT: checked just above.
            Error(errno)
        } else {
            code::EINVAL
        }
    }

    /// The negative errno, as C returns it.
    pub(crate) fn to_errno(self) -> c_int {
        self.0
    }
}

impl From<TryReserveError> for Error {
    fn from(_: TryReserveError) -> Error {
        code::ENOMEM
    }
}

/// The error codes the workspace's modules return.
pub(crate) mod code {
    use super::Error;

    macro_rules! declare_err {
        ($($name:ident),* $(,)?) => {
            $(
                #[doc = concat!("`", stringify!($name), "` of `include/uapi/asm-generic/errno*.h`.")]
                // INVARIANT: errno constants are within `1..=MAX_ERRNO`.
                pub(crate) const $name: Error = Error(-(kernel::bindings::$name as core::ffi::c_int));
            )*
        };
    }

    declare_err!(EFAULT, EINVAL, ENOMEM, ENOSPC, ENOTTY);
}

/// `Result` with the kernel [`Error`].
pub(crate) type Result<T = (), E = Error> = core::result::Result<T, E>;

/// `Ok(())` for a C return value that is not negative, else its error.
pub(crate) fn to_result(err: c_int) -> Result {
    if err < 0 {
        Err(Error::from_errno(err))
    } else {
        Ok(())
    }
}

/// Moves `value` into a new kernel allocation, pinned there; `ENOMEM` if
/// the allocation fails.
///
/// `alloc`'s fallible `Box::try_new` is unstable in 6.1, and modules may only
/// use the `core_ffi_c` feature: this allocates through the global
/// allocator (the kernel crate's, `krealloc()` with `GFP_KERNEL`) instead.
pub(crate) fn try_pin_box<T>(value: T) -> Result<Pin<KBox<T>>> {
    let layout = Layout::new::<T>();
    let ptr = if layout.size() == 0 {
        NonNull::<T>::dangling().as_ptr()
    } else {
        // SAFETY: `layout` has a non-zero size.
        let ptr = unsafe { alloc::alloc::alloc(layout) }.cast::<T>();
        if ptr.is_null() {
            return Err(code::ENOMEM);
        }
        ptr
    };
    // SAFETY: `ptr` is valid for writes of a `T` and aligned for it: it was
    // allocated with `T`'s layout (or is dangling, for a zero-sized `T`).
    unsafe { ptr.write(value) };
    // SAFETY: `ptr` holds a `T` in memory allocated by the global allocator
    // with `T`'s layout (or is dangling for a zero-sized `T`), which is what
    // `Box::from_raw` requires; nothing else owns it.
    let boxed = unsafe { KBox::from_raw(ptr) };
    Ok(Pin::from(boxed))
}

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
/// entries, as the kernel crate's `module!` does.
///
/// Must be invoked at the crate root, which includes `common` as `common`.
macro_rules! module {
    (
        type: $type:ty,
        name: $name:literal,
        author: $author:literal,
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

                $crate::common::modinfo!(author, $author);
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

/// See the module docs of `common`.
pub(crate) mod prelude {
    pub(crate) use super::{
        code::*, module, to_result, try_pin_box, Error, KBox, KVec, Module, Result, ThisModule,
    };
    pub(crate) use core::pin::Pin;
    pub(crate) use kernel::{pr_emerg, pr_info};
}
