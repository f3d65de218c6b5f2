// SPDX-License-Identifier: GPL-2.0

//! The misc device through the kernel crate's `kernel::miscdevice`, for a
//! kernel crate that has it (the `miscdevice` capability; the module's
//! `miscdev` then, in place of `miscdev.rs`).
//!
//! [`RustMisc`], the module, registers `/dev/rust-misc` with a
//! [`MiscDeviceRegistration`] and keeps the device's one [`Store`]; every
//! open file gets a reference to it ([`MiscDevice::Ptr`] is `Arc<Store>`),
//! and `read_iter`, `write_iter` and `ioctl` call the store's
//! [`Operations`]. The node's mode is the default of devtmpfs for a misc
//! device that sets none, 0600.
//!
//! # `lseek(2)`
//!
//! The file operations `kernel::miscdevice` builds for a [`MiscDevice`]
//! have no `llseek` (the trait has no such method), and `do_dentry_open()`
//! clears `FMODE_LSEEK` after `->open` when `f_op->llseek` is `NULL`: every
//! `lseek(2)` on the device would fail with `ESPIPE`. The device's ABI
//! (`rust_misc.h`) has `lseek(2)` with `SEEK_SET`, `SEEK_CUR` and
//! `SEEK_END`, on every kernel and in the C twin. So [`MiscDevice::open`]
//! replaces the file's `f_op`, as `misc_open()` itself does with
//! `replace_fops()`, by [`FOPS`]: the kernel crate's own table for [`Store`]
//! (`MiscDeviceOptions::into_raw::<Store>().fops`, evaluated at compile
//! time), with [`llseek`] added. Its `owner` is the kernel crate's, this
//! module, so the module reference `misc_open()` took for the old table is
//! the one `fput()` drops for the new one. After `->open`, `do_dentry_open()`
//! sees an `llseek` and `FMODE_LSEEK` stays.
//!
//! An `llseek` method in `kernel::miscdevice::MiscDevice` (with its
//! `HAS_LLSEEK` entry in the vtable, as `read_iter` has) would make this
//! unnecessary: [`FOPS`], [`llseek`] and the `f_op` write in `open` would
//! become a `fn llseek` of the `impl MiscDevice for Store`.

use crate::{
    bindings,
    common::prelude::*,
    compat::{ffi::c_int, UserPtr, UserSliceReader, UserSliceWriter},
    store::Store,
};
use kernel::{
    fs::{File, Kiocb},
    iov::{IovIterDest, IovIterSource},
    miscdevice::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration},
    sync::Arc,
    types::ForeignOwnable,
};

pub(crate) use crate::operations::{Operations, Whence};

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
            store: Arc::new(Store::new()?, GFP_KERNEL)?,
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

#[pinned_drop]
impl PinnedDrop for RustMisc {
    fn drop(self: Pin<&mut Self>) {
        pr_info!("Unregistering /dev/rust-misc\n");
    }
}

#[vtable]
impl MiscDevice for Store {
    type Ptr = Arc<Store>;

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

    fn read_iter(mut kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterDest<'_>) -> Result<usize> {
        let store = kiocb.file();
        // SAFETY: `read` consumes the writer during this call, while `iov`
        // is borrowed.
        let out = unsafe { UserSliceWriter::from_iov(iov) };
        Operations::read(&*store, kiocb.ki_pos_mut(), out)
    }

    fn write_iter(mut kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterSource<'_>) -> Result<usize> {
        let store = kiocb.file();
        // SAFETY: the kiocb is valid during the call, and so is its file,
        // on which the VFS holds a reference while it writes.
        let flags = unsafe { (*(*kiocb.as_raw()).ki_filp).f_flags };
        // SAFETY: as in `read_iter`.
        let input = unsafe { UserSliceReader::from_iov(iov) };
        let append = flags & bindings::O_APPEND != 0;
        Operations::write(&*store, kiocb.ki_pos_mut(), append, input)
    }

    fn ioctl(
        store: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _file: &File,
        cmd: u32,
        arg: usize,
    ) -> Result<isize> {
        Operations::ioctl(&*store, cmd, UserPtr::from_addr(arg))
    }
}

/// `struct file_operations`, for a `static` C reads.
#[repr(transparent)]
struct FileOperations(bindings::file_operations);

// SAFETY: the table is never written after its constant initialization; C
// and Rust only read it, from any thread.
unsafe impl Sync for FileOperations {}

/// The file operations of an open `/dev/rust-misc`: those of the kernel
/// crate for [`Store`] with [`llseek`] (see the module docs).
static FOPS: FileOperations = FileOperations(bindings::file_operations {
    llseek: Some(llseek),
    // SAFETY: `into_raw` is a `const fn` whose `fops` points at the kernel
    // crate's constant table for `Store` (`MiscdeviceVTable::<Store>`),
    // valid for reads; it is copied at compile time.
    ..unsafe { *MiscDeviceOptions { name: NAME }.into_raw::<Store>().fops }
});

/// `llseek` file operation.
///
/// # Safety
///
/// Only for the VFS, through [`FOPS`]: `file` was opened by
/// `<Store as MiscDevice>::open` and is not released.
unsafe extern "C" fn llseek(
    file: *mut bindings::file,
    offset: bindings::loff_t,
    whence: c_int,
) -> bindings::loff_t {
    from_result(|| {
        // SAFETY: the kernel crate's `open` stored the `Arc<Store>` that
        // `<Store as MiscDevice>::open` returned in `private_data` with
        // `into_foreign`, and its `release` takes it back only after the
        // last file operation returned.
        let store = unsafe { <Arc<Store> as ForeignOwnable>::borrow((*file).private_data) };
        let whence = Whence::from_raw(whence)?;
        // SAFETY: `file` is valid during the call.
        let pos = unsafe { (*file).f_pos };
        let new = Operations::seek(&*store, pos, offset, whence)?;
        // SAFETY: `file` is valid; `vfs_setpos()` stores the position (and
        // would refuse a negative one, which `seek` never returns).
        Ok(unsafe { bindings::vfs_setpos(file, new, bindings::loff_t::MAX) })
    })
}
