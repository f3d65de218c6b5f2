// SPDX-License-Identifier: GPL-2.0

//! The misc device through the kernel crate's `kernel::miscdevice`, for a
//! kernel crate that has it (the `miscdevice` capability; the module's
//! `miscdev` then, in place of `miscdev.rs`).
//!
//! [`RustMisc`], the module, registers `/dev/rust-misc` with a
//! [`MiscDeviceRegistration`] and keeps the device's one [`Store`]; every
//! open file gets a reference to it ([`MiscDevice::Ptr`] is `Arc<Store>`),
//! and `ioctl`, and the file operations added below, call the store's
//! [`Operations`]. The node's mode is the default of devtmpfs for a misc
//! device that sets none, 0600.
//!
//! # `lseek(2)`, `read(2)` and `write(2)`
//!
//! The file operations `kernel::miscdevice` builds for a [`MiscDevice`]
//! have no `llseek` (the trait has no such method), and `do_dentry_open()`
//! clears `FMODE_LSEEK` after `->open` when `f_op->llseek` is `NULL`: every
//! `lseek(2)` on the device would fail with `ESPIPE`. The device's ABI
//! (`rust_misc.h`) has `lseek(2)` with `SEEK_SET`, `SEEK_CUR` and `SEEK_END`,
//! on every kernel and in the C twin. So [`MiscDevice::open`] replaces the
//! file's `f_op`, as `misc_open()` itself does with `replace_fops()`, by
//! [`FOPS`]: the kernel crate's own table for [`Store`]
//! (`MiscDeviceOptions::into_raw::<Store>().fops`, evaluated at compile time),
//! with [`file_ops::llseek`] added. Its `owner` is the kernel crate's, this
//! module, so the module reference `misc_open()` took for the old table is the
//! one `fput()` drops for the new one. After `->open`, `do_dentry_open()` sees
//! an `llseek` and `FMODE_LSEEK` stays.
//!
//! The same table gives `read(2)` and `write(2)` the direct path C drivers
//! have: [`file_ops::read`] and [`file_ops::write`], the `read` and `write`
//! file operations (shared with `miscdev.rs`), take the user buffer as a
//! pointer and a length, as `kernel::uaccess` does. The trait has only
//! `read_iter` and `write_iter`, with which `vfs_read()` and `vfs_write()` go
//! through `new_sync_read()`/`new_sync_write()`, building a `kiocb` and an
//! `iov_iter` for every call: 68 more instructions per `read(2)` than a `read`
//! file operation, counted on the 7.3 benchmark kernel (docs/bench.md). The
//! device leaves them out; `readv(2)` and `writev(2)` then call `read` and
//! `write` once per buffer, as for the C twin.
//!
//! `llseek`, `read` and `write` methods in `kernel::miscdevice::MiscDevice`
//! (with their `HAS_` entries in the vtable, as `read_iter` has) would make
//! this unnecessary: [`FOPS`], the `impl OpenFile for Store` and the `f_op`
//! write in `open` would give way to methods of the `impl MiscDevice for
//! Store`.

use crate::{
    bindings,
    common::prelude::*,
    file_ops::{self, OpenFile},
    operations::Operations,
    store::Store,
};
use kernel::{
    fs::File,
    miscdevice::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration},
    sync::Arc,
    types::ForeignOwnable,
};

/// The device's name: `/dev/rust-misc`.
const NAME: &CStr = c"rust-misc";

/// The loaded module: the registered device and its store.
///
/// `miscdev` is declared first so that it is dropped first: the device is
/// deregistered before the module lets go of the store.
#[pin_data(PinnedDrop)]
pub(crate) struct RustMisc {
    #[pin]
    miscdev: MiscDeviceRegistration<Store>,
    store: Arc<Store>,
}

impl kernel::InPlaceModule for RustMisc {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            store: new_store()?,
            miscdev <- MiscDeviceRegistration::register(MiscDeviceOptions { name: NAME }),
        })
        .pin_chain(|this: Pin<&mut Self>| {
            // SAFETY: the device is registered; the misc core only writes
            // `minor` inside `misc_register()`, which has returned.
            let minor = unsafe { (*this.miscdev.as_raw()).minor };
            pr_info!("Registered /dev/rust-misc, misc minor {}\n", minor);
            Ok(())
        })
    }
}

/// The device's store in its `Arc`: with `lock_init`, the store, its mutex
/// and buffers included, is built in the `Arc`'s one allocation.
/// (`#[inline]`, as `#[inline]` on `drop` below: the module's `init` and
/// `exit` compile them in, and without it the `.ko` would keep copies that
/// nothing calls, see `store::count`.)
#[inline]
fn new_store() -> Result<Arc<Store>> {
    #[cfg(ws_has_lock_init)]
    let store = Arc::pin_init(Store::new(), GFP_KERNEL);
    #[cfg(not(ws_has_lock_init))]
    let store = Arc::new(Store::new()?, GFP_KERNEL);
    store
}

#[pinned_drop]
impl PinnedDrop for RustMisc {
    #[inline]
    fn drop(self: Pin<&mut Self>) {
        pr_info!("Unregistering /dev/rust-misc\n");
    }
}

#[vtable]
impl MiscDevice for Store {
    type Ptr = Arc<Store>;

    #[inline]
    fn open(file: &File, misc: &MiscDeviceRegistration<Self>) -> Result<Arc<Store>> {
        let misc = core::ptr::from_ref(misc).cast_mut();
        // SAFETY: every `MiscDeviceRegistration<Store>` is the `miscdev`
        // field of a `RustMisc` (the only one is made by `RustMisc::init`),
        // so `misc` points into a `RustMisc`; the misc core calls `open`
        // only while the device is registered, that is while the pinned
        // `RustMisc` is alive.
        let module = unsafe { &*kernel::container_of!(misc, RustMisc, miscdev) };
        let store = module.store.clone();
        Operations::open(&*store)?;
        // SAFETY: `open` runs inside `do_dentry_open()`, before the file is
        // installed anywhere another task could reach it, so nothing reads
        // `f_op` concurrently; `FOPS` is static, and it has the `owner` of
        // the table it replaces (see the module docs), so the module
        // reference taken for that table balances the one `fput()` drops.
        // Nothing can fail after this point: the kernel crate's `open` only
        // stores the returned `Arc` in `private_data`.
        unsafe { (*file.as_ptr()).f_op = &FOPS.0 };
        Ok(store)
    }

    #[inline]
    fn ioctl(
        store: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _file: &File,
        cmd: u32,
        arg: usize,
    ) -> Result<isize> {
        Operations::ioctl(&*store, cmd, arg)
    }
}

/// `struct file_operations`, for a `static` C reads.
#[repr(transparent)]
struct FileOperations(bindings::file_operations);

// SAFETY: the table is never written after its constant initialization; C
// and Rust only read it, from any thread.
unsafe impl Sync for FileOperations {}

/// The file operations of an open `/dev/rust-misc`: those of the kernel
/// crate for [`Store`] with [`file_ops::llseek`], [`file_ops::read`] and
/// [`file_ops::write`] (see the module docs).
static FOPS: FileOperations = FileOperations(bindings::file_operations {
    llseek: Some(file_ops::llseek::<Store>),
    read: Some(file_ops::read::<Store>),
    write: Some(file_ops::write::<Store>),
    // SAFETY: `into_raw` is a `const fn` whose `fops` points at the kernel
    // crate's constant table for `Store` (`MiscdeviceVTable::<Store>`),
    // valid for reads; it is copied at compile time.
    ..unsafe { *MiscDeviceOptions { name: NAME }.into_raw::<Store>().fops }
});

impl OpenFile for Store {
    type State = Store;

    #[inline]
    unsafe fn with_state<R>(file: *mut bindings::file, f: impl FnOnce(&Store) -> R) -> R {
        // SAFETY: the kernel crate's `open` stored the `Arc<Store>` that
        // `<Store as MiscDevice>::open` returned in `private_data` with
        // `into_foreign`, and its `release` takes it back only after the
        // last file operation returned; the caller keeps the file open
        // meanwhile.
        let store = unsafe { <Arc<Store> as ForeignOwnable>::borrow((*file).private_data) };
        f(&store)
    }
}
