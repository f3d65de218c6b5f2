// SPDX-License-Identifier: GPL-2.0

//! Userspace test of `/dev/rust-misc`, the misc device of modules/rust_misc.
//!
//! The device is one shared byte store of `RUST_MISC_CAPACITY` (4096) bytes
//! with a current length, read and written with read(2), write(2) and
//! lseek(2), plus the ioctls of modules/rust_misc/rust_misc.h. This program
//! checks, with exact return values and errno values:
//!
//! - the device node: a character device, mode 0600, owned by root;
//! - round trips, reads at and past the end, partial reads at the end;
//! - readv(2) and writev(2) over several buffers;
//! - the capacity edge: short writes, `ENOSPC`, zero-byte writes;
//! - zero-filling of the gap when writing past the length, and that
//!   `RUST_MISC_CLEAR` leaves no old data behind;
//! - `O_APPEND`, alone and concurrently from several processes (records
//!   must stay whole and all be there);
//! - every lseek(2) case, including `EINVAL` leaving the position alone;
//! - the ioctls: `RUST_MISC_GET_LEN`, `RUST_MISC_CLEAR`,
//!   `RUST_MISC_GET_STATS` (exact counter deltas), `ENOTTY` for others;
//! - `EFAULT` for bad user pointers, with nothing changed afterwards;
//! - `EACCES` for a non-root open, and that the module cannot be unloaded
//!   while a descriptor is open.
//!
//! ```text
//! rust-misc-test [--device PATH] [--module NAME]
//! ```
//!
//! tests the device at PATH (default /dev/rust-misc), provided by the
//! module NAME (default rust_misc): another driver of the same ABI at
//! another node is tested the same way. It runs as root in the test VM and
//! prints one line per check, named after the module and the device:
//! `ok rust_misc /dev/rust-misc: NAME` or
//! `not ok rust_misc /dev/rust-misc: NAME # WHY`, diagnostics as `# ...`;
//! the exit status is 0 when every check passed, 1 otherwise, 2 for a
//! usage error.
//! The ABI (ioctl numbers, capacity, stats struct) comes from the module's
//! header through bindgen: see build.sh and abi.h.
//!
//! This file holds the groups of checks; the modules it declares hold what
//! they are made of: checks.rs (counting and comparing), device_fd.rs and
//! device_state.rs (the device through a descriptor), kernel_module.rs, and
//! the modules shared with rust-misc-stress (stress.rs): abi.rs,
//! device.rs, fd.rs, process.rs and report.rs, and with every test
//! program of tests/: tests/lib/rust/errno.rs and linux_abi.rs (the x86_64
//! Linux ABI's numbers and the ioctl encoding).

mod abi;
mod checks;
mod device;
mod device_fd;
mod device_state;
#[allow(dead_code)] // Shared: each program uses a part.
#[path = "../../lib/rust/errno.rs"]
mod errno;
mod fd;
mod kernel_module;
#[allow(dead_code)] // Shared: each program uses a part.
#[path = "../../lib/rust/linux_abi.rs"]
mod linux_abi;
mod process;
mod report;
mod vectored_io;

use abi::{CAPACITY, CLEAR, GET_LEN, GET_STATS, MAGIC};
use checks::{fails_with, ok_eq, same_bytes, Context, Tap};
use device::{device_name, module_name, take_target_args};
use device_fd::Fd;
use device_state::{contents, fill, gap_filled, holds, reads, seek_to, unchanged, write_at, State};
use errno::{Errno, EACCES, EAGAIN, EFAULT, EINVAL, ENOSPC, ENOTTY};
use kernel_module::{delete_module, module_refcount};
use linux_abi::{
    with_dir, with_nr, with_size, with_type, IOC_NONE, IOC_READ, IOC_WRITE, KERNEL_ADDR, O_APPEND,
    O_RDONLY, O_RDWR, O_WRONLY, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET,
};
use process::{child_exit, fork_flushed, wait_child, StartPipe};
use report::{same, Outcome};
use std::ffi::c_int;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

const CAP: i64 = CAPACITY as i64;
/// The unprivileged user and group the permission checks switch to.
const NOBODY: u32 = 65534;

extern "C" {
    fn setgroups(size: usize, list: *const u32) -> c_int;
    fn setgid(gid: u32) -> c_int;
    fn setuid(uid: u32) -> c_int;
    fn sched_yield() -> c_int;
}

// ---------------------------------------------------------------------------
// The groups of checks

fn reset(t: &mut Tap, fd: &Fd) -> Outcome {
    // SAFETY: CLEAR does not use its argument, and 0 is no address.
    t.check(
        "CLEAR ioctl returns 0",
        ok_eq(unsafe { fd.ioctl(CLEAR, 0) }, 0),
    );
    t.check("GET_LEN returns 0 after CLEAR", ok_eq(fd.get_len(), 0));
    Ok(())
}

fn device_node(t: &mut Tap) -> Outcome {
    let meta =
        std::fs::metadata(device_name()).map_err(|e| format!("stat {}: {e}", device_name()))?;
    let kind = meta.file_type();
    t.check(
        "device node is a character device",
        if kind.is_char_device() {
            Ok(())
        } else {
            Err(format!("expected a character device, got {kind:?}"))
        },
    );
    let mode = meta.mode() & 0o7777;
    t.check(
        "device node permissions are 0600",
        same(format!("{mode:04o}"), "0600".to_string()),
    );
    t.check("device node is owned by root", same(meta.uid(), 0));
    Ok(())
}

fn round_trip(t: &mut Tap, fd: &Fd) -> Outcome {
    let msg = b"abcdefghijklmnopqrstuvwxyz";
    fd.clear().ctx("CLEAR")?;
    seek_to(fd, 0)?;
    t.check(
        "write of 26 bytes at position 0 returns 26",
        ok_eq(fd.write(msg), 26),
    );
    t.check(
        "write advances the position by the bytes written",
        ok_eq(fd.tell(), 26),
    );
    t.check(
        "GET_LEN returns the length after a write",
        ok_eq(fd.get_len(), 26),
    );
    seek_to(fd, 0)?;
    t.check(
        "read from position 0 returns the written bytes exactly",
        reads(fd, 128, msg),
    );
    t.check("read at the end returns 0", reads(fd, 16, b""));
    seek_to(fd, 1000)?;
    t.check("read past the end returns 0", reads(fd, 16, b""));
    seek_to(fd, 21)?;
    t.check(
        "partial read at the end returns only the remaining bytes",
        reads(fd, 64, b"vwxyz"),
    );
    t.check(
        "read advances the position by the bytes read",
        ok_eq(fd.tell(), 26),
    );

    seek_to(fd, 3)?;
    t.check(
        "write of 3 bytes inside the data returns 3",
        ok_eq(fd.write(b"DEF"), 3),
    );
    t.check(
        "overwrite inside the data keeps the length",
        ok_eq(fd.get_len(), 26),
    );
    t.check(
        "overwritten bytes read back",
        holds(fd, b"abcDEFghijklmnopqrstuvwxyz"),
    );

    let other = Fd::open(O_RDONLY).ctx("second open")?;
    t.check(
        "a second descriptor reads the same data",
        reads(&other, 128, b"abcDEFghijklmnopqrstuvwxyz"),
    );
    other.close().ctx("close")?;
    Ok(())
}

fn vectored(t: &mut Tap, fd: &Fd) -> Outcome {
    fd.clear().ctx("CLEAR")?;
    seek_to(fd, 0)?;
    t.check(
        "writev of 3 + 0 + 5 bytes at position 0 returns 8",
        ok_eq(fd.writev(&[b"abc", b"", b"defgh"]), 8),
    );
    t.check(
        "writev advances the position by the bytes written",
        ok_eq(fd.tell(), 8),
    );
    t.check("writev stores the buffers in order", holds(fd, b"abcdefgh"));
    seek_to(fd, 1)?;
    let (mut head, mut tail) = ([0u8; 2], [0u8; 16]);
    t.check(
        "readv into 2 + 16 bytes at position 1 returns the 7 left",
        ok_eq(fd.readv(&mut [&mut head, &mut tail]), 7),
    );
    t.check(
        "readv fills the buffers in order",
        same_bytes(&[&head[..], &tail[..5]].concat(), b"bcdefgh"),
    );
    t.check(
        "readv advances the position by the bytes read",
        ok_eq(fd.tell(), 8),
    );
    t.check(
        "readv at the end returns 0",
        ok_eq(fd.readv(&mut [&mut head, &mut tail]), 0),
    );
    Ok(())
}

fn capacity_edge(t: &mut Tap, fd: &Fd) -> Outcome {
    fd.clear().ctx("CLEAR")?;
    seek_to(fd, CAP - 6)?;
    t.check(
        "write of 10 bytes at position 4090 returns 6",
        ok_eq(fd.write(b"0123456789"), 6),
    );
    t.check(
        "position is 4096 after the short write",
        ok_eq(fd.tell(), CAP),
    );
    t.check(
        "GET_LEN returns 4096 after filling to capacity",
        ok_eq(fd.get_len(), CAPACITY as u64),
    );
    t.check(
        "write at position 4096 fails with ENOSPC",
        fails_with(fd.write(b"x"), ENOSPC),
    );
    t.check(
        "failed write at capacity keeps the position",
        ok_eq(fd.tell(), CAP),
    );
    t.check(
        "write of 0 bytes at position 4096 returns 0",
        ok_eq(fd.write(b""), 0),
    );
    t.check("read at position 4096 returns 0", reads(fd, 16, b""));
    seek_to(fd, CAP - 6)?;
    t.check(
        "short write stored its first 6 bytes",
        reads(fd, 16, b"012345"),
    );
    t.check(
        "bytes before the short write read as zeros",
        holds(fd, &gap_filled(b"", CAPACITY - 6, b"012345")),
    );
    Ok(())
}

fn gap_fill(t: &mut Tap, fd: &Fd) -> Outcome {
    fill(fd, b"abc")?;
    seek_to(fd, 100)?;
    t.check(
        "write at position 100 past the length returns 3",
        ok_eq(fd.write(b"XYZ"), 3),
    );
    t.check(
        "GET_LEN covers the gap and the new bytes",
        ok_eq(fd.get_len(), 103),
    );
    t.check(
        "gap between the old length and the write reads as zeros",
        holds(fd, &gap_filled(b"abc", 100, b"XYZ")),
    );
    Ok(())
}

fn clear_ioctl(t: &mut Tap, fd: &Fd) -> Outcome {
    fill(fd, &[0xaa; 200])?;
    t.check(
        "GET_LEN returns 200 after writing 200 bytes",
        ok_eq(fd.get_len(), 200),
    );
    t.check(
        "CLEAR with 200 bytes stored returns 0",
        // SAFETY: CLEAR does not use its argument, and 0 is no address.
        ok_eq(unsafe { fd.ioctl(CLEAR, 0) }, 0),
    );
    t.check(
        "GET_LEN returns 0 after clearing 200 bytes",
        ok_eq(fd.get_len(), 0),
    );
    seek_to(fd, 0)?;
    t.check("read after CLEAR returns 0", reads(fd, 16, b""));
    write_at(fd, 150, b"Q")?;
    t.check(
        "bytes dropped by CLEAR read back as zeros, not old data",
        holds(fd, &gap_filled(b"", 150, b"Q")),
    );
    Ok(())
}

fn append(t: &mut Tap, fd: &Fd) -> Outcome {
    fill(fd, b"0123456789")?;
    let afd = Fd::open(O_RDWR | O_APPEND).ctx("open O_RDWR|O_APPEND")?;
    seek_to(&afd, 0)?;
    t.check(
        "O_APPEND write after lseek to 0 returns 3",
        ok_eq(afd.write(b"abc"), 3),
    );
    t.check(
        "O_APPEND write lands at the length, not at the position",
        holds(fd, b"0123456789abc"),
    );
    t.check(
        "O_APPEND write leaves the position at the new length",
        ok_eq(afd.tell(), 13),
    );

    // Another descriptor extends the data to 21 bytes (gap 13..20).
    write_at(fd, 20, b"Z")?;
    seek_to(&afd, 5)?;
    let want = gap_filled(b"0123456789abc", 20, b"Zd");
    t.check(
        "O_APPEND write follows a length set through another descriptor",
        ok_eq(afd.write(b"d"), 1).and_then(|()| holds(fd, &want)),
    );
    afd.close().ctx("close")?;
    Ok(())
}

/// One step of the lseek group.
enum Seek {
    /// The check NAME: lseek(OFFSET, WHENCE) from where the steps before
    /// left the position must return POSITION.
    Lands(&'static str, i64, c_int, i64),
    /// The check "WHAT fails with EINVAL and keeps the position":
    /// lseek(OFFSET, WHENCE) from position 42 must fail and leave the
    /// position at 42.
    Refused(&'static str, i64, c_int),
    /// lseek SEEK_SET to a position, as setup.
    To(i64),
}

/// Runs `steps` in order.
fn seeks(t: &mut Tap, fd: &Fd, steps: &[Seek]) -> Outcome {
    for step in steps {
        match *step {
            Seek::Lands(name, offset, whence, want) => {
                t.check(name, ok_eq(fd.seek(offset, whence), want));
            }
            Seek::Refused(what, offset, whence) => {
                seek_to(fd, 42)?;
                let outcome = fails_with(fd.seek(offset, whence), EINVAL).and_then(|()| {
                    ok_eq(fd.tell(), 42).map_err(|e| format!("position changed: {e}"))
                });
                t.check(
                    &format!("{what} fails with EINVAL and keeps the position"),
                    outcome,
                );
            }
            Seek::To(pos) => seek_to(fd, pos)?,
        }
    }
    Ok(())
}

fn lseek_cases(t: &mut Tap, fd: &Fd) -> Outcome {
    use Seek::{Lands, Refused, To};
    fill(fd, &[b'L'; 100])?;
    seeks(
        t,
        fd,
        &[
            Lands("lseek SEEK_SET 0 returns 0", 0, SEEK_SET, 0),
            Lands("lseek SEEK_SET 4096 returns 4096", CAP, SEEK_SET, CAP),
        ],
    )?;
    t.check(
        "lseek beyond the length does not change GET_LEN",
        ok_eq(fd.get_len(), 100),
    );
    seeks(
        t,
        fd,
        &[
            Refused("lseek SEEK_SET -1", -1, SEEK_SET),
            Refused("lseek SEEK_SET 4097", CAP + 1, SEEK_SET),
            To(42),
            Lands("lseek SEEK_CUR +10 from 42 returns 52", 10, SEEK_CUR, 52),
            Lands("lseek SEEK_CUR -20 from 52 returns 32", -20, SEEK_CUR, 32),
            Lands(
                "lseek SEEK_CUR +4064 from 32 returns 4096",
                CAP - 32,
                SEEK_CUR,
                CAP,
            ),
            Refused("lseek SEEK_CUR -43 from 42 (to -1)", -43, SEEK_CUR),
            Refused("lseek SEEK_CUR +4055 from 42 (to 4097)", CAP - 41, SEEK_CUR),
            Refused("lseek SEEK_CUR +i64::MAX from 42", i64::MAX, SEEK_CUR),
            Lands("lseek SEEK_END 0 returns the length 100", 0, SEEK_END, 100),
            Lands("lseek SEEK_END -30 returns 70", -30, SEEK_END, 70),
            Lands(
                "lseek SEEK_END +3996 returns 4096",
                CAP - 100,
                SEEK_END,
                CAP,
            ),
            Refused("lseek SEEK_END +3997 (to 4097)", CAP - 99, SEEK_END),
            Refused("lseek SEEK_END -101 (to -1)", -101, SEEK_END),
            Refused("lseek SEEK_END i64::MIN", i64::MIN, SEEK_END),
            Refused("lseek whence SEEK_DATA", 0, SEEK_DATA),
            Refused("lseek whence SEEK_HOLE", 0, SEEK_HOLE),
        ],
    )
}

fn unknown_ioctls(t: &mut Tap, fd: &Fd) -> Outcome {
    fill(fd, b"keep me")?;
    let cases = [
        (
            "ioctl with a wrong magic fails with ENOTTY",
            with_type(GET_LEN, MAGIC + 1),
        ),
        (
            "ioctl with unknown number 4 fails with ENOTTY",
            with_nr(CLEAR, 4),
        ),
        ("ioctl with number 0 fails with ENOTTY", with_nr(CLEAR, 0)),
        (
            "ioctl with unknown number 0xff as _IOR fails with ENOTTY",
            with_nr(GET_LEN, 0xff),
        ),
        (
            "GET_LEN number with write direction fails with ENOTTY",
            with_dir(GET_LEN, IOC_WRITE),
        ),
        (
            "GET_LEN number with no direction fails with ENOTTY",
            with_dir(GET_LEN, IOC_NONE),
        ),
        (
            "GET_LEN number with argument size 4 fails with ENOTTY",
            with_size(GET_LEN, 4),
        ),
        (
            "CLEAR number with read direction and size 8 fails with ENOTTY",
            with_size(with_dir(CLEAR, IOC_READ), 8),
        ),
        (
            "GET_STATS number with argument size 16 fails with ENOTTY",
            with_size(GET_STATS, 16),
        ),
    ];
    for (name, cmd) in cases {
        // Room for any argument the number could describe, should the
        // driver wrongly act on it.
        let mut arg = [0u64; 8];
        t.check(
            name,
            // SAFETY: `arg` is a local buffer no reference is held to during
            // the call, 64 bytes: more than any of these numbers' size.
            fails_with(unsafe { fd.ioctl(cmd, arg.as_mut_ptr() as usize) }, ENOTTY),
        );
    }
    t.check(
        "rejected ioctls leave the data unchanged",
        ok_eq(fd.get_len(), 7).and_then(|()| holds(fd, b"keep me")),
    );
    Ok(())
}

/// An operation given a bad pointer, by the position it starts from.
type BadOp = fn(&Fd) -> Result<usize, Errno>;

fn bad_pointers(t: &mut Tap, fd: &Fd) -> Outcome {
    let data: Vec<u8> = (0..64u8).map(|i| i ^ 0x5a).collect();
    fill(fd, &data)?;
    let cases: [(&str, i64, BadOp); 8] = [
        // SAFETY: NULL is never mapped: the kernel must refuse it.
        ("read into NULL", 0, |f| unsafe { f.read_to_addr(0, 16) }),
        ("read into a kernel address", 0, |f| {
            // SAFETY: a kernel address is no user memory: the kernel must
            // refuse it.
            unsafe { f.read_to_addr(KERNEL_ADDR, 16) }
        }),
        ("write from NULL past the length", 72, |f| {
            f.write_from_addr(0, 16)
        }),
        ("write from a kernel address", 10, |f| {
            f.write_from_addr(KERNEL_ADDR, 16)
        }),
        ("GET_LEN into NULL", 5, |f| {
            // SAFETY: NULL is never mapped: the kernel must refuse it.
            unsafe { f.ioctl(GET_LEN, 0) }.map(|r| r as usize)
        }),
        ("GET_LEN into a kernel address", 5, |f| {
            // SAFETY: a kernel address is no user memory: the kernel must
            // refuse it.
            unsafe { f.ioctl(GET_LEN, KERNEL_ADDR) }.map(|r| r as usize)
        }),
        ("GET_STATS into NULL", 5, |f| {
            // SAFETY: NULL is never mapped: the kernel must refuse it.
            unsafe { f.ioctl(GET_STATS, 0) }.map(|r| r as usize)
        }),
        ("GET_STATS into a kernel address", 5, |f| {
            // SAFETY: a kernel address is no user memory: the kernel must
            // refuse it.
            unsafe { f.ioctl(GET_STATS, KERNEL_ADDR) }.map(|r| r as usize)
        }),
    ];
    for (what, pos, op) in cases {
        seek_to(fd, pos)?;
        let before = State::capture(fd)?;
        let stats0 = fd.get_stats().ctx("GET_STATS")?;
        let result = op(fd);
        let stats1 = fd.get_stats().ctx("GET_STATS")?;
        let after = State::capture(fd)?;
        t.check(
            &format!("{what} fails with EFAULT"),
            fails_with(result, EFAULT),
        );
        t.check(
            &format!("{what} leaves length, contents, stats and position unchanged"),
            unchanged(&before, &after, &stats0, &stats1),
        );
    }
    Ok(())
}

fn stats(t: &mut Tap, fd: &Fd) -> Outcome {
    let before = fd.get_stats().ctx("GET_STATS")?;
    let (mut written, mut read) = (0u64, 0u64);

    Fd::open(O_RDONLY)
        .ctx("open O_RDONLY")?
        .close()
        .ctx("close")?;
    Fd::open(O_WRONLY)
        .ctx("open O_WRONLY")?
        .close()
        .ctx("close")?;

    fd.clear().ctx("CLEAR")?;
    seek_to(fd, 0)?;
    written += fd.write(&[1u8; 100]).ctx("write")? as u64;
    seek_to(fd, CAP - 6)?;
    written += fd.write(b"0123456789").ctx("write at 4090")? as u64;
    // At capacity: ENOSPC, then a write of 0 bytes; neither stores any.
    written += fd.write(b"x").unwrap_or(0) as u64;
    written += fd.write(b"").ctx("write of 0 bytes")? as u64;
    let mut buf = [0u8; 64];
    seek_to(fd, 0)?;
    read += fd.read(&mut buf).ctx("read")? as u64;
    seek_to(fd, CAP - 3)?;
    read += fd.read(&mut buf).ctx("read at 4093")? as u64;
    read += fd.read(&mut buf).ctx("read at 4096")? as u64;

    let after = fd.get_stats().ctx("GET_STATS")?;
    if (written, read) != (106, 67) {
        t.diag(&format!(
            "{written} bytes written and {read} read, 106 and 67 expected"
        ));
    }
    t.check(
        "GET_STATS opens grew by the 2 opens made",
        same(after.opens.wrapping_sub(before.opens), 2),
    );
    t.check(
        "GET_STATS bytes_written grew by exactly the bytes stored",
        same(
            after.bytes_written.wrapping_sub(before.bytes_written),
            written,
        ),
    );
    t.check(
        "GET_STATS bytes_read grew by exactly the bytes returned",
        same(after.bytes_read.wrapping_sub(before.bytes_read), read),
    );
    Ok(())
}

const WRITERS: usize = 8;
const RECORDS: usize = 8;
const RECORD_LEN: usize = 60;

/// A concurrent writer (in a child process): waits until the parent
/// releases `start`, then appends `RECORDS` records of its own byte.
fn append_writer(start: &StartPipe, record: &[u8]) -> ! {
    if !start.wait() {
        child_exit(10);
    }
    let Ok(fd) = Fd::open(O_WRONLY | O_APPEND) else {
        child_exit(11)
    };
    for _ in 0..RECORDS {
        if fd.write(record) != Ok(record.len()) {
            child_exit(12);
        }
        // SAFETY: sched_yield(2) takes no arguments; it lets others run.
        unsafe { sched_yield() };
    }
    child_exit(0)
}

fn concurrent_append(t: &mut Tap, fd: &Fd) -> Outcome {
    fd.clear().ctx("CLEAR")?;
    let start = StartPipe::new().ctx("pipe")?;

    let mut children = Vec::new();
    let mut fork_error = None;
    for i in 0..WRITERS {
        let record = [b'a' + i as u8; RECORD_LEN];
        match fork_flushed() {
            Ok(0) => append_writer(&start, &record),
            Ok(pid) => children.push((i, pid)),
            Err(e) => {
                fork_error = Some(e);
                break;
            }
        }
    }
    // The writers see end of file and all start at once.
    start.release();

    let mut failures = Vec::new();
    if let Some(e) = fork_error {
        failures.push(format!("fork failed: {e}"));
    }
    for (i, pid) in children {
        match wait_child(pid) {
            Ok(0) => {}
            Ok(10) => failures.push(format!("writer {i}: waiting to start failed")),
            Ok(11) => failures.push(format!("writer {i}: open failed")),
            Ok(12) => failures.push(format!("writer {i}: a write failed or was short")),
            Ok(code) => failures.push(format!("writer {i}: exit status {code}")),
            Err(e) => failures.push(format!("writer {i}: {e}")),
        }
    }
    t.check(
        &format!("{WRITERS} concurrent O_APPEND writers all succeed"),
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.join("; "))
        },
    );

    let total = WRITERS * RECORDS * RECORD_LEN;
    t.check(
        &format!("length after concurrent appends is {total}"),
        ok_eq(fd.get_len(), total as u64),
    );
    let data = contents(fd)?;
    let mut counts = [0usize; WRITERS];
    let mut torn = None;
    for (n, record) in data.chunks(RECORD_LEN).enumerate() {
        let byte = record[0];
        let writer = byte.wrapping_sub(b'a') as usize;
        if record.len() != RECORD_LEN || writer >= WRITERS || record.iter().any(|&b| b != byte) {
            torn.get_or_insert(format!(
                "record {n} at offset {}: {record:?}",
                n * RECORD_LEN
            ));
        } else {
            counts[writer] += 1;
        }
    }
    t.check(
        "concurrently appended records are untorn",
        match torn {
            None => Ok(()),
            Some(first) => Err(format!("first bad {first}")),
        },
    );
    t.check(
        &format!("each concurrent writer has exactly {RECORDS} records"),
        same(counts, [RECORDS; WRITERS]),
    );
    Ok(())
}

/// In a child running as nobody, opens the device with `flags`; must get
/// EACCES.
fn open_as_nobody(flags: c_int) -> Outcome {
    let pid = fork_flushed().map_err(|e| format!("fork failed: {e}"))?;
    if pid == 0 {
        // SAFETY: dropping privileges in the child; setgroups gets an empty
        // list, so the NULL pointer is never read.
        unsafe {
            if setgroups(0, std::ptr::null()) != 0 {
                child_exit(200);
            }
            if setgid(NOBODY) != 0 {
                child_exit(201);
            }
            if setuid(NOBODY) != 0 {
                child_exit(202);
            }
        }
        match Fd::open(flags) {
            Ok(_) => child_exit(203),
            Err(e) if (1..200).contains(&e.0) => child_exit(e.0),
            Err(_) => child_exit(204),
        }
    }
    match wait_child(pid)? {
        code if code == EACCES.0 => Ok(()),
        200..=202 => Err("the child could not drop privileges (not root?)".to_string()),
        203 => Err(format!("expected {EACCES}, got success")),
        204 => Err(format!("expected {EACCES}, got an errno above 199")),
        code => Err(format!("expected {EACCES}, got {}", Errno(code))),
    }
}

fn permissions(t: &mut Tap, fd: &Fd) -> Outcome {
    let before = fd.get_stats().ctx("GET_STATS")?;
    t.check(
        "non-root open O_RDONLY fails with EACCES",
        open_as_nobody(O_RDONLY),
    );
    t.check(
        "non-root open O_RDWR fails with EACCES",
        open_as_nobody(O_RDWR),
    );
    let after = fd.get_stats().ctx("GET_STATS")?;
    t.check(
        "failed non-root opens are not counted in GET_STATS opens",
        same(after.opens.wrapping_sub(before.opens), 0),
    );
    Ok(())
}

/// With `fd` open, the module must refuse to unload.
fn unload_refused(t: &mut Tap) -> Outcome {
    t.check(
        "/proc/modules shows the module in use while open",
        module_refcount().and_then(|n| {
            if n >= 1 {
                Ok(())
            } else {
                Err(format!("expected a refcount of at least 1, got {n}"))
            }
        }),
    );
    let result = delete_module();
    if result.is_ok() {
        t.diag(&format!(
            "delete_module unloaded {} while a descriptor was open",
            module_name()
        ));
    }
    t.check(
        "delete_module with O_NONBLOCK fails with EAGAIN while open",
        fails_with(result, EAGAIN),
    );
    t.check(
        "the module is still loaded after the refused unload",
        module_refcount().map(drop),
    );
    Ok(())
}

const USAGE: &str = "usage: rust-misc-test [--device PATH] [--module NAME]";

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(why) = take_target_args(&mut args) {
        eprintln!("rust-misc-test: {why}\n{USAGE}");
        std::process::exit(2);
    }
    if let Some(arg) = args.first() {
        eprintln!("rust-misc-test: unknown argument '{arg}'\n{USAGE}");
        std::process::exit(2);
    }
    let mut t = Tap::new();
    let fd = match Fd::open(O_RDWR) {
        Ok(fd) => fd,
        Err(e) => {
            t.check(
                &format!("open {}", device_name()),
                Err(format!("open O_RDWR failed: {e}")),
            );
            std::process::exit(1);
        }
    };
    t.check(&format!("open {}", device_name()), Ok(()));

    t.group("reset", |t| reset(t, &fd));
    t.group("device node", device_node);
    t.group("round trip", |t| round_trip(t, &fd));
    t.group("readv and writev", |t| vectored(t, &fd));
    t.group("capacity edge", |t| capacity_edge(t, &fd));
    t.group("gap filling", |t| gap_fill(t, &fd));
    t.group("CLEAR", |t| clear_ioctl(t, &fd));
    t.group("O_APPEND", |t| append(t, &fd));
    t.group("lseek", |t| lseek_cases(t, &fd));
    t.group("unknown ioctls", |t| unknown_ioctls(t, &fd));
    t.group("bad user pointers", |t| bad_pointers(t, &fd));
    t.group("GET_STATS", |t| stats(t, &fd));
    t.group("concurrent O_APPEND", |t| concurrent_append(t, &fd));
    t.group("permissions", |t| permissions(t, &fd));
    // Last: should the unload wrongly succeed, the device is gone.
    t.group("unload while open", unload_refused);

    t.check(
        &format!("close {} returns 0", device_name()),
        fd.close().map_err(|e| e.to_string()),
    );
    t.diag(&format!("{} passed, {} failed", t.passed, t.failed));
    std::process::exit(if t.failed == 0 { 0 } else { 1 });
}
