// SPDX-License-Identifier: GPL-2.0

//! Userspace test of `/dev/rust-misc`, the misc device of modules/misc_device.
//!
//! The device is one shared byte store of `RUST_MISC_CAPACITY` (4096) bytes
//! with a current length, read and written with read(2), write(2) and
//! lseek(2), plus the ioctls of modules/misc_device/rust_misc.h. This program
//! checks, with exact return values and errno values:
//!
//! - the device node: a character device, mode 0600, owned by root;
//! - round trips, reads at and past the end, partial reads at the end;
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
//! It runs as root in the test VM and prints one line per check:
//! `ok misc_device: NAME` or `not ok misc_device: NAME # WHY`, diagnostics
//! as `# ...`; the exit status is 0 when every check passed, 1 otherwise.
//! The ABI (ioctl numbers, capacity, stats struct) comes from the module's
//! header through bindgen: see build.sh and abi.h.

use std::collections::HashSet;
use std::ffi::{c_char, c_int, c_long, c_ulong, c_void, CString};
use std::fmt;
use std::io::Write as _;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

/// The generated bindings of abi.h.
#[allow(dead_code, non_camel_case_types)]
mod abi {
    include!(env!("RUST_MISC_ABI_RS"));
}

use abi::rust_misc_stats as Stats;

const DEVICE: &str = "/dev/rust-misc";
const MODULE: &str = "misc_device";
const CAPACITY: usize = abi::RUST_MISC_CAPACITY as usize;
const CAP: i64 = CAPACITY as i64;
const GET_LEN: c_ulong = abi::RUST_MISC_ABI_GET_LEN;
const CLEAR: c_ulong = abi::RUST_MISC_ABI_CLEAR;
const GET_STATS: c_ulong = abi::RUST_MISC_ABI_GET_STATS;
const MAGIC: c_ulong = abi::RUST_MISC_IOC_MAGIC as c_ulong;

/// An address userspace can never access: the start of the kernel half.
const KERNEL_ADDR: usize = 0xffff_8000_0000_0000;
/// The unprivileged user and group the permission checks switch to.
const NOBODY: u32 = 65534;

// Flags and numbers of the x86_64 Linux ABI.
#[cfg(not(target_arch = "x86_64"))]
compile_error!("the constants below are those of x86_64 Linux");
const O_RDONLY: c_int = 0;
const O_WRONLY: c_int = 0o1;
const O_RDWR: c_int = 0o2;
const O_APPEND: c_int = 0o2000;
const O_NONBLOCK: c_int = 0o4000;
const O_CLOEXEC: c_int = 0o2000000;
const SEEK_SET: c_int = 0;
const SEEK_CUR: c_int = 1;
const SEEK_END: c_int = 2;
const SEEK_DATA: c_int = 3;
const SEEK_HOLE: c_int = 4;
const SYS_DELETE_MODULE: c_long = 176;

const EAGAIN: Errno = Errno(11);
const EACCES: Errno = Errno(13);
const EFAULT: Errno = Errno(14);
const EINVAL: Errno = Errno(22);
const ENOTTY: Errno = Errno(25);
const ENOSPC: Errno = Errno(28);

extern "C" {
    fn open(path: *const c_char, flags: c_int, ...) -> c_int;
    fn close(fd: c_int) -> c_int;
    fn read(fd: c_int, buf: *mut c_void, count: usize) -> isize;
    fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
    fn lseek(fd: c_int, offset: i64, whence: c_int) -> i64;
    fn ioctl(fd: c_int, request: c_ulong, ...) -> c_int;
    fn pipe(fds: *mut c_int) -> c_int;
    fn fork() -> c_int;
    fn waitpid(pid: c_int, status: *mut c_int, options: c_int) -> c_int;
    fn setgroups(size: usize, list: *const u32) -> c_int;
    fn setgid(gid: u32) -> c_int;
    fn setuid(uid: u32) -> c_int;
    fn sched_yield() -> c_int;
    fn syscall(number: c_long, ...) -> c_long;
    fn _exit(status: c_int) -> !;
}

// ---------------------------------------------------------------------------
// errno values and system call wrappers

/// An errno value.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Errno(i32);

impl Errno {
    /// The errno of the system call that just failed.
    fn last() -> Self {
        Errno(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            1 => "EPERM",
            2 => "ENOENT",
            4 => "EINTR",
            5 => "EIO",
            6 => "ENXIO",
            9 => "EBADF",
            11 => "EAGAIN",
            12 => "ENOMEM",
            13 => "EACCES",
            14 => "EFAULT",
            16 => "EBUSY",
            19 => "ENODEV",
            22 => "EINVAL",
            25 => "ENOTTY",
            27 => "EFBIG",
            28 => "ENOSPC",
            29 => "ESPIPE",
            34 => "ERANGE",
            38 => "ENOSYS",
            75 => "EOVERFLOW",
            95 => "EOPNOTSUPP",
            524 => "ENOTSUPP",
            _ => "",
        };
        if name.is_empty() {
            let text = std::io::Error::from_raw_os_error(self.0);
            write!(f, "errno {} ({})", self.0, text)
        } else {
            write!(f, "{} ({})", name, self.0)
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Turns a C return value into a `Result`: -1 means failure with errno.
fn sys<T: PartialEq + From<i8>>(ret: T) -> Result<T, Errno> {
    if ret == T::from(-1) {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

/// An open file descriptor, closed on drop.
struct Fd(c_int);

impl Fd {
    fn open(path: &str, flags: c_int) -> Result<Fd, Errno> {
        let path = CString::new(path).map_err(|_| Errno(22))?;
        // SAFETY: `path` is a NUL-terminated string that outlives the call;
        // without O_CREAT, open(2) reads no mode argument.
        let fd = sys(unsafe { open(path.as_ptr(), flags | O_CLOEXEC) })?;
        Ok(Fd(fd))
    }

    /// Closes the descriptor, reporting the result of close(2).
    fn close(self) -> Result<(), Errno> {
        let fd = self.0;
        std::mem::forget(self);
        // SAFETY: `fd` is a descriptor this program owns; `self` was
        // forgotten, so it is not closed again on drop.
        sys(unsafe { close(fd) }).map(drop)
    }

    fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
        let n = sys(unsafe { read(self.0, buf.as_mut_ptr().cast(), buf.len()) })?;
        Ok(n as usize)
    }

    /// read(2) into an arbitrary (bad) address: the kernel must refuse it.
    fn read_to_addr(&self, addr: usize, count: usize) -> Result<usize, Errno> {
        // SAFETY: `addr` is never accessed by this process: only the kernel
        // sees it, and it must check it (this is what is being tested).
        let n = sys(unsafe { read(self.0, addr as *mut c_void, count) })?;
        Ok(n as usize)
    }

    fn write(&self, data: &[u8]) -> Result<usize, Errno> {
        // SAFETY: `data` is valid for reads of `data.len()` bytes.
        let n = sys(unsafe { write(self.0, data.as_ptr().cast(), data.len()) })?;
        Ok(n as usize)
    }

    /// write(2) from an arbitrary (bad) address: the kernel must refuse it.
    fn write_from_addr(&self, addr: usize, count: usize) -> Result<usize, Errno> {
        // SAFETY: as for `read_to_addr`, only the kernel looks at `addr`.
        let n = sys(unsafe { write(self.0, addr as *const c_void, count) })?;
        Ok(n as usize)
    }

    fn seek(&self, offset: i64, whence: c_int) -> Result<i64, Errno> {
        // SAFETY: lseek(2) takes no pointers.
        sys(unsafe { lseek(self.0, offset, whence) })
    }

    /// The file position (lseek SEEK_CUR 0).
    fn tell(&self) -> Result<i64, Errno> {
        self.seek(0, SEEK_CUR)
    }

    /// ioctl(2) with `arg` passed as it is (an address or a number).
    fn ioctl(&self, cmd: c_ulong, arg: usize) -> Result<c_int, Errno> {
        // SAFETY: the callers pass either a valid pointer to a buffer large
        // enough for the command, or a bad address the kernel must refuse.
        sys(unsafe { ioctl(self.0, cmd, arg) })
    }

    fn get_len(&self) -> Result<u64, Errno> {
        let mut len: u64 = 0;
        self.ioctl(GET_LEN, &mut len as *mut u64 as usize)?;
        Ok(len)
    }

    fn get_stats(&self) -> Result<Stats, Errno> {
        let mut stats = Stats::default();
        self.ioctl(GET_STATS, &mut stats as *mut Stats as usize)?;
        Ok(stats)
    }

    fn clear(&self) -> Result<(), Errno> {
        self.ioctl(CLEAR, 0).map(drop)
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: the descriptor is owned by this `Fd` and closed only here.
        unsafe { close(self.0) };
    }
}

/// fork(2), after flushing stdout so the child has nothing buffered to
/// print twice. Returns the child's pid, or 0 in the child.
fn fork_flushed() -> Result<c_int, Errno> {
    let _ = std::io::stdout().flush();
    // SAFETY: the program is single-threaded, so the child may run any code;
    // children leave only through `_exit`.
    sys(unsafe { fork() })
}

/// Ends a child process without running any exit handlers or destructors.
fn child_exit(code: c_int) -> ! {
    // SAFETY: _exit(2) is always safe to call; it does not return.
    unsafe { _exit(code) }
}

/// How a child ended: `Ok(exit code)` or `Err(description)`.
fn wait_child(pid: c_int) -> Result<c_int, String> {
    let mut status: c_int = 0;
    // SAFETY: `status` is valid for a write of a c_int.
    sys(unsafe { waitpid(pid, &mut status, 0) }).map_err(|e| format!("waitpid: {e}"))?;
    if status & 0x7f == 0 {
        Ok((status >> 8) & 0xff)
    } else {
        Err(format!("killed by signal {}", status & 0x7f))
    }
}

// ---------------------------------------------------------------------------
// Results

/// The outcome of one check: `Err` holds why it failed.
type Outcome = Result<(), String>;

/// Counts and prints results.
struct Tap {
    passed: u32,
    failed: u32,
    names: HashSet<String>,
}

impl Tap {
    fn new() -> Self {
        Tap {
            passed: 0,
            failed: 0,
            names: HashSet::new(),
        }
    }

    fn line(text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    fn diag(&self, text: &str) {
        Self::line(&format!("# {text}"));
    }

    /// Prints the result line of the check `name`.
    fn check(&mut self, name: &str, outcome: Outcome) {
        let outcome = if name.contains(" # ") || !self.names.insert(name.to_string()) {
            Err("test bug: duplicate name or name with ' # '".to_string())
        } else {
            outcome
        };
        match outcome {
            Ok(()) => {
                self.passed += 1;
                Self::line(&format!("ok {MODULE}: {name}"));
            }
            Err(why) => {
                self.failed += 1;
                let why = why.replace('\n', " ");
                Self::line(&format!("not ok {MODULE}: {name} # {why}"));
            }
        }
    }

    /// Runs one group of checks; a failure to set the group up (an error
    /// outside the checks themselves) is reported as a failed check.
    fn group(&mut self, name: &str, run: impl FnOnce(&mut Tap) -> Outcome) {
        self.diag(name);
        if let Err(why) = run(self) {
            self.check(&format!("{name}: setup"), Err(why));
        }
    }
}

/// Adds what was being done to a failed call, for `?` in group setup.
trait Context<T> {
    fn ctx(self, what: &str) -> Result<T, String>;
}

impl<T> Context<T> for Result<T, Errno> {
    fn ctx(self, what: &str) -> Result<T, String> {
        self.map_err(|e| format!("{what} failed: {e}"))
    }
}

fn eq<T: PartialEq + fmt::Debug>(got: T, want: T) -> Outcome {
    if got == want {
        Ok(())
    } else {
        Err(format!("expected {want:?}, got {got:?}"))
    }
}

/// A call that must succeed and return `want`.
fn ok_eq<T: PartialEq + fmt::Debug>(got: Result<T, Errno>, want: T) -> Outcome {
    match got {
        Ok(got) => eq(got, want),
        Err(e) => Err(format!("expected {want:?}, got error {e}")),
    }
}

/// A call that must fail with `want`.
fn fails_with<T: fmt::Debug>(got: Result<T, Errno>, want: Errno) -> Outcome {
    match got {
        Ok(v) => Err(format!("expected {want}, got success ({v:?})")),
        Err(e) if e == want => Ok(()),
        Err(e) => Err(format!("expected {want}, got {e}")),
    }
}

/// Byte strings that must be equal; tells the first difference.
fn same_bytes(got: &[u8], want: &[u8]) -> Outcome {
    if let Some(i) = got.iter().zip(want).position(|(g, w)| g != w) {
        return Err(format!(
            "byte {i}: expected 0x{:02x}, got 0x{:02x} ({} bytes, {} expected)",
            want[i],
            got[i],
            got.len(),
            want.len()
        ));
    }
    eq(got.len(), want.len()).map_err(|e| format!("length: {e}"))
}

// ---------------------------------------------------------------------------
// Device helpers for the groups

/// One read(2) of up to `count` bytes that must return exactly `want`.
fn reads(fd: &Fd, count: usize, want: &[u8]) -> Outcome {
    let mut buf = vec![0u8; count];
    let n = fd.read(&mut buf).map_err(|e| format!("read failed: {e}"))?;
    same_bytes(&buf[..n], want)
}

fn seek_to(fd: &Fd, pos: i64) -> Result<(), String> {
    let got = fd
        .seek(pos, SEEK_SET)
        .ctx(&format!("lseek SEEK_SET {pos}"))?;
    eq(got, pos).map_err(|e| format!("lseek SEEK_SET {pos}: {e}"))
}

/// All data of the device, read from position 0; the file position is
/// restored afterwards.
fn contents(fd: &Fd) -> Result<Vec<u8>, String> {
    let pos = fd.tell().ctx("lseek SEEK_CUR 0")?;
    seek_to(fd, 0)?;
    let mut data = Vec::new();
    let mut buf = [0u8; 1000];
    loop {
        let n = fd.read(&mut buf).ctx("read")?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
        if data.len() > CAPACITY {
            return Err(format!("read returned more than {CAPACITY} bytes"));
        }
    }
    seek_to(fd, pos)?;
    Ok(data)
}

/// The device holds `data` exactly after this; the position is at its end.
fn fill(fd: &Fd, data: &[u8]) -> Result<(), String> {
    fd.clear().ctx("CLEAR")?;
    seek_to(fd, 0)?;
    let n = fd.write(data).ctx("write")?;
    eq(n, data.len()).map_err(|e| format!("setup write: {e}"))
}

/// Everything a failed operation must leave alone.
#[derive(PartialEq)]
struct State {
    pos: i64,
    len: u64,
    data: Vec<u8>,
}

impl State {
    fn capture(fd: &Fd) -> Result<State, String> {
        Ok(State {
            pos: fd.tell().ctx("lseek SEEK_CUR 0")?,
            len: fd.get_len().ctx("GET_LEN")?,
            data: contents(fd)?,
        })
    }
}

/// Lists what differs between two states and two stats snapshots.
fn unchanged(before: &State, after: &State, stats0: &Stats, stats1: &Stats) -> Outcome {
    let mut diffs = Vec::new();
    if before.pos != after.pos {
        diffs.push(format!("position {} -> {}", before.pos, after.pos));
    }
    if before.len != after.len {
        diffs.push(format!("length {} -> {}", before.len, after.len));
    }
    if let Err(e) = same_bytes(&after.data, &before.data) {
        diffs.push(format!("contents changed ({e})"));
    }
    if stats0 != stats1 {
        diffs.push(format!("stats {stats0:?} -> {stats1:?}"));
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.join("; "))
    }
}

/// The reference count of the module in /proc/modules.
fn module_refcount() -> Result<u64, String> {
    let text = std::fs::read_to_string("/proc/modules")
        .map_err(|e| format!("reading /proc/modules: {e}"))?;
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(MODULE))
        .ok_or_else(|| format!("{MODULE} is not in /proc/modules"))?;
    line.split_whitespace()
        .nth(2)
        .and_then(|f| f.parse().ok())
        .ok_or_else(|| format!("no refcount in '{line}'"))
}

/// delete_module(2), the system call behind rmmod, without waiting.
fn delete_module(name: &str) -> Result<c_long, Errno> {
    let name = CString::new(name).map_err(|_| Errno(22))?;
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    sys(unsafe { syscall(SYS_DELETE_MODULE, name.as_ptr(), O_NONBLOCK as c_long) })
}

// Editing fields of an ioctl number: nr in bits 0-7, type (magic) in
// 8-15, argument size in 16-29, direction in 30-31.
const IOC_NONE: c_ulong = 0;
const IOC_WRITE: c_ulong = 1;
const IOC_READ: c_ulong = 2;

fn with_nr(cmd: c_ulong, nr: c_ulong) -> c_ulong {
    (cmd & !0xff) | nr
}

fn with_type(cmd: c_ulong, ty: c_ulong) -> c_ulong {
    (cmd & !(0xff << 8)) | (ty << 8)
}

fn with_size(cmd: c_ulong, size: c_ulong) -> c_ulong {
    (cmd & !(0x3fff << 16)) | (size << 16)
}

fn with_dir(cmd: c_ulong, dir: c_ulong) -> c_ulong {
    (cmd & !(0x3 << 30)) | (dir << 30)
}

// ---------------------------------------------------------------------------
// The groups of checks

fn reset(t: &mut Tap, fd: &Fd) -> Outcome {
    t.check("CLEAR ioctl returns 0", ok_eq(fd.ioctl(CLEAR, 0), 0));
    t.check("GET_LEN returns 0 after CLEAR", ok_eq(fd.get_len(), 0));
    Ok(())
}

fn device_node(t: &mut Tap) -> Outcome {
    let meta = std::fs::metadata(DEVICE).map_err(|e| format!("stat {DEVICE}: {e}"))?;
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
        eq(format!("{mode:04o}"), "0600".to_string()),
    );
    t.check("device node is owned by root", eq(meta.uid(), 0));
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
        contents(fd).and_then(|d| same_bytes(&d, b"abcDEFghijklmnopqrstuvwxyz")),
    );

    let other = Fd::open(DEVICE, O_RDONLY).ctx("second open")?;
    t.check(
        "a second descriptor reads the same data",
        reads(&other, 128, b"abcDEFghijklmnopqrstuvwxyz"),
    );
    other.close().ctx("close")?;
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
    let mut want = vec![0u8; CAPACITY - 6];
    want.extend_from_slice(b"012345");
    t.check(
        "bytes before the short write read as zeros",
        contents(fd).and_then(|d| same_bytes(&d, &want)),
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
    let mut want = b"abc".to_vec();
    want.resize(100, 0);
    want.extend_from_slice(b"XYZ");
    t.check(
        "gap between the old length and the write reads as zeros",
        contents(fd).and_then(|d| same_bytes(&d, &want)),
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
        ok_eq(fd.ioctl(CLEAR, 0), 0),
    );
    t.check(
        "GET_LEN returns 0 after clearing 200 bytes",
        ok_eq(fd.get_len(), 0),
    );
    seek_to(fd, 0)?;
    t.check("read after CLEAR returns 0", reads(fd, 16, b""));
    seek_to(fd, 150)?;
    let n = fd.write(b"Q").ctx("write at 150")?;
    eq(n, 1).map_err(|e| format!("write at 150: {e}"))?;
    let mut want = vec![0u8; 150];
    want.push(b'Q');
    t.check(
        "bytes dropped by CLEAR read back as zeros, not old data",
        contents(fd).and_then(|d| same_bytes(&d, &want)),
    );
    Ok(())
}

fn append(t: &mut Tap, fd: &Fd) -> Outcome {
    fill(fd, b"0123456789")?;
    let afd = Fd::open(DEVICE, O_RDWR | O_APPEND).ctx("open O_RDWR|O_APPEND")?;
    seek_to(&afd, 0)?;
    t.check(
        "O_APPEND write after lseek to 0 returns 3",
        ok_eq(afd.write(b"abc"), 3),
    );
    t.check(
        "O_APPEND write lands at the length, not at the position",
        contents(fd).and_then(|d| same_bytes(&d, b"0123456789abc")),
    );
    t.check(
        "O_APPEND write leaves the position at the new length",
        ok_eq(afd.tell(), 13),
    );

    // Another descriptor extends the data to 21 bytes (gap 13..20).
    seek_to(fd, 20)?;
    let n = fd.write(b"Z").ctx("write at 20")?;
    eq(n, 1).map_err(|e| format!("write at 20: {e}"))?;
    seek_to(&afd, 5)?;
    let mut want = b"0123456789abc".to_vec();
    want.resize(20, 0);
    want.extend_from_slice(b"Zd");
    t.check(
        "O_APPEND write follows a length set through another descriptor",
        ok_eq(afd.write(b"d"), 1)
            .and_then(|()| contents(fd))
            .and_then(|d| same_bytes(&d, &want)),
    );
    afd.close().ctx("close")?;
    Ok(())
}

/// The check "`what` fails with EINVAL and keeps the position": an lseek
/// from position 42 that must fail and leave the position at 42.
fn seek_einval(t: &mut Tap, fd: &Fd, what: &str, offset: i64, whence: c_int) -> Outcome {
    seek_to(fd, 42)?;
    let outcome = fails_with(fd.seek(offset, whence), EINVAL)
        .and_then(|()| ok_eq(fd.tell(), 42).map_err(|e| format!("position changed: {e}")));
    t.check(
        &format!("{what} fails with EINVAL and keeps the position"),
        outcome,
    );
    Ok(())
}

fn lseek_cases(t: &mut Tap, fd: &Fd) -> Outcome {
    fill(fd, &[b'L'; 100])?;
    t.check("lseek SEEK_SET 0 returns 0", ok_eq(fd.seek(0, SEEK_SET), 0));
    t.check(
        "lseek SEEK_SET 4096 returns 4096",
        ok_eq(fd.seek(CAP, SEEK_SET), CAP),
    );
    t.check(
        "lseek beyond the length does not change GET_LEN",
        ok_eq(fd.get_len(), 100),
    );
    seek_einval(t, fd, "lseek SEEK_SET -1", -1, SEEK_SET)?;
    seek_einval(t, fd, "lseek SEEK_SET 4097", CAP + 1, SEEK_SET)?;

    seek_to(fd, 42)?;
    t.check(
        "lseek SEEK_CUR +10 from 42 returns 52",
        ok_eq(fd.seek(10, SEEK_CUR), 52),
    );
    t.check(
        "lseek SEEK_CUR -20 from 52 returns 32",
        ok_eq(fd.seek(-20, SEEK_CUR), 32),
    );
    t.check(
        "lseek SEEK_CUR +4064 from 32 returns 4096",
        ok_eq(fd.seek(CAP - 32, SEEK_CUR), CAP),
    );
    seek_einval(t, fd, "lseek SEEK_CUR -43 from 42 (to -1)", -43, SEEK_CUR)?;
    seek_einval(
        t,
        fd,
        "lseek SEEK_CUR +4055 from 42 (to 4097)",
        CAP - 41,
        SEEK_CUR,
    )?;
    seek_einval(
        t,
        fd,
        "lseek SEEK_CUR +i64::MAX from 42",
        i64::MAX,
        SEEK_CUR,
    )?;

    t.check(
        "lseek SEEK_END 0 returns the length 100",
        ok_eq(fd.seek(0, SEEK_END), 100),
    );
    t.check(
        "lseek SEEK_END -30 returns 70",
        ok_eq(fd.seek(-30, SEEK_END), 70),
    );
    t.check(
        "lseek SEEK_END +3996 returns 4096",
        ok_eq(fd.seek(CAP - 100, SEEK_END), CAP),
    );
    seek_einval(t, fd, "lseek SEEK_END +3997 (to 4097)", CAP - 99, SEEK_END)?;
    seek_einval(t, fd, "lseek SEEK_END -101 (to -1)", -101, SEEK_END)?;
    seek_einval(t, fd, "lseek SEEK_END i64::MIN", i64::MIN, SEEK_END)?;

    seek_einval(t, fd, "lseek whence SEEK_DATA", 0, SEEK_DATA)?;
    seek_einval(t, fd, "lseek whence SEEK_HOLE", 0, SEEK_HOLE)?;
    Ok(())
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
            fails_with(fd.ioctl(cmd, arg.as_mut_ptr() as usize), ENOTTY),
        );
    }
    t.check(
        "rejected ioctls leave the data unchanged",
        ok_eq(fd.get_len(), 7)
            .and_then(|()| contents(fd))
            .and_then(|d| same_bytes(&d, b"keep me")),
    );
    Ok(())
}

/// An operation given a bad pointer, by the position it starts from.
type BadOp = fn(&Fd) -> Result<usize, Errno>;

fn bad_pointers(t: &mut Tap, fd: &Fd) -> Outcome {
    let data: Vec<u8> = (0..64u8).map(|i| i ^ 0x5a).collect();
    fill(fd, &data)?;
    let cases: [(&str, i64, BadOp); 8] = [
        ("read into NULL", 0, |f| f.read_to_addr(0, 16)),
        ("read into a kernel address", 0, |f| {
            f.read_to_addr(KERNEL_ADDR, 16)
        }),
        ("write from NULL past the length", 72, |f| {
            f.write_from_addr(0, 16)
        }),
        ("write from a kernel address", 10, |f| {
            f.write_from_addr(KERNEL_ADDR, 16)
        }),
        ("GET_LEN into NULL", 5, |f| {
            f.ioctl(GET_LEN, 0).map(|r| r as usize)
        }),
        ("GET_LEN into a kernel address", 5, |f| {
            f.ioctl(GET_LEN, KERNEL_ADDR).map(|r| r as usize)
        }),
        ("GET_STATS into NULL", 5, |f| {
            f.ioctl(GET_STATS, 0).map(|r| r as usize)
        }),
        ("GET_STATS into a kernel address", 5, |f| {
            f.ioctl(GET_STATS, KERNEL_ADDR).map(|r| r as usize)
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

    Fd::open(DEVICE, O_RDONLY)
        .ctx("open O_RDONLY")?
        .close()
        .ctx("close")?;
    Fd::open(DEVICE, O_WRONLY)
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
        eq(after.opens.wrapping_sub(before.opens), 2),
    );
    t.check(
        "GET_STATS bytes_written grew by exactly the bytes stored",
        eq(
            after.bytes_written.wrapping_sub(before.bytes_written),
            written,
        ),
    );
    t.check(
        "GET_STATS bytes_read grew by exactly the bytes returned",
        eq(after.bytes_read.wrapping_sub(before.bytes_read), read),
    );
    Ok(())
}

const WRITERS: usize = 8;
const RECORDS: usize = 8;
const RECORD_LEN: usize = 60;

/// A concurrent writer (in a child process): waits until the parent closes
/// the start pipe, then appends `RECORDS` records of its own byte.
fn append_writer(start: [c_int; 2], record: &[u8]) -> ! {
    let mut byte = 0u8;
    // SAFETY: closing this process's copy of the pipe's write end (so that
    // EOF comes when the parent closes its own), then a read into `byte`,
    // valid for one byte.
    let started = unsafe {
        close(start[1]);
        read(start[0], (&mut byte as *mut u8).cast(), 1)
    };
    if started != 0 {
        child_exit(10);
    }
    let Ok(fd) = Fd::open(DEVICE, O_WRONLY | O_APPEND) else {
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
    let mut start: [c_int; 2] = [-1; 2];
    // SAFETY: `start` is valid for writes of two c_ints.
    sys(unsafe { pipe(start.as_mut_ptr()) }).ctx("pipe")?;

    let mut children = Vec::new();
    let mut fork_error = None;
    for i in 0..WRITERS {
        let record = [b'a' + i as u8; RECORD_LEN];
        match fork_flushed() {
            Ok(0) => append_writer(start, &record),
            Ok(pid) => children.push((i, pid)),
            Err(e) => {
                fork_error = Some(e);
                break;
            }
        }
    }
    // SAFETY: closing both ends of the pipe in the parent: the writers see
    // EOF and all start at once.
    unsafe {
        close(start[0]);
        close(start[1]);
    }

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
        eq(counts, [RECORDS; WRITERS]),
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
        match Fd::open(DEVICE, flags) {
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
        eq(after.opens.wrapping_sub(before.opens), 0),
    );
    Ok(())
}

/// With `fd` open, the module must refuse to unload.
fn unload_refused(t: &mut Tap) -> Outcome {
    t.check(
        "/proc/modules shows misc_device in use while open",
        module_refcount().and_then(|n| {
            if n >= 1 {
                Ok(())
            } else {
                Err(format!("expected a refcount of at least 1, got {n}"))
            }
        }),
    );
    let result = delete_module(MODULE);
    if result.is_ok() {
        t.diag("delete_module unloaded misc_device while a descriptor was open");
    }
    t.check(
        "delete_module with O_NONBLOCK fails with EAGAIN while open",
        fails_with(result, EAGAIN),
    );
    t.check(
        "misc_device is still loaded after the refused unload",
        module_refcount().map(drop),
    );
    Ok(())
}

fn main() {
    let mut t = Tap::new();
    let fd = match Fd::open(DEVICE, O_RDWR) {
        Ok(fd) => fd,
        Err(e) => {
            t.check(
                &format!("open {DEVICE}"),
                Err(format!("open O_RDWR failed: {e}")),
            );
            std::process::exit(1);
        }
    };
    t.check(&format!("open {DEVICE}"), Ok(()));

    t.group("reset", |t| reset(t, &fd));
    t.group("device node", device_node);
    t.group("round trip", |t| round_trip(t, &fd));
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
        &format!("close {DEVICE} returns 0"),
        fd.close().map_err(|e| e.to_string()),
    );
    t.diag(&format!("{} passed, {} failed", t.passed, t.failed));
    std::process::exit(if t.failed == 0 { 0 } else { 1 });
}
