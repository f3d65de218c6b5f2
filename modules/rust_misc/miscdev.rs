// SPDX-License-Identifier: GPL-2.0

//! A minimal safe wrapper over the kernel's misc device API.
//!
//! This is the only file of the module with `unsafe` code. [`Registration`]
//! registers a `struct miscdevice` with `misc_register()` and fills its
//! `struct file_operations` with callbacks that turn the C calls into calls
//! of the [`Operations`] trait with safe arguments: user buffers become
//! [`UserSliceReader`]/[`UserSliceWriter`] (every access checked, a bad
//! pointer is `EFAULT`), the file position a plain integer. Dropping the
//! registration calls `misc_deregister()`.
//!
//! Lifetimes: the `miscdevice`, its file operations and the device state live
//! in one pinned allocation owned by the [`Registration`]. The operations'
//! `owner` is the module, so the VFS holds a reference on the module for
//! every open file: `rmmod` fails with "in use" while a file is open, and the
//! module (which drops the registration) can only go after the last close.

use kernel::{
    bindings as kernel_bindings,
    error::{from_result, to_result},
    ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void},
    prelude::*,
    str::CStr,
    types::{AsBytes, Opaque},
    uaccess::{UserPtr, UserSlice, UserSliceReader, UserSliceWriter},
};

/// What bindgen generated at build time from `bindings_helper.h`.
///
/// Kbuild writes it into the build output and passes its path in the
/// `RUST_MISC_BINDINGS` environment variable. It names only what the
/// kernel crate lacks; the C types it refers to come from `kernel::bindings`.
#[allow(
    dead_code,
    improper_ctypes,
    missing_docs,
    non_camel_case_types,
    non_upper_case_globals,
    unreachable_pub,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]
pub(crate) mod bindings {
    use kernel::bindings::*;
    include!(env!("RUST_MISC_BINDINGS"));
}

// SAFETY: `struct rust_misc_stats` is three `__u64`: no padding, and any
// value of its bytes is valid, so it can be copied to userspace as bytes.
unsafe impl AsBytes for bindings::rust_misc_stats {}

/// Where an `lseek(2)` offset starts from.
pub(crate) enum Whence {
    /// `SEEK_SET`: from the start.
    Set,
    /// `SEEK_CUR`: from the current position.
    Cur,
    /// `SEEK_END`: from the end of the data.
    End,
}

/// The behaviour of a misc device.
///
/// One value serves every open file of the device, and its methods may run
/// concurrently from several tasks. Errors are returned to userspace as the
/// system call's errno.
pub(crate) trait Operations: Sync + Sized {
    /// A task opened the device.
    fn open(&self) -> Result;

    /// `read(2)` at `*pos`: copy data to `out`, advance `*pos`, return the
    /// number of bytes read.
    fn read(&self, pos: &mut i64, out: UserSliceWriter) -> Result<usize>;

    /// `write(2)` at `*pos` (at the end of the data when `append`, the file
    /// was opened with `O_APPEND`): take data from `input`, advance `*pos`,
    /// return the number of bytes written.
    fn write(&self, pos: &mut i64, append: bool, input: UserSliceReader) -> Result<usize>;

    /// `lseek(2)`: the new position for `offset` from `whence`, the current
    /// position being `pos`.
    fn seek(&self, pos: i64, offset: i64, whence: Whence) -> Result<i64>;

    /// `ioctl(2)` with command `cmd` and argument `arg`, a user pointer for
    /// the commands that take one.
    fn ioctl(&self, cmd: u32, arg: UserPtr) -> Result<isize>;
}

/// The allocation a registered device lives in.
#[pin_data]
struct Device<T> {
    #[pin]
    misc: Opaque<bindings::miscdevice>,
    #[pin]
    fops: Opaque<kernel_bindings::file_operations>,
    #[pin]
    data: T,
}

/// A misc device registered with the kernel; unregistered when dropped.
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
    /// its files served by the value `data` initializes.
    pub(crate) fn register(
        name: &'static CStr,
        mode: u16,
        module: &'static ThisModule,
        data: impl PinInit<T, Error>,
    ) -> Result<Self> {
        let device = KBox::try_pin_init(
            try_pin_init!(Device {
                misc: Opaque::uninit(),
                fops: Opaque::uninit(),
                data <- data,
            }),
            GFP_KERNEL,
        )?;

        let fops = kernel_bindings::file_operations {
            owner: module.as_ptr(),
            open: Some(open::<T>),
            read: Some(read::<T>),
            write: Some(write::<T>),
            llseek: Some(llseek::<T>),
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
        // SAFETY: `register` succeeded, so the device is registered; after
        // this call no new file can be opened, and none is open: each open
        // file holds a reference on the module, which is being unloaded.
        unsafe { bindings::misc_deregister(self.device.misc.get()) };
    }
}

/// The device state of a file opened through [`open`].
///
/// # Safety
///
/// `file` must be a file on which `open::<T>` succeeded and that is not yet
/// released.
unsafe fn data_of<'a, T>(file: *mut kernel_bindings::file) -> &'a T {
    // SAFETY: `open::<T>` stored a pointer to the `T` of a live `Device<T>`
    // in `private_data`; it outlives the file (see the module docs).
    unsafe { &*((*file).private_data as *const T) }
}

/// `open` file operation: points `private_data` at the device state.
///
/// # Safety
///
/// Only for the VFS, through `misc_open()`: `file` is a file being opened on
/// a device registered by [`Registration::register`] for this `T`, with
/// `private_data` pointing at its `miscdevice`.
unsafe extern "C" fn open<T: Operations>(
    _inode: *mut kernel_bindings::inode,
    file: *mut kernel_bindings::file,
) -> c_int {
    // SAFETY: `misc_open()` calls this with `private_data` pointing at the
    // `miscdevice` registered by `Registration::register`, the `misc` field
    // of a `Device<T>` that is alive while the device is registered.
    let device = unsafe {
        &*kernel::container_of!(
            (*file).private_data as *const Opaque<bindings::miscdevice>,
            Device<T>,
            misc
        )
    };
    from_result(|| {
        device.data.open()?;
        // SAFETY: `file` is valid and not yet visible to other tasks.
        unsafe { (*file).private_data = &device.data as *const T as *mut c_void };
        Ok(0)
    })
}

/// `read` file operation.
///
/// # Safety
///
/// Only for the VFS: `file` was opened by [`open`] with this `T` and is not
/// released; `ppos` is valid for reads and writes.
unsafe extern "C" fn read<T: Operations>(
    file: *mut kernel_bindings::file,
    buf: *mut c_char,
    len: usize,
    ppos: *mut kernel_bindings::loff_t,
) -> isize {
    from_result(|| {
        // SAFETY: the VFS only reads from files whose `open` succeeded.
        let data = unsafe { data_of::<T>(file) };
        // SAFETY: `ppos` is valid for reads and writes during the call.
        let mut pos = unsafe { *ppos };
        let n = data.read(&mut pos, UserSlice::new(buf as UserPtr, len).writer())?;
        // SAFETY: as above.
        unsafe { *ppos = pos };
        isize::try_from(n).map_err(|_| EINVAL)
    })
}

/// `write` file operation.
///
/// # Safety
///
/// Only for the VFS: `file` was opened by [`open`] with this `T` and is not
/// released; `ppos` is valid for reads and writes.
unsafe extern "C" fn write<T: Operations>(
    file: *mut kernel_bindings::file,
    buf: *const c_char,
    len: usize,
    ppos: *mut kernel_bindings::loff_t,
) -> isize {
    from_result(|| {
        // SAFETY: the VFS only writes to files whose `open` succeeded.
        let data = unsafe { data_of::<T>(file) };
        // SAFETY: `file` is valid during the call.
        let append = unsafe { (*file).f_flags } & kernel_bindings::O_APPEND != 0;
        // SAFETY: `ppos` is valid for reads and writes during the call.
        let mut pos = unsafe { *ppos };
        let input = UserSlice::new(buf as UserPtr, len).reader();
        let n = data.write(&mut pos, append, input)?;
        // SAFETY: as above.
        unsafe { *ppos = pos };
        isize::try_from(n).map_err(|_| EINVAL)
    })
}

/// `llseek` file operation.
///
/// # Safety
///
/// Only for the VFS: `file` was opened by [`open`] with this `T` and is not
/// released.
unsafe extern "C" fn llseek<T: Operations>(
    file: *mut kernel_bindings::file,
    offset: kernel_bindings::loff_t,
    whence: c_int,
) -> kernel_bindings::loff_t {
    from_result(|| {
        // SAFETY: the VFS only seeks files whose `open` succeeded.
        let data = unsafe { data_of::<T>(file) };
        let whence = match u32::try_from(whence) {
            Ok(kernel_bindings::SEEK_SET) => Whence::Set,
            Ok(kernel_bindings::SEEK_CUR) => Whence::Cur,
            Ok(kernel_bindings::SEEK_END) => Whence::End,
            _ => return Err(EINVAL),
        };
        // SAFETY: `file` is valid during the call.
        let pos = unsafe { (*file).f_pos };
        let new = data.seek(pos, offset, whence)?;
        // SAFETY: `file` is valid; `vfs_setpos()` stores the position (and
        // would refuse a negative one, which `seek` never returns).
        Ok(unsafe { kernel_bindings::vfs_setpos(file, new, kernel_bindings::loff_t::MAX) })
    })
}

/// `unlocked_ioctl` file operation.
///
/// # Safety
///
/// Only for the VFS: `file` was opened by [`open`] with this `T` and is not
/// released.
unsafe extern "C" fn ioctl<T: Operations>(
    file: *mut kernel_bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    from_result(|| {
        // SAFETY: the VFS only calls ioctl on files whose `open` succeeded.
        let data = unsafe { data_of::<T>(file) };
        let ret = data.ioctl(cmd, arg as UserPtr)?;
        c_long::try_from(ret).map_err(|_| EINVAL)
    })
}
