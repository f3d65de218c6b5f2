// SPDX-License-Identifier: GPL-2.0

//! [`Fd`], a descriptor of the device that is closed on drop, with the
//! calls rust-misc-test makes on it.

use crate::abi::Stats;
use crate::device::{clear, get_len, get_stats, open_device};
use crate::errno::Errno;
use crate::fd::{close_fd, ioctl_raw, read_into, read_raw, seek, write_from};
use crate::linux_abi::SEEK_CUR;
use crate::vectored_io::{readv_into, writev_from};
use std::ffi::c_int;

/// An open descriptor of the device, closed on drop.
pub struct Fd(c_int);

impl Fd {
    pub fn open(flags: c_int) -> Result<Fd, Errno> {
        Ok(Fd(open_device(flags)? as c_int))
    }

    /// Closes the descriptor, reporting the result of close(2).
    pub fn close(self) -> Result<(), Errno> {
        let fd = self.0;
        // Not closed again on drop.
        std::mem::forget(self);
        close_fd(fd).map(drop)
    }

    pub fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        read_into(self.0, buf).map(|n| n as usize)
    }

    /// read(2) into an arbitrary address, such as a bad one the kernel must
    /// refuse.
    ///
    /// # Safety
    ///
    /// As for [`read_raw`](crate::fd::read_raw): the kernel may store up to
    /// `count` bytes at `addr`, which must be memory nothing else uses
    /// during the call, or not be mapped at all.
    pub unsafe fn read_to_addr(&self, addr: usize, count: usize) -> Result<usize, Errno> {
        // SAFETY: the caller vouches for `addr` and `count`.
        unsafe { read_raw(self.0, addr, count) }.map(|n| n as usize)
    }

    pub fn write(&self, data: &[u8]) -> Result<usize, Errno> {
        self.write_from_addr(data.as_ptr() as usize, data.len())
    }

    /// write(2) from an arbitrary (bad) address: the kernel must refuse it.
    pub fn write_from_addr(&self, addr: usize, count: usize) -> Result<usize, Errno> {
        write_from(self.0, addr, count).map(|n| n as usize)
    }

    /// readv(2) into `bufs`.
    pub fn readv(&self, bufs: &mut [&mut [u8]]) -> Result<usize, Errno> {
        readv_into(self.0, bufs).map(|n| n as usize)
    }

    /// writev(2) of `bufs`.
    pub fn writev(&self, bufs: &[&[u8]]) -> Result<usize, Errno> {
        writev_from(self.0, bufs).map(|n| n as usize)
    }

    pub fn seek(&self, offset: i64, whence: c_int) -> Result<i64, Errno> {
        seek(self.0, offset, whence)
    }

    /// The file position (lseek SEEK_CUR 0).
    pub fn tell(&self) -> Result<i64, Errno> {
        self.seek(0, SEEK_CUR)
    }

    /// ioctl(2) with `arg` passed as it is (an address or a number).
    ///
    /// # Safety
    ///
    /// The kernel may store through `arg`, whatever `cmd` is (an unknown
    /// command reaches the driver, which decides): as for
    /// [`ioctl_raw`](crate::fd::ioctl_raw), `arg` must be an address of
    /// memory nothing else uses during the call, large enough for what the
    /// command stores (`size_of::<Stats>()` at most for the device's
    /// ioctls), or an address that is not mapped, or a number the command
    /// does not use as an address.
    pub unsafe fn ioctl(&self, cmd: u32, arg: usize) -> Result<i64, Errno> {
        // SAFETY: the caller vouches for `arg`.
        unsafe { ioctl_raw(self.0, cmd.into(), arg) }
    }

    pub fn get_len(&self) -> Result<u64, Errno> {
        get_len(self.0)
    }

    pub fn get_stats(&self) -> Result<Stats, Errno> {
        get_stats(self.0)
    }

    pub fn clear(&self) -> Result<(), Errno> {
        clear(self.0).map(drop)
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        let _ = close_fd(self.0);
    }
}
