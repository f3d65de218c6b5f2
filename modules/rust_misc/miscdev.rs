// SPDX-License-Identifier: GPL-2.0

//! A minimal safe wrapper over the kernel's misc device API, for a kernel
//! crate without `kernel::miscdevice` (no `miscdevice` capability: 6.1 and
//! 6.12; with it, `device.rs` is the module's `miscdev` instead).
//!
//! With the compat layer (`compat/`, which on 6.1 wraps C APIs the kernel crate
//! lacks) and `file_ops.rs`, this is the only file of the module with `unsafe`
//! code; it is the same for every kernel generation without
//! `kernel::miscdevice`. [`Registration`] registers a `struct miscdevice` with
//! `misc_register()` and fills its `struct file_operations` with callbacks
//! (`open` and `unlocked_ioctl` here, `read`, `write` and `llseek` from
//! `file_ops.rs`) that turn the C calls into calls of the [`Operations`] trait
//! with safe arguments: user buffers become `UserSliceReader`/`UserSliceWriter`
//! (every access checked, a bad pointer is `EFAULT`), the file position a plain
//! integer. Dropping the registration calls `misc_deregister()`. [`RustMisc`],
//! the module's value, keeps the registration until the module is unloaded.
//!
//! Lifetimes: the `miscdevice`, its file operations and the device state live
//! in one pinned allocation owned by the [`Registration`]. The operations'
//! `owner` is the module, so the VFS holds a reference on the module for
//! every open file: `rmmod` fails with "in use" while a file is open, and the
//! module can only go after the last close. That is what makes freeing the
//! allocation sound, so a registration may only be dropped when its module
//! is unloaded: [`Registration::register`] is `unsafe` with that contract,
//! and the module keeps the registration in its value.

use crate::{
    bindings,
    common::prelude::*,
    compat::{
        c_str,
        ffi::{c_int, c_long, c_uint, c_ulong, c_void},
        CStr, Opaque, UserPtr,
    },
    file_ops::{self, OpenFile},
    operations::Operations,
    store::Store,
};

/// The allocation a registered device lives in.
///
/// `repr(C)` with `misc` first: a pointer to `misc`, which the misc core
/// gives `open`, is a pointer to the whole `Device`.
#[repr(C)]
struct Device<T> {
    misc: Opaque<bindings::miscdevice>,
    fops: Opaque<bindings::file_operations>,
    data: T,
}

/// A misc device registered with the kernel; unregistered when dropped.
///
/// # Invariants
///
/// - `device` is registered with `misc_register()`, and its `miscdevice`,
///   file operations and data stay in place until `drop` deregisters it.
/// - The registration is dropped only when the module is unloaded (the
///   safety contract of [`Registration::register`]). Every open file of the
///   device points into `device` (its `private_data`) and holds a reference
///   on the module (`owner` of the file operations), so when the module is
///   unloaded no file is open and none can be opened any more: freeing
///   `device` then leaves nothing pointing into it.
pub(crate) struct Registration<T: Operations> {
    device: Pin<KBox<Device<T>>>,
}

// SAFETY: the C side of the registration (the misc core, the VFS) does its
// own locking, the Rust side only reads `minor` after `misc_register()`, and
// the device state `T` is itself `Send`/`Sync`: moving the registration to
// another thread or sharing it is sound.
unsafe impl<T: Operations + Send> Send for Registration<T> {}

// SAFETY: see the `Send` implementation; `&Registration` only gives `minor()`.
unsafe impl<T: Operations> Sync for Registration<T> {}

impl<T: Operations> Registration<T> {
    /// Registers `/dev/<name>` with a dynamic minor and node mode `mode`,
    /// its files served by `data`; `module` owns the file operations.
    ///
    /// # Safety
    ///
    /// `module` must be the module calling this, and the registration must
    /// only be dropped when that module is unloaded: it must be kept, until
    /// then, in the value the module's `init` returned successfully (an
    /// open file would otherwise point into freed memory).
    pub(crate) unsafe fn register(
        name: &'static CStr,
        mode: u16,
        module: &'static ThisModule,
        data: T,
    ) -> Result<Self> {
        let device = try_pin_box(Device {
            misc: Opaque::uninit(),
            fops: Opaque::uninit(),
            data,
        })?;

        let fops = bindings::file_operations {
            owner: module.as_ptr(),
            open: Some(open::<T>),
            read: Some(file_ops::read::<Device<T>>),
            write: Some(file_ops::write::<Device<T>>),
            llseek: Some(file_ops::llseek::<Device<T>>),
            unlocked_ioctl: Some(ioctl::<T>),
            ..Default::default()
        };
        let misc = bindings::miscdevice {
            minor: bindings::MISC_DYNAMIC_MINOR as c_int,
            name: name.as_char_ptr(),
            fops: device.fops.get(),
            mode,
            ..Default::default()
        };
        // SAFETY: the allocation is ours alone until `misc_register()`, and
        // both fields are valid for writes.
        unsafe {
            device.fops.get().write(fops);
            device.misc.get().write(misc);
        }
        // SAFETY: `misc` is fully initialized and pinned; it, the operations
        // it points to and `name` (static) stay valid until `drop` calls
        // `misc_deregister()`. On failure nothing was registered, and the
        // allocation is simply freed.
        to_result(unsafe { bindings::misc_register(device.misc.get()) })?;
        // INVARIANT: registered just above; the caller drops the
        // registration only at module unload.
        Ok(Self { device })
    }

    /// The minor number the kernel assigned.
    pub(crate) fn minor(&self) -> i32 {
        // SAFETY: `misc` was initialized in `register`; the misc core only
        // writes `minor` inside `misc_register()`, which has returned.
        unsafe { (*self.device.misc.get()).minor }
    }
}

impl<T: Operations> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: the device is registered (type invariant). After this call
        // no new file can be opened, and none is open: the module is being
        // unloaded (type invariant), so no file holds a reference on it.
        unsafe { bindings::misc_deregister(self.device.misc.get()) };
    }
}

impl<T: Operations> OpenFile for Device<T> {
    type State = T;

    #[inline]
    unsafe fn with_state<R>(file: *mut bindings::file, f: impl FnOnce(&T) -> R) -> R {
        // SAFETY: `open::<T>` stored a pointer to the `T` of a live
        // `Device<T>` in `private_data`; it outlives the file (see
        // `Registration`), which the caller keeps open meanwhile.
        f(unsafe { &*((*file).private_data as *const T) })
    }
}

/// `open` file operation: points `private_data` at the device state.
///
/// # Safety
///
/// Only for the VFS, through `misc_open()`: `file` is a file being opened on
/// a device registered by [`Registration::register`] for this `T`, with
/// `private_data` pointing at its `miscdevice`.
unsafe extern "C" fn open<T: Operations>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: `misc_open()` calls this with `private_data` pointing at the
    // `miscdevice` registered by `Registration::register`, the first field
    // of a `repr(C)` `Device<T>` that is alive while the device is
    // registered.
    let device = unsafe { &*((*file).private_data as *const Device<T>) };
    from_result(|| {
        device.data.open()?;
        // SAFETY: `file` is valid and not yet visible to other tasks.
        unsafe { (*file).private_data = &device.data as *const T as *mut c_void };
        Ok(0)
    })
}

/// `unlocked_ioctl` file operation.
///
/// # Safety
///
/// Only for the VFS: `file` was opened by [`open`] with this `T` and is not
/// released.
unsafe extern "C" fn ioctl<T: Operations>(
    file: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: the VFS only calls ioctl on files whose `open` succeeded, and
    // holds a reference on the file during the call.
    unsafe {
        Device::<T>::with_state(file, |data| {
            from_result(|| {
                let ret = data.ioctl(cmd, arg as UserPtr)?;
                c_long::try_from(ret).map_err(|_| EINVAL)
            })
        })
    }
}

/// The loaded module: the registered device.
pub(crate) struct RustMisc {
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
