// SPDX-License-Identifier: GPL-2.0

//! Randomized tests of `/dev/rust-misc`, the misc device of
//! modules/misc_device, and a loader for allocation-failure injection.
//!
//! ```text
//! misc-device-stress fuzz --seed S --ops N
//! misc-device-stress stress --procs P --ops N [--seed S]
//! misc-device-stress fault-load N MODULE.ko [PARAMS]
//! ```
//!
//! - `fuzz`: a model-checked fuzzer. [`Model`] is the device written again
//!   in userspace, together with what the VFS checks before the driver runs
//!   (fs/read_write.c, fs/ioctl.c, x86's `access_ok()`). A seeded generator
//!   makes random operations on up to [`SLOTS`] descriptors: open (every
//!   access mode, with and without `O_APPEND`, and opens that must fail),
//!   close, read, write, pread, pwrite, lseek and ioctl, with hostile
//!   arguments: NULL, kernel-half and non-canonical pointers, pointers into
//!   or across an unmapped guard page, zero, capacity-edge and huge lengths,
//!   huge and negative offsets, every `whence` and invalid ones, the device's
//!   ioctls with bad arguments and unknown ioctl numbers. After every
//!   operation the return value and errno must be the model's, and so must
//!   the bytes a read returned or an ioctl stored; after a read or write the
//!   position (lseek SEEK_CUR 0), after a failed read or write the length
//!   and the statistics. Every [`CHECK_EVERY`] operations and at the end,
//!   GET_LEN, a pread of all the data, GET_STATS and every position are
//!   compared with the model. The first difference stops the run and names
//!   the operation (the ones before it are shown too). Same seed, same
//!   operations. The end shows how often each case of the rules ([`Path`])
//!   was met.
//! - `stress`: P processes (at least 8) do N random reads, writes at random
//!   positions, lseeks, GET_LEN and GET_STATS on their own descriptors at
//!   the same time, check what each result can be whatever the others do,
//!   and report their byte and open counts through a pipe; the parent then
//!   checks the length and the statistics against the sums.
//! - `fault-load`: loads MODULE.ko with finit_module(2) after writing N to
//!   `/proc/thread-self/fail-nth`, so that the Nth fault-injection point of
//!   the call fails, and prints one line:
//!   `fault-load n=N injected=0|1 result=ok|ERRNO(errno)`, exit status 0.
//!   When it cannot even try (no `fail-nth`: a kernel without
//!   `CONFIG_FAULT_INJECTION`; MODULE.ko cannot be opened) the line is
//!   `fault-load n=N error=WHAT:ERRNO(errno)` and the exit status 2, as for
//!   a usage error. A module that loads stays loaded.
//!
//! `fuzz` and `stress` print results as the other test program does:
//! `ok misc_device: NAME`, `not ok misc_device: NAME # WHY` and `# ...`
//! diagnostics; the exit status is 0 when everything passed, 1 otherwise,
//! 2 for a usage error. The ABI comes from the module's header through
//! bindgen (build.sh, abi.h).

use std::ffi::{c_char, c_int, c_long, c_ulong, c_void, CStr, CString};
use std::fmt;
use std::io::Write as _;
use std::time::Instant;

/// The generated bindings of abi.h.
#[allow(dead_code, non_camel_case_types)]
mod abi {
    include!(env!("RUST_MISC_ABI_RS"));
}

use abi::rust_misc_stats as Stats;

const DEVICE: &CStr = c"/dev/rust-misc";
const MODULE: &str = "misc_device";
const CAPACITY: usize = abi::RUST_MISC_CAPACITY as usize;
const GET_LEN: u32 = abi::RUST_MISC_ABI_GET_LEN as u32;
const CLEAR: u32 = abi::RUST_MISC_ABI_CLEAR as u32;
const GET_STATS: u32 = abi::RUST_MISC_ABI_GET_STATS as u32;
const MAGIC: u32 = abi::RUST_MISC_IOC_MAGIC;
const STATS_SIZE: usize = std::mem::size_of::<Stats>();

// Flags and numbers of the x86_64 Linux ABI.
#[cfg(not(target_arch = "x86_64"))]
compile_error!("the constants below are those of x86_64 Linux");
const PAGE: usize = 4096;
const O_RDONLY: c_int = 0;
const O_WRONLY: c_int = 0o1;
const O_RDWR: c_int = 0o2;
/// Access mode 3: neither read nor write, only ioctls (see open(2)).
const O_NOACCESS: c_int = 0o3;
const O_ACCMODE: c_int = 0o3;
const O_CREAT: c_int = 0o100;
const O_EXCL: c_int = 0o200;
const O_TRUNC: c_int = 0o1000;
const O_APPEND: c_int = 0o2000;
const O_NONBLOCK: c_int = 0o4000;
const O_DIRECTORY: c_int = 0o200000;
const O_CLOEXEC: c_int = 0o2000000;
const SEEK_SET: c_int = 0;
const SEEK_CUR: c_int = 1;
const SEEK_END: c_int = 2;
/// The VFS refuses any `whence` above this (`SEEK_HOLE`).
const SEEK_MAX: u32 = 4;
const PROT_READ: c_int = 1;
const PROT_WRITE: c_int = 2;
const MAP_PRIVATE: c_int = 0x02;
const MAP_ANONYMOUS: c_int = 0x20;
const MAP_FIXED_NOREPLACE: c_int = 0x100000;
const SYS_FINIT_MODULE: c_long = 313;
/// What read(2) and write(2) are clamped to (`MAX_RW_COUNT`).
const MAX_RW_COUNT: usize = i32::MAX as usize & !(PAGE - 1);
/// The start of the kernel half of the address space.
const KERNEL_ADDR: usize = 0xffff_8000_0000_0000;

const EBADF: Errno = Errno(9);
const EFAULT: Errno = Errno(14);
const EEXIST: Errno = Errno(17);
const ENOTDIR: Errno = Errno(20);
const EINVAL: Errno = Errno(22);
const ENOTTY: Errno = Errno(25);
const ENOSPC: Errno = Errno(28);

extern "C" {
    fn open(path: *const c_char, flags: c_int, ...) -> c_int;
    fn close(fd: c_int) -> c_int;
    fn read(fd: c_int, buf: *mut c_void, count: usize) -> isize;
    fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
    fn pread64(fd: c_int, buf: *mut c_void, count: usize, offset: i64) -> isize;
    fn pwrite64(fd: c_int, buf: *const c_void, count: usize, offset: i64) -> isize;
    fn lseek(fd: c_int, offset: i64, whence: c_int) -> i64;
    fn ioctl(fd: c_int, request: c_ulong, ...) -> c_int;
    fn mmap(
        addr: *mut c_void,
        len: usize,
        prot: c_int,
        flags: c_int,
        fd: c_int,
        off: i64,
    ) -> *mut c_void;
    fn munmap(addr: *mut c_void, len: usize) -> c_int;
    fn pipe(fds: *mut c_int) -> c_int;
    fn fork() -> c_int;
    fn waitpid(pid: c_int, status: *mut c_int, options: c_int) -> c_int;
    fn syscall(number: c_long, ...) -> c_long;
    fn _exit(status: c_int) -> !;
}

// ---------------------------------------------------------------------------
// errno values and small system call helpers

/// An errno value.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Errno(i32);

impl Errno {
    /// The errno of the system call that just failed.
    fn last() -> Self {
        Errno(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }

    /// The symbolic name, or "" for numbers this program does not know.
    fn name(self) -> &'static str {
        match self.0 {
            1 => "EPERM",
            2 => "ENOENT",
            3 => "ESRCH",
            4 => "EINTR",
            5 => "EIO",
            6 => "ENXIO",
            7 => "E2BIG",
            8 => "ENOEXEC",
            9 => "EBADF",
            11 => "EAGAIN",
            12 => "ENOMEM",
            13 => "EACCES",
            14 => "EFAULT",
            16 => "EBUSY",
            17 => "EEXIST",
            19 => "ENODEV",
            20 => "ENOTDIR",
            21 => "EISDIR",
            22 => "EINVAL",
            24 => "EMFILE",
            25 => "ENOTTY",
            26 => "ETXTBSY",
            27 => "EFBIG",
            28 => "ENOSPC",
            29 => "ESPIPE",
            30 => "EROFS",
            34 => "ERANGE",
            38 => "ENOSYS",
            61 => "ENODATA",
            74 => "EBADMSG",
            75 => "EOVERFLOW",
            95 => "EOPNOTSUPP",
            126 => "ENOKEY",
            127 => "EKEYEXPIRED",
            128 => "EKEYREVOKED",
            129 => "EKEYREJECTED",
            512 => "ERESTARTSYS",
            524 => "ENOTSUPP",
            _ => "",
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            "" => write!(f, "errno {}", self.0),
            name => write!(f, "{name} ({})", self.0),
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A system call's result: its non-negative return value or its errno.
type Ret = Result<i64, Errno>;

/// Turns a C return value into a [`Ret`]: -1 means failure with errno.
fn ret(value: i64) -> Ret {
    if value == -1 {
        Err(Errno::last())
    } else {
        Ok(value)
    }
}

/// A result as the report shows it.
fn show(r: Ret) -> String {
    match r {
        Ok(v) => v.to_string(),
        Err(e) => format!("-1 {e}"),
    }
}

/// open(2) of the device, close-on-exec.
fn open_device(flags: c_int) -> Ret {
    // SAFETY: `DEVICE` is NUL-terminated and static; without O_CREAT,
    // open(2) reads no mode argument.
    ret(unsafe { open(DEVICE.as_ptr(), flags | O_CLOEXEC) }.into())
}

fn close_fd(fd: c_int) -> Ret {
    // SAFETY: close(2) takes no pointer; closing a descriptor this program
    // does not use elsewhere (or a closed one, which is EBADF).
    ret(unsafe { close(fd) }.into())
}

/// read(2) into `addr`, which may be any address: the kernel checks it.
///
/// # Safety
///
/// The kernel may overwrite up to `n` bytes at `addr`: they must be memory
/// nothing else uses meanwhile (a [`Memory`] region, of which no reference
/// is alive during the call), or not be mapped at all.
unsafe fn read_raw(fd: c_int, addr: usize, n: usize) -> Ret {
    // SAFETY: the caller vouches for `addr` and `n`.
    ret(unsafe { read(fd, addr as *mut c_void, n) } as i64)
}

/// pread(2) into `addr`.
///
/// # Safety
///
/// As for [`read_raw`].
unsafe fn pread_raw(fd: c_int, addr: usize, n: usize, off: i64) -> Ret {
    // SAFETY: the caller vouches for `addr` and `n`.
    ret(unsafe { pread64(fd, addr as *mut c_void, n, off) } as i64)
}

/// ioctl(2) with a 64-bit request (the kernel keeps its low 32 bits) and
/// `arg` passed as it is.
///
/// # Safety
///
/// Whatever the command stores at `arg` (the device's ioctls store up to
/// `size_of::<Stats>()` bytes) must land in memory as described for
/// [`read_raw`], or the command must not use `arg` as an address.
unsafe fn ioctl_raw(fd: c_int, cmd: u64, arg: usize) -> Ret {
    // SAFETY: the caller vouches for `arg`.
    ret(unsafe { ioctl(fd, cmd as c_ulong, arg) }.into())
}

/// read(2) into `buf`, at most its length.
fn read_into(fd: c_int, buf: &mut [u8]) -> Ret {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes, and borrowed
    // mutably for the call.
    unsafe { read_raw(fd, buf.as_mut_ptr() as usize, buf.len()) }
}

/// pread(2) into `buf`, at most its length.
fn pread_into(fd: c_int, buf: &mut [u8], off: i64) -> Ret {
    // SAFETY: as in `read_into`.
    unsafe { pread_raw(fd, buf.as_mut_ptr() as usize, buf.len(), off) }
}

/// write(2) from `addr`, which may be any address.
fn write_from(fd: c_int, addr: usize, n: usize) -> Ret {
    // SAFETY: write(2) only reads user memory, which changes nothing in
    // this program whatever the address; a bad one is the kernel's to
    // refuse.
    ret(unsafe { write(fd, addr as *const c_void, n) } as i64)
}

/// pwrite(2) from `addr`, as [`write_from`].
fn pwrite_from(fd: c_int, addr: usize, n: usize, off: i64) -> Ret {
    // SAFETY: as for `write_from`.
    ret(unsafe { pwrite64(fd, addr as *const c_void, n, off) } as i64)
}

fn seek(fd: c_int, off: i64, whence: c_int) -> Ret {
    // SAFETY: lseek(2) takes no pointer.
    ret(unsafe { lseek(fd, off, whence) })
}

fn clear(fd: c_int) -> Ret {
    // SAFETY: the driver does not use CLEAR's argument.
    unsafe { ioctl_raw(fd, CLEAR.into(), 0) }
}

fn get_len(fd: c_int) -> Result<u64, Errno> {
    let mut len = 0u64;
    // SAFETY: GET_LEN stores a u64 at the argument, `len`.
    unsafe { ioctl_raw(fd, GET_LEN.into(), &mut len as *mut u64 as usize) }?;
    Ok(len)
}

fn get_stats(fd: c_int) -> Result<Stats, Errno> {
    let mut stats = Stats::default();
    // SAFETY: GET_STATS stores a `Stats` at the argument, `stats`.
    unsafe { ioctl_raw(fd, GET_STATS.into(), &mut stats as *mut Stats as usize) }?;
    Ok(stats)
}

/// fork(2), after flushing stdout so the child has nothing buffered to
/// print twice. Returns the child's pid, or 0 in the child.
fn fork_flushed() -> Ret {
    let _ = std::io::stdout().flush();
    // SAFETY: the program is single-threaded, so the child may run any
    // code; children leave only through `child_exit`.
    ret(unsafe { fork() }.into())
}

/// Ends a child process without running exit handlers or destructors.
fn child_exit(code: c_int) -> ! {
    // SAFETY: _exit(2) is always safe to call; it does not return.
    unsafe { _exit(code) }
}

/// How a child ended: `Ok(exit code)` or `Err(description)`.
fn wait_child(pid: c_int) -> Result<c_int, String> {
    let mut status: c_int = 0;
    // SAFETY: `status` is valid for a write of a c_int.
    ret(unsafe { waitpid(pid, &mut status, 0) }.into()).map_err(|e| format!("waitpid: {e}"))?;
    if status & 0x7f == 0 {
        Ok((status >> 8) & 0xff)
    } else {
        Err(format!("killed by signal {}", status & 0x7f))
    }
}

fn new_pipe() -> Result<[c_int; 2], Errno> {
    let mut fds: [c_int; 2] = [-1; 2];
    // SAFETY: `fds` is valid for writes of two c_ints.
    ret(unsafe { pipe(fds.as_mut_ptr()) }.into())?;
    Ok(fds)
}

// ---------------------------------------------------------------------------
// Output

fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

fn diag(text: &str) {
    line(&format!("# {text}"));
}

/// Prints one result line; returns whether it passed.
fn result(name: &str, outcome: Result<(), String>) -> bool {
    match outcome {
        Ok(()) => {
            line(&format!("ok {MODULE}: {name}"));
            true
        }
        Err(why) => {
            let why = why.replace('\n', " ");
            line(&format!("not ok {MODULE}: {name} # {why}"));
            false
        }
    }
}

fn same<T: PartialEq + fmt::Debug>(got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("expected {want:?}, got {got:?}"))
    }
}

// ---------------------------------------------------------------------------
// Pseudo-random numbers

/// SplitMix64: small, fast, and the same sequence for the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0; the bias is irrelevant here).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A `usize` in `0..n`.
    fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        let span = hi.wrapping_sub(lo) as u64;
        lo.wrapping_add(self.next().checked_rem(span.wrapping_add(1)).unwrap_or(0) as i64)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next().to_ne_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

// ---------------------------------------------------------------------------
// User memory the kernel is given

/// Size of the low buffer.
const ARENA_SIZE: usize = 4 * PAGE;
/// Size of the high buffer.
const HIGH_SIZE: usize = 2 * PAGE;
/// Where the low buffer goes: far enough below the top of the user address
/// space that huge lengths (`1 << 40`) still pass `access_ok()`.
const ARENA_HINT: usize = 0x10_0000_0000;
/// Where the high buffer goes: close enough to the top that they do not.
const HIGH_HINT: usize = 0x7f80_0000_0000;

/// Anonymous memory followed by an unmapped guard page: the mapping was
/// one page longer and its last page was unmapped again.
struct Region {
    base: usize,
    size: usize,
}

impl Region {
    fn map(hint: usize, size: usize) -> Result<Region, String> {
        let prot = PROT_READ | PROT_WRITE;
        let flags = MAP_PRIVATE | MAP_ANONYMOUS;
        let mut base = usize::MAX;
        for extra in [MAP_FIXED_NOREPLACE, 0] {
            // SAFETY: a new anonymous mapping; with MAP_FIXED_NOREPLACE it
            // never replaces an existing one, without it `hint` is a hint.
            base = unsafe { mmap(hint as *mut c_void, size + PAGE, prot, flags | extra, -1, 0) }
                as usize;
            if base != usize::MAX {
                break;
            }
        }
        if base == usize::MAX {
            return Err(format!(
                "mmap of {} bytes failed: {}",
                size + PAGE,
                Errno::last()
            ));
        }
        // SAFETY: the last page of the mapping just made; nothing uses it.
        if unsafe { munmap((base + size) as *mut c_void, PAGE) } != 0 {
            return Err(format!(
                "munmap of the guard page failed: {}",
                Errno::last()
            ));
        }
        Ok(Region { base, size })
    }

    /// The unmapped page right after the region.
    fn guard(&self) -> usize {
        self.base + self.size
    }

    /// Whether `[addr, addr + len)` lies inside the region.
    fn holds(&self, addr: usize, len: usize) -> bool {
        addr >= self.base && len <= self.size && addr - self.base <= self.size - len
    }

    /// An address where `len` bytes fit, when they can.
    fn fitting(&self, rng: &mut Rng, len: usize) -> usize {
        self.base + rng.index(self.size - len.min(self.size) + 1)
    }
}

/// The memory the fuzzer passes to the kernel: a low and a high region,
/// each followed by an unmapped page. The kernel writes into it during
/// system calls; the program reads it only between them, and never keeps a
/// reference to it across one.
struct Memory {
    arena: Region,
    high: Region,
    /// The highest user address `access_ok()` accepts (`USER_PTR_MAX`).
    user_max: usize,
}

impl Memory {
    fn new(rng: &mut Rng) -> Result<Memory, String> {
        let la57 = std::fs::read_to_string("/proc/cpuinfo")
            .map(|s| {
                s.lines()
                    .any(|l| l.starts_with("flags") && l.contains(" la57"))
            })
            .unwrap_or(false);
        let mut mem = Memory {
            arena: Region::map(ARENA_HINT, ARENA_SIZE)?,
            high: Region::map(HIGH_HINT, HIGH_SIZE)?,
            user_max: if la57 {
                (1 << 56) - PAGE
            } else {
                (1 << 47) - PAGE
            },
        };
        let (a, h) = (mem.arena.base, mem.high.base);
        rng.fill(mem.bytes_mut(a, ARENA_SIZE));
        rng.fill(mem.bytes_mut(h, HIGH_SIZE));
        Ok(mem)
    }

    /// Whether the kernel can copy `len` bytes at `addr` without a fault.
    fn mapped(&self, addr: usize, len: usize) -> bool {
        self.arena.holds(addr, len) || self.high.holds(addr, len)
    }

    /// `len` bytes at `addr`, which [`Memory::mapped`] accepts (any
    /// address for no bytes).
    fn bytes(&self, addr: usize, len: usize) -> &[u8] {
        if len == 0 {
            return &[];
        }
        assert!(self.mapped(addr, len));
        // SAFETY: the range is inside a mapping owned by `self` (checked
        // above) and initialized; the kernel only writes it during system
        // calls, and no such call is made while the slice is alive.
        unsafe { std::slice::from_raw_parts(addr as *const u8, len) }
    }

    /// `len` bytes at `addr`, mutably, which [`Memory::mapped`] accepts.
    fn bytes_mut(&mut self, addr: usize, len: usize) -> &mut [u8] {
        assert!(self.mapped(addr, len));
        // SAFETY: as in `bytes`; `&mut self` makes the slice the only one.
        unsafe { std::slice::from_raw_parts_mut(addr as *mut u8, len) }
    }

    /// The u64 at `addr` (unaligned).
    fn u64_at(&self, addr: usize) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.bytes(addr, 8));
        u64::from_ne_bytes(b)
    }

    /// The statistics stored at `addr`.
    fn stats_at(&self, addr: usize) -> Stats {
        Stats {
            opens: self.u64_at(addr),
            bytes_read: self.u64_at(addr + 8),
            bytes_written: self.u64_at(addr + 16),
        }
    }

    /// Gives new contents to the mapped part of `[addr, addr + len)`.
    fn scramble(&mut self, rng: &mut Rng, addr: usize, len: usize) {
        for r in [&self.arena, &self.high] {
            if addr >= r.base && addr < r.guard() {
                let n = len.min(r.guard() - addr);
                let how = rng.below(3);
                // SAFETY: `[addr, addr + n)` is inside the region `r`, as
                // in `bytes_mut`.
                let buf = unsafe { std::slice::from_raw_parts_mut(addr as *mut u8, n) };
                match how {
                    0 => buf.fill(rng.next() as u8),
                    _ => rng.fill(buf),
                }
                return;
            }
        }
    }

    /// An address as the report shows it.
    fn name(&self, addr: usize) -> String {
        for (r, what) in [(&self.arena, "arena"), (&self.high, "high")] {
            if addr >= r.base && addr < r.guard() + PAGE {
                let off = addr - r.base;
                let note = if addr >= r.guard() { " (unmapped)" } else { "" };
                return format!("{what}+{off}{note}");
            }
        }
        match addr {
            0 => "NULL".to_string(),
            KERNEL_ADDR => "KERNEL".to_string(),
            _ => format!("{addr:#x}"),
        }
    }
}

// ---------------------------------------------------------------------------
// The model

/// Descriptor slots the fuzzer uses; slot [`CTL`] is one more, kept open
/// for the periodic full checks.
const SLOTS: usize = 4;
const CTL: usize = SLOTS;
/// Operations between two full checks.
const CHECK_EVERY: u64 = 1000;

/// What the model knows of one open file.
#[derive(Clone, Copy, Debug)]
struct File {
    read: bool,
    write: bool,
    append: bool,
    pos: i64,
}

/// One operation of the fuzzer. `slot` is a descriptor slot; an empty slot
/// stands for a descriptor number that is not open.
#[derive(Clone, Copy, Debug)]
enum Op {
    Open {
        slot: usize,
        flags: c_int,
    },
    Close {
        slot: usize,
    },
    Read {
        slot: usize,
        buf: usize,
        n: usize,
    },
    Write {
        slot: usize,
        buf: usize,
        n: usize,
    },
    Pread {
        slot: usize,
        buf: usize,
        n: usize,
        off: i64,
    },
    Pwrite {
        slot: usize,
        buf: usize,
        n: usize,
        off: i64,
    },
    Lseek {
        slot: usize,
        off: i64,
        whence: c_int,
    },
    Ioctl {
        slot: usize,
        cmd: u64,
        arg: usize,
    },
}

/// What the model expects to find in user memory after a successful call.
enum Payload {
    None,
    /// `len` bytes at `addr` equal to the model's data from `from`.
    Data {
        addr: usize,
        from: usize,
        len: usize,
    },
    /// The length as a u64 at `addr`.
    Len {
        addr: usize,
        len: u64,
    },
    /// The statistics at `addr`.
    Stats {
        addr: usize,
        stats: Stats,
    },
}

/// The model's prediction for one operation.
struct Expect {
    ret: Ret,
    payload: Payload,
}

impl From<Errno> for Expect {
    fn from(e: Errno) -> Self {
        Expect {
            ret: Err(e),
            payload: Payload::None,
        }
    }
}

impl From<i64> for Expect {
    fn from(v: i64) -> Self {
        Expect {
            ret: Ok(v),
            payload: Payload::None,
        }
    }
}

// ioctl numbers: nr in bits 0-7, type in 8-15, size in 16-29, direction in
// 30-31.
const fn ioc(dir: u32, ty: u32, nr: u32, size: u32) -> u32 {
    (dir << 30) | (size << 16) | (ty << 8) | nr
}

const IOC_NONE: u32 = 0;
const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;
const FIONCLEX: u32 = 0x5450;
const FIOCLEX: u32 = 0x5451;
const FIOQSIZE: u32 = 0x5460;
/// Commands do_vfs_ioctl() of fs/ioctl.c handles itself for a character
/// device, without calling the driver. The fuzzer sends FIOCLEX, FIONCLEX
/// and FIOQSIZE on purpose and never any other of these (some freeze the
/// filesystem or change the file's flags).
const VFS_IOCTLS: [u32; 18] = [
    FIONCLEX,
    FIOCLEX,
    0x5421, // FIONBIO
    0x5452, // FIOASYNC
    FIOQSIZE,
    ioc(IOC_READ | IOC_WRITE, b'X' as u32, 119, 4), // FIFREEZE
    ioc(IOC_READ | IOC_WRITE, b'X' as u32, 120, 4), // FITHAW
    ioc(IOC_READ | IOC_WRITE, b'f' as u32, 11, 32), // FS_IOC_FIEMAP
    ioc(IOC_NONE, 0, 2, 0),                         // FIGETBSZ
    ioc(IOC_WRITE, 0x94, 9, 4),                     // FICLONE
    ioc(IOC_WRITE, 0x94, 13, 32),                   // FICLONERANGE
    ioc(IOC_READ | IOC_WRITE, 0x94, 54, 24),        // FIDEDUPERANGE
    ioc(IOC_READ, b'f' as u32, 1, 8),               // FS_IOC_GETFLAGS
    ioc(IOC_WRITE, b'f' as u32, 2, 8),              // FS_IOC_SETFLAGS
    ioc(IOC_READ, b'X' as u32, 31, 28),             // FS_IOC_FSGETXATTR
    ioc(IOC_WRITE, b'X' as u32, 32, 28),            // FS_IOC_FSSETXATTR
    ioc(IOC_READ, 0x15, 0, 17),                     // FS_IOC_GETFSUUID
    ioc(IOC_READ, 0x15, 1, 129),                    // FS_IOC_GETFSSYSFSPATH
];
/// Numbers that look like VFS ones but reach the driver for a character
/// device (FIONREAD, FIBMAP: do_vfs_ioctl handles them for regular files
/// only).
const PASSED_IOCTLS: [u32; 2] = [0x541b, 1];

/// The cases of the rules the model tells apart, counted to show what a
/// run covered.
#[derive(Clone, Copy)]
enum Path {
    ClosedFd,
    OpenNoAccess,
    BadMode,
    NegativeOffset,
    VfsFault,
    VfsFaultEmpty,
    VfsOverflow,
    HugeCount,
    ReadAtEnd,
    ReadAtEndBadBuf,
    ReadFault,
    ReadPartial,
    ReadFull,
    WriteEmpty,
    WriteEmptyPastCap,
    WriteNoSpace,
    WriteNoSpaceBadBuf,
    WriteFault,
    WriteFaultPastEnd,
    WriteGap,
    WriteShort,
    WriteAppend,
    PwriteAppend,
    SeekBadWhence,
    SeekDataHole,
    SeekOverflow,
    SeekOutside,
    SeekOk,
    IoctlFault,
    IoctlHighBits,
    IoctlVfs,
    IoctlUnknown,
}

const PATHS: [&str; 32] = [
    "EBADF, descriptor not open",
    "open with access mode 3",
    "EBADF, read/write not allowed by the access mode",
    "EINVAL, negative pread/pwrite offset",
    "EFAULT from access_ok()",
    "EFAULT from access_ok() for 0 bytes",
    "EINVAL, position + count overflows",
    "a count above MAX_RW_COUNT accepted",
    "read at or past the end",
    "read at or past the end into a bad buffer",
    "EFAULT copying to the user",
    "short read",
    "full read",
    "write of 0 bytes",
    "write of 0 bytes at or past the capacity",
    "ENOSPC",
    "ENOSPC with a bad buffer",
    "EFAULT copying from the user",
    "EFAULT copying from the user past the end",
    "write past the end, gap zero-filled",
    "short write at the capacity",
    "write with O_APPEND",
    "pwrite with O_APPEND, at the end",
    "EINVAL, whence above SEEK_HOLE",
    "EINVAL, SEEK_DATA/SEEK_HOLE",
    "EINVAL, lseek offset overflows",
    "EINVAL, lseek outside [0, capacity]",
    "lseek",
    "EFAULT from GET_LEN/GET_STATS",
    "ioctl number with the upper 32 bits set",
    "ioctl handled by the VFS",
    "ENOTTY from the driver",
];

/// The device and the VFS above it, as the fuzzer expects them to behave.
struct Model {
    /// `CAPACITY` bytes; those at and after `len` are zero.
    data: Vec<u8>,
    len: usize,
    /// What GET_STATS must return (the counters before the run plus what
    /// the run did).
    stats: Stats,
    files: [Option<File>; SLOTS + 1],
    /// How often each [`Path`] was taken.
    paths: [u64; PATHS.len()],
}

impl Model {
    fn new(stats: Stats) -> Self {
        let mut files = [None; SLOTS + 1];
        files[CTL] = Some(File {
            read: true,
            write: true,
            append: false,
            pos: 0,
        });
        Model {
            data: vec![0; CAPACITY],
            len: 0,
            stats,
            files,
            paths: [0; PATHS.len()],
        }
    }

    /// Counts a path and returns `value`.
    fn hit<T: Into<Expect>>(&mut self, path: Path, value: T) -> Expect {
        self.paths[path as usize] += 1;
        value.into()
    }

    /// x86_64's `access_ok(addr, n)` for a length that is not a constant.
    fn access_ok(mem: &Memory, addr: usize, n: usize) -> bool {
        addr.checked_add(n).is_some_and(|end| end <= mem.user_max)
    }

    /// The file of `slot`, or EBADF.
    fn file(&mut self, slot: usize) -> Result<File, Expect> {
        match self.files[slot] {
            Some(f) => Ok(f),
            None => Err(self.hit(Path::ClosedFd, EBADF)),
        }
    }

    /// The checks of vfs_read()/vfs_write() and rw_verify_area() before
    /// the driver runs: the access mode, access_ok() and the end position
    /// (the position is never negative here).
    fn vfs_rw(
        &mut self,
        allowed: bool,
        mem: &Memory,
        buf: usize,
        n: usize,
        pos: i64,
    ) -> Result<(), Expect> {
        if !allowed {
            return Err(self.hit(Path::BadMode, EBADF));
        }
        if !Self::access_ok(mem, buf, n) {
            let path = if n == 0 {
                Path::VfsFaultEmpty
            } else {
                Path::VfsFault
            };
            return Err(self.hit(path, EFAULT));
        }
        if (n as i64) < 0 || pos.checked_add(n as i64).is_none() {
            return Err(self.hit(Path::VfsOverflow, EINVAL));
        }
        if n > MAX_RW_COUNT {
            self.hit(Path::HugeCount, 0);
        }
        Ok(())
    }

    /// The operation's expected result; applies its effects to the model.
    fn step(&mut self, op: &Op, mem: &Memory) -> Expect {
        let r = match *op {
            Op::Open { slot, flags } => Ok(self.open(slot, flags)),
            Op::Close { slot } => self.file(slot).map(|_| {
                self.files[slot] = None;
                0.into()
            }),
            Op::Read { slot, buf, n } => self.read(slot, buf, n, None, mem),
            Op::Pread { slot, buf, n, off } => self.read(slot, buf, n, Some(off), mem),
            Op::Write { slot, buf, n } => self.write(slot, buf, n, None, mem),
            Op::Pwrite { slot, buf, n, off } => self.write(slot, buf, n, Some(off), mem),
            Op::Lseek { slot, off, whence } => self.lseek(slot, off, whence),
            Op::Ioctl { slot, cmd, arg } => self.ioctl(slot, cmd, arg, mem),
        };
        r.unwrap_or_else(|e| e)
    }

    fn open(&mut self, slot: usize, flags: c_int) -> Expect {
        if flags & O_DIRECTORY != 0 {
            return ENOTDIR.into();
        }
        if flags & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL {
            return EEXIST.into();
        }
        let mode = flags & O_ACCMODE;
        if mode == O_NOACCESS {
            self.hit(Path::OpenNoAccess, 0);
        }
        self.files[slot] = Some(File {
            read: mode == O_RDONLY || mode == O_RDWR,
            write: mode == O_WRONLY || mode == O_RDWR,
            append: flags & O_APPEND != 0,
            pos: 0,
        });
        self.stats.opens += 1;
        0.into()
    }

    /// read(2) (`off` None) or pread(2): ksys_pread64(), vfs_read(), then
    /// the driver.
    fn read(
        &mut self,
        slot: usize,
        buf: usize,
        n: usize,
        off: Option<i64>,
        mem: &Memory,
    ) -> Result<Expect, Expect> {
        if off.is_some_and(|o| o < 0) {
            return Err(self.hit(Path::NegativeOffset, EINVAL));
        }
        let mut file = self.file(slot)?;
        let pos = off.unwrap_or(file.pos);
        self.vfs_rw(file.read, mem, buf, n, pos)?;
        let n = n.min(MAX_RW_COUNT);
        let p = pos as usize;
        if p >= self.len {
            if n > 0 && !mem.mapped(buf, n.min(CAPACITY)) {
                return Ok(self.hit(Path::ReadAtEndBadBuf, 0));
            }
            return Ok(self.hit(Path::ReadAtEnd, 0));
        }
        let k = n.min(self.len - p);
        if k > 0 && !mem.mapped(buf, k) {
            return Err(self.hit(Path::ReadFault, EFAULT));
        }
        self.hit(
            if k < n {
                Path::ReadPartial
            } else {
                Path::ReadFull
            },
            0,
        );
        if off.is_none() {
            file.pos += k as i64;
            self.files[slot] = Some(file);
        }
        self.stats.bytes_read += k as u64;
        Ok(Expect {
            ret: Ok(k as i64),
            payload: Payload::Data {
                addr: buf,
                from: p,
                len: k,
            },
        })
    }

    /// write(2) (`off` None) or pwrite(2): ksys_pwrite64(), vfs_write(),
    /// then the driver, which writes at the end of the data for a file
    /// opened with O_APPEND, whatever the position or offset.
    fn write(
        &mut self,
        slot: usize,
        buf: usize,
        n: usize,
        off: Option<i64>,
        mem: &Memory,
    ) -> Result<Expect, Expect> {
        if off.is_some_and(|o| o < 0) {
            return Err(self.hit(Path::NegativeOffset, EINVAL));
        }
        let mut file = self.file(slot)?;
        let pos = off.unwrap_or(file.pos);
        self.vfs_rw(file.write, mem, buf, n, pos)?;
        let n = n.min(MAX_RW_COUNT);
        let p = if file.append { self.len } else { pos as usize };
        if n == 0 {
            let path = if p >= CAPACITY {
                Path::WriteEmptyPastCap
            } else {
                Path::WriteEmpty
            };
            return Ok(self.hit(path, 0));
        }
        if p >= CAPACITY {
            let path = if mem.mapped(buf, 1) {
                Path::WriteNoSpace
            } else {
                Path::WriteNoSpaceBadBuf
            };
            return Err(self.hit(path, ENOSPC));
        }
        let k = n.min(CAPACITY - p);
        if !mem.mapped(buf, k) {
            let path = if p > self.len {
                Path::WriteFaultPastEnd
            } else {
                Path::WriteFault
            };
            return Err(self.hit(path, EFAULT));
        }
        if p > self.len {
            self.hit(Path::WriteGap, 0);
            self.data[self.len..p].fill(0);
        }
        if k < n {
            self.hit(Path::WriteShort, 0);
        }
        match (file.append, off) {
            (true, None) => self.paths[Path::WriteAppend as usize] += 1,
            (true, Some(_)) => self.paths[Path::PwriteAppend as usize] += 1,
            _ => {}
        }
        self.data[p..p + k].copy_from_slice(mem.bytes(buf, k));
        self.len = self.len.max(p + k);
        if off.is_none() {
            file.pos = (p + k) as i64;
            self.files[slot] = Some(file);
        }
        self.stats.bytes_written += k as u64;
        Ok((k as i64).into())
    }

    /// lseek(2): ksys_lseek() refuses `whence` above SEEK_MAX, the driver
    /// SEEK_DATA and SEEK_HOLE and any result outside [0, CAPACITY].
    fn lseek(&mut self, slot: usize, off: i64, whence: c_int) -> Result<Expect, Expect> {
        let mut file = self.file(slot)?;
        let base = match whence as u32 {
            w if w > SEEK_MAX => return Err(self.hit(Path::SeekBadWhence, EINVAL)),
            0 => 0,
            1 => file.pos,
            2 => self.len as i64,
            _ => return Err(self.hit(Path::SeekDataHole, EINVAL)),
        };
        match base.checked_add(off) {
            Some(new) if (0..=CAPACITY as i64).contains(&new) => {
                file.pos = new;
                self.files[slot] = Some(file);
                Ok(self.hit(Path::SeekOk, new))
            }
            Some(_) => Err(self.hit(Path::SeekOutside, EINVAL)),
            None => Err(self.hit(Path::SeekOverflow, EINVAL)),
        }
    }

    /// ioctl(2): the kernel takes the command as 32 bits; do_vfs_ioctl()
    /// handles a few itself, the driver the rest.
    fn ioctl(&mut self, slot: usize, cmd: u64, arg: usize, mem: &Memory) -> Result<Expect, Expect> {
        self.file(slot)?;
        let cmd32 = cmd as u32;
        if cmd >> 32 != 0 && [GET_LEN, CLEAR, GET_STATS].contains(&cmd32) {
            self.hit(Path::IoctlHighBits, 0);
        }
        Ok(match cmd32 {
            FIOCLEX | FIONCLEX => self.hit(Path::IoctlVfs, 0),
            FIOQSIZE => self.hit(Path::IoctlVfs, ENOTTY),
            GET_LEN if mem.mapped(arg, 8) => Expect {
                ret: Ok(0),
                payload: Payload::Len {
                    addr: arg,
                    len: self.len as u64,
                },
            },
            GET_STATS if mem.mapped(arg, STATS_SIZE) => Expect {
                ret: Ok(0),
                payload: Payload::Stats {
                    addr: arg,
                    stats: self.stats,
                },
            },
            GET_LEN | GET_STATS => self.hit(Path::IoctlFault, EFAULT),
            CLEAR => {
                self.data.fill(0);
                self.len = 0;
                0.into()
            }
            _ => self.hit(Path::IoctlUnknown, ENOTTY),
        })
    }

    /// An open slot, mostly; sometimes any slot (an empty one is a closed
    /// descriptor).
    fn pick_slot(&self, rng: &mut Rng) -> usize {
        let open = (0..SLOTS).filter(|&s| self.files[s].is_some()).count();
        if open == 0 || rng.below(40) == 0 {
            return rng.index(SLOTS);
        }
        let nth = rng.index(open);
        (0..SLOTS)
            .filter(|&s| self.files[s].is_some())
            .nth(nth)
            .unwrap_or(0)
    }

    /// The position a read or write of `slot` starts at (`off` for pread
    /// and pwrite), as far as generating lengths is concerned.
    fn start(&self, slot: usize, off: Option<i64>) -> usize {
        match self.files[slot] {
            Some(f) if f.append => self.len,
            Some(f) => off.unwrap_or(f.pos).clamp(0, i64::MAX) as usize,
            None => 0,
        }
    }
}

// ---------------------------------------------------------------------------
// Generating operations

/// Which counter an operation counts in.
#[derive(Clone, Copy)]
enum Kind {
    Open,
    OpenBad,
    Close,
    Read,
    Write,
    Pread,
    Pwrite,
    Lseek,
    GetLen,
    Clear,
    GetStats,
    IoctlVfs,
    IoctlOther,
}

const KINDS: [&str; 13] = [
    "open",
    "open (must fail)",
    "close",
    "read",
    "write",
    "pread",
    "pwrite",
    "lseek",
    "GET_LEN",
    "CLEAR",
    "GET_STATS",
    "ioctl (VFS)",
    "ioctl (unknown)",
];

impl Op {
    fn kind(&self) -> Kind {
        match *self {
            Op::Open { flags, .. } if flags & (O_DIRECTORY | O_EXCL) != 0 => Kind::OpenBad,
            Op::Open { .. } => Kind::Open,
            Op::Close { .. } => Kind::Close,
            Op::Read { .. } => Kind::Read,
            Op::Write { .. } => Kind::Write,
            Op::Pread { .. } => Kind::Pread,
            Op::Pwrite { .. } => Kind::Pwrite,
            Op::Lseek { .. } => Kind::Lseek,
            Op::Ioctl { cmd, .. } => match cmd as u32 {
                GET_LEN => Kind::GetLen,
                CLEAR => Kind::Clear,
                GET_STATS => Kind::GetStats,
                FIOCLEX | FIONCLEX | FIOQSIZE => Kind::IoctlVfs,
                _ => Kind::IoctlOther,
            },
        }
    }

    /// The operation as the report shows it, `file` being the model's
    /// state of its descriptor before it ran.
    fn describe(&self, mem: &Memory, file: Option<File>) -> String {
        let fd = |slot: usize| {
            let name = if slot == CTL {
                "ctl".to_string()
            } else {
                slot.to_string()
            };
            match file {
                Some(f) => format!(
                    "fd[{name}] ({}{}{}, pos {})",
                    if f.read { "r" } else { "-" },
                    if f.write { "w" } else { "-" },
                    if f.append { ", O_APPEND" } else { "" },
                    f.pos
                ),
                None => format!("fd[{name}] (not open)"),
            }
        };
        match *self {
            Op::Open { slot, flags } => format!("open into fd[{slot}] flags {flags:#o}"),
            Op::Close { slot } => format!("close {}", fd(slot)),
            Op::Read { slot, buf, n } => format!("read {}, {}, {n}", fd(slot), mem.name(buf)),
            Op::Write { slot, buf, n } => format!("write {}, {}, {n}", fd(slot), mem.name(buf)),
            Op::Pread { slot, buf, n, off } => {
                format!("pread {}, {}, {n}, offset {off}", fd(slot), mem.name(buf))
            }
            Op::Pwrite { slot, buf, n, off } => {
                format!("pwrite {}, {}, {n}, offset {off}", fd(slot), mem.name(buf))
            }
            Op::Lseek { slot, off, whence } => {
                format!("lseek {}, {off}, whence {whence}", fd(slot))
            }
            Op::Ioctl { slot, cmd, arg } => {
                let name = match cmd as u32 {
                    GET_LEN => " (GET_LEN)",
                    CLEAR => " (CLEAR)",
                    GET_STATS => " (GET_STATS)",
                    _ => "",
                };
                format!("ioctl {}, {cmd:#x}{name}, {}", fd(slot), mem.name(arg))
            }
        }
    }
}

/// Lengths that no buffer has.
const HUGE: [usize; 11] = [
    1 << 40,
    1 << 46,
    1 << 47,
    MAX_RW_COUNT,
    MAX_RW_COUNT + 1,
    u32::MAX as usize,
    i64::MAX as usize,
    1 << 63,
    usize::MAX,
    usize::MAX - PAGE + 1,
    (1 << 47) - 2 * PAGE,
];

/// A length for a read or write starting at `p` with the data `len` long.
fn gen_len(rng: &mut Rng, p: usize, len: usize) -> usize {
    let room = CAPACITY.saturating_sub(p);
    let avail = len.saturating_sub(p);
    match rng.below(24) {
        0 | 1 => 0,
        2..=7 => 1 + rng.index(32),
        8..=11 => 1 + rng.index(CAPACITY + 64),
        12 | 13 => (room + rng.index(5)).saturating_sub(2),
        14 | 15 => (avail + rng.index(5)).saturating_sub(2),
        16 => rng.pick(&[
            CAPACITY - 1,
            CAPACITY,
            CAPACITY + 1,
            2 * CAPACITY,
            ARENA_SIZE - 1,
            ARENA_SIZE,
            ARENA_SIZE + 1,
        ]),
        17 | 18 => rng.pick(&HUGE),
        _ => 1 + rng.index(600),
    }
}

/// A user address for `n` bytes: mostly a buffer really that long (when
/// one can be), else NULL, kernel and non-canonical addresses, unmapped
/// pages and buffers that run into one.
fn gen_buf(rng: &mut Rng, mem: &Memory, n: usize) -> usize {
    match rng.below(40) {
        0 => 0,
        1 => 1 + rng.index(PAGE - 1),
        2 => KERNEL_ADDR,
        3 => {
            let kernel = KERNEL_ADDR + PAGE * rng.index(1 << 20);
            rng.pick(&[kernel, 1 << 47, usize::MAX - 7, mem.user_max + 1])
        }
        4 => mem.arena.guard() + rng.index(PAGE),
        5 => mem.high.guard() + rng.index(PAGE),
        6 | 7 => mem.arena.guard() - 1 - rng.index(n.clamp(1, PAGE)),
        8 => mem.high.guard() - 1 - rng.index(n.clamp(1, PAGE)),
        9..=13 => mem.high.fitting(rng, n),
        _ => mem.arena.fitting(rng, n),
    }
}

/// An offset for pread/pwrite of `n` bytes.
fn gen_off(rng: &mut Rng, len: usize, n: usize) -> i64 {
    let cap = CAPACITY as i64;
    match rng.below(24) {
        0..=9 => rng.between(0, cap),
        10 | 11 => (len as i64 + rng.between(-1, 1)).max(0),
        12 => rng.pick(&[0, cap - 1, cap, cap + 1]),
        13 => rng.between(0, 1 << 40),
        14 => rng.pick(&[i64::MAX, i64::MAX - 1, 1 << 62, i64::MAX - cap]),
        // Where the end position is exactly i64::MAX, or one past it.
        15 => i64::MAX.saturating_sub(n.min(i64::MAX as usize) as i64) + rng.between(0, 1),
        16 => rng.pick(&[-1, -cap, i64::MIN, i64::MIN + 1]),
        17 => -rng.between(1, 1 << 40),
        _ => rng.between(0, cap - 1),
    }
}

fn gen_flags(rng: &mut Rng) -> c_int {
    let mode = rng.pick(&[
        O_RDWR, O_RDWR, O_RDWR, O_RDWR, O_RDWR, O_RDWR, O_RDWR, O_RDONLY, O_WRONLY, O_NOACCESS,
    ]);
    let mut flags = mode;
    if rng.below(10) < 3 {
        flags |= O_APPEND;
    }
    if rng.below(10) == 0 {
        flags |= O_NONBLOCK;
    }
    if rng.below(20) == 0 {
        flags |= O_TRUNC;
    }
    flags
}

/// An ioctl command number and argument.
fn gen_ioctl(rng: &mut Rng, mem: &Memory) -> (u64, usize) {
    let ours = [GET_LEN, CLEAR, GET_STATS];
    // A valid pointer mostly, else any of the hostile ones.
    let arg = |rng: &mut Rng, size: usize| {
        if rng.below(4) == 0 {
            gen_buf(rng, mem, size)
        } else {
            mem.arena.fitting(rng, size)
        }
    };
    // An unknown command: none of ours, none the VFS handles.
    let unknown = |cmd: u32| !ours.contains(&cmd) && !VFS_IOCTLS.contains(&cmd);
    let roll = rng.below(100);
    let cmd: u64 = match roll {
        0..=29 => GET_LEN.into(),
        30..=49 => GET_STATS.into(),
        // The driver ignores CLEAR's argument: any number will do.
        50..=52 => return (CLEAR.into(), rng.next() as usize),
        // Ours with garbage in the upper half, which the kernel drops.
        53..=57 => (rng.between(1, u32::MAX.into()) as u64) << 32 | u64::from(rng.pick(&ours)),
        // Ours with another size or direction.
        58..=67 => loop {
            let c = rng.pick(&ours);
            let c = if rng.below(2) == 0 {
                (c & !(0x3fff << 16)) | (rng.below(0x4000) as u32) << 16
            } else {
                (c & !(3 << 30)) | (rng.below(4) as u32) << 30
            };
            if unknown(c) {
                break c.into();
            }
        },
        // Our magic, any number, size and direction.
        68..=77 => loop {
            let c = (rng.next() as u32 & !(0xff << 8)) | MAGIC << 8;
            if unknown(c) {
                break c.into();
            }
        },
        // Anything, 32 bits.
        78..=89 => loop {
            let c = rng.next() as u32;
            if unknown(c) {
                break c.into();
            }
        },
        90..=93 => rng.pick(&[FIOCLEX, FIONCLEX, FIOQSIZE]).into(),
        94 | 95 => rng.pick(&PASSED_IOCTLS).into(),
        // Anything, 64 bits.
        _ => loop {
            let c = rng.next();
            if unknown(c as u32) {
                break c;
            }
        },
    };
    let arg = arg(rng, STATS_SIZE.max(8));
    (cmd, arg)
}

/// The next operation of the fuzzer.
fn gen_op(rng: &mut Rng, m: &Model, mem: &Memory) -> Op {
    let slot = m.pick_slot(rng);
    let open = (0..SLOTS).filter(|&s| m.files[s].is_some()).count();
    // A free slot, at random.
    let free = (open < SLOTS).then(|| {
        let nth = rng.index(SLOTS - open);
        (0..SLOTS)
            .filter(|&s| m.files[s].is_none())
            .nth(nth)
            .unwrap_or(0)
    });
    let roll = rng.below(1000);
    match roll {
        // Opens and closes, keeping two or three of the slots open.
        0..=29 => match free {
            Some(slot) if open < 2 || (open == 2 && rng.below(2) == 0) => Op::Open {
                slot,
                flags: gen_flags(rng),
            },
            _ => Op::Close { slot },
        },
        30..=34 => match free {
            Some(slot) => Op::Open {
                slot,
                flags: gen_flags(rng) | rng.pick(&[O_DIRECTORY, O_CREAT | O_EXCL]),
            },
            None => Op::Close { slot },
        },
        35..=214 | 395..=494 => {
            let pread = roll >= 395;
            let off = pread.then(|| gen_off(rng, m.len, 0));
            let n = gen_len(rng, m.start(slot, off), m.len);
            let buf = gen_buf(rng, mem, n);
            match off {
                // The offset again, now that the length is known (its edge
                // cases depend on it).
                Some(_) => Op::Pread {
                    slot,
                    buf,
                    n,
                    off: gen_off(rng, m.len, n),
                },
                None => Op::Read { slot, buf, n },
            }
        }
        215..=394 | 495..=594 => {
            let pwrite = roll >= 495;
            let off = pwrite.then(|| gen_off(rng, m.len, 0));
            let n = gen_len(rng, m.start(slot, off), m.len);
            let buf = gen_buf(rng, mem, n);
            match off {
                Some(off) => Op::Pwrite { slot, buf, n, off },
                None => Op::Write { slot, buf, n },
            }
        }
        595..=774 => {
            let whence = match rng.below(100) {
                0..=29 => SEEK_SET,
                30..=59 => SEEK_CUR,
                60..=84 => SEEK_END,
                85..=91 => rng.pick(&[3, 4]),
                _ => rng.pick(&[5, 6, 64, -1, i32::MIN, i32::MAX]),
            };
            let pos = m.files[slot].map_or(0, |f| f.pos);
            let len = m.len as i64;
            let cap = CAPACITY as i64;
            let base = match whence {
                SEEK_CUR => pos,
                SEEK_END => len,
                _ => 0,
            };
            let off = match rng.below(12) {
                0..=4 => rng.between(0, cap).wrapping_sub(base),
                5 | 6 => rng
                    .pick(&[0, 1, len, len + 1, cap - 1, cap, cap + 1, -1])
                    .wrapping_sub(base),
                7 => rng.between(-16, 16),
                8 => rng.pick(&[i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1]),
                9 => rng.next() as i64,
                10 => i64::MAX.wrapping_sub(base).wrapping_add(rng.between(0, 1)),
                _ => rng.between(-5000, 5000),
            };
            Op::Lseek { slot, off, whence }
        }
        _ => {
            let (cmd, arg) = gen_ioctl(rng, mem);
            Op::Ioctl { slot, cmd, arg }
        }
    }
}

// ---------------------------------------------------------------------------
// The fuzzer

/// Runs operations on the device and compares each with the model.
struct Fuzzer {
    model: Model,
    mem: Memory,
    /// The descriptor of each slot, -1 when closed.
    fds: [c_int; SLOTS + 1],
    /// Counts per kind of operation, and per kind and errno.
    counts: [u64; KINDS.len()],
    errnos: Vec<[u64; KINDS.len()]>,
    checks: u64,
    /// The last operations and the state of their descriptor before them,
    /// for the report of a mismatch.
    history: std::collections::VecDeque<(Op, Option<File>)>,
}

/// Errno values counted one by one; the rest are counted in the last entry.
const ERRNO_SLOTS: usize = 140;

impl Fuzzer {
    /// The descriptor number of `slot`: an unused number when it is closed.
    fn fd(&self, slot: usize) -> c_int {
        if self.fds[slot] >= 0 {
            self.fds[slot]
        } else {
            1000 + slot as c_int
        }
    }

    /// Runs the operation for real.
    fn exec(&mut self, op: &Op) -> Ret {
        match *op {
            Op::Open { slot, flags } => {
                let fd = open_device(flags)?;
                if self.fds[slot] >= 0 {
                    // The model thought the slot free (a mismatch is
                    // reported); do not leak the descriptor.
                    let _ = close_fd(self.fds[slot]);
                }
                self.fds[slot] = fd as c_int;
                Ok(0)
            }
            Op::Close { slot } => {
                let r = close_fd(self.fd(slot));
                self.fds[slot] = -1;
                r
            }
            // The addresses of read, pread and ioctl come from `gen_buf` and
            // `gen_ioctl`: addresses in `self.mem` (of which no reference
            // is alive here), addresses nothing is mapped at (the NULL
            // page, the guard pages, kernel and non-canonical addresses),
            // or CLEAR arguments, which the driver does not use.
            Op::Read { slot, buf, n } => {
                // SAFETY: `buf` is one of those addresses.
                unsafe { read_raw(self.fd(slot), buf, n) }
            }
            Op::Write { slot, buf, n } => write_from(self.fd(slot), buf, n),
            Op::Pread { slot, buf, n, off } => {
                // SAFETY: `buf` is one of those addresses.
                unsafe { pread_raw(self.fd(slot), buf, n, off) }
            }
            Op::Pwrite { slot, buf, n, off } => pwrite_from(self.fd(slot), buf, n, off),
            Op::Lseek { slot, off, whence } => seek(self.fd(slot), off, whence),
            Op::Ioctl { slot, cmd, arg } => {
                // SAFETY: `arg` is one of those addresses.
                unsafe { ioctl_raw(self.fd(slot), cmd, arg) }
            }
        }
    }

    /// Runs one operation and compares it with the model: `Err` says how
    /// they differ.
    fn run(&mut self, op: &Op) -> Result<(), String> {
        let slot = match *op {
            Op::Open { slot, .. }
            | Op::Close { slot }
            | Op::Read { slot, .. }
            | Op::Write { slot, .. }
            | Op::Pread { slot, .. }
            | Op::Pwrite { slot, .. }
            | Op::Lseek { slot, .. }
            | Op::Ioctl { slot, .. } => slot,
        };
        let before = self.model.files[slot];
        if self.history.len() == 8 {
            self.history.pop_front();
        }
        self.history.push_back((*op, before));
        let expect = self.model.step(op, &self.mem);
        let got = self.exec(op);
        let kind = op.kind() as usize;
        self.counts[kind] += 1;
        if let Err(e) = got {
            self.errnos[(e.0.max(0) as usize).min(ERRNO_SLOTS - 1)][kind] += 1;
        }
        let what = || op.describe(&self.mem, before);
        if got != expect.ret {
            return Err(format!(
                "{}: expected {}, got {}",
                what(),
                show(expect.ret),
                show(got)
            ));
        }
        if got.is_ok() {
            self.check_payload(&expect.payload)
                .map_err(|e| format!("{}: {e}", what()))?;
        }
        // Whether read and write moved the position as they should (or
        // left it alone when they failed).
        let as_expected =
            |e: String| format!("{}: returned {} as expected, but {e}", what(), show(got));
        if let Op::Read { slot, .. } | Op::Write { slot, .. } = *op {
            self.check_pos(slot).map_err(as_expected)?;
        }
        // A failed read or write changes nothing.
        if let (Err(_), Op::Read { .. } | Op::Write { .. } | Op::Pread { .. } | Op::Pwrite { .. }) =
            (got, op)
        {
            self.check_unchanged().map_err(as_expected)?;
        }
        Ok(())
    }

    /// Compares the length and the statistics with the model (through the
    /// control descriptor, into this program's own variables).
    fn check_unchanged(&self) -> Result<(), String> {
        let ctl = self.fds[CTL];
        let len = get_len(ctl).map_err(|e| format!("GET_LEN afterwards failed: {e}"))?;
        same(len, self.model.len as u64).map_err(|e| format!("the length afterwards: {e}"))?;
        let stats = get_stats(ctl).map_err(|e| format!("GET_STATS afterwards failed: {e}"))?;
        same(stats, self.model.stats).map_err(|e| format!("the stats afterwards: {e}"))
    }

    /// Compares what a successful call stored in user memory with the
    /// model.
    fn check_payload(&self, payload: &Payload) -> Result<(), String> {
        match *payload {
            Payload::None => Ok(()),
            Payload::Data { addr, from, len } => {
                let got = self.mem.bytes(addr, len);
                let want = &self.model.data[from..from + len];
                match got.iter().zip(want).position(|(g, w)| g != w) {
                    None => Ok(()),
                    Some(i) => Err(format!(
                        "returned {len} as expected, but byte {i} (position {}) is {:#04x}, \
                         expected {:#04x}",
                        from + i,
                        got[i],
                        want[i]
                    )),
                }
            }
            Payload::Len { addr, len } => {
                same(self.mem.u64_at(addr), len).map_err(|e| format!("length {e}"))
            }
            Payload::Stats { addr, stats } => {
                same(self.mem.stats_at(addr), stats).map_err(|e| format!("stats {e}"))
            }
        }
    }

    /// Compares the position of an open descriptor (lseek SEEK_CUR 0,
    /// which changes nothing) with the model's.
    fn check_pos(&self, slot: usize) -> Result<(), String> {
        match self.model.files[slot] {
            Some(f) => same(seek(self.fd(slot), 0, SEEK_CUR), Ok(f.pos))
                .map_err(|e| format!("the position afterwards: {e}")),
            None => Ok(()),
        }
    }

    /// GET_LEN, a pread of all the data and GET_STATS on the control
    /// descriptor, each compared with the model.
    fn full_check(&mut self) -> Result<(), String> {
        self.checks += 1;
        let at = self.mem.arena.base;
        for op in [
            Op::Ioctl {
                slot: CTL,
                cmd: GET_LEN.into(),
                arg: at,
            },
            Op::Pread {
                slot: CTL,
                buf: at,
                n: CAPACITY,
                off: 0,
            },
            Op::Ioctl {
                slot: CTL,
                cmd: GET_STATS.into(),
                arg: at,
            },
        ] {
            self.run(&op).map_err(|e| format!("full check: {e}"))?;
        }
        for slot in 0..SLOTS {
            self.check_pos(slot)
                .map_err(|e| format!("full check: fd[{slot}]: {e}"))?;
        }
        Ok(())
    }

    fn report_counts(&self) {
        let mut parts = Vec::new();
        for (kind, name) in KINDS.iter().enumerate() {
            let errs: Vec<String> = (0..ERRNO_SLOTS)
                .filter(|&e| self.errnos[e][kind] > 0)
                .map(|e| format!("{} {}", Errno(e as i32).name(), self.errnos[e][kind]))
                .collect();
            if errs.is_empty() {
                parts.push(format!("{name} {}", self.counts[kind]));
            } else {
                parts.push(format!(
                    "{name} {} ({})",
                    self.counts[kind],
                    errs.join(", ")
                ));
            }
        }
        diag(&format!("fuzz ops: {}", parts.join("; ")));
        let seen: Vec<String> = (0..ERRNO_SLOTS)
            .filter_map(|e| {
                let n: u64 = self.errnos[e].iter().sum();
                (n > 0).then(|| format!("{} {n}", Errno(e as i32)))
            })
            .collect();
        diag(&format!("fuzz errnos seen: {}", seen.join(", ")));
    }
}

/// Maps the memory, opens the control descriptor, clears the device and
/// takes the statistics the model starts from.
fn fuzz_setup(rng: &mut Rng) -> Result<Fuzzer, String> {
    let mem = Memory::new(rng)?;
    let ctl = open_device(O_RDWR).map_err(|e| format!("open O_RDWR: {e}"))? as c_int;
    clear(ctl).map_err(|e| format!("CLEAR: {e}"))?;
    let stats = get_stats(ctl).map_err(|e| format!("GET_STATS: {e}"))?;
    let mut fds = [-1; SLOTS + 1];
    fds[CTL] = ctl;
    Ok(Fuzzer {
        model: Model::new(stats),
        mem,
        fds,
        counts: [0; KINDS.len()],
        errnos: vec![[0; KINDS.len()]; ERRNO_SLOTS],
        checks: 0,
        history: Default::default(),
    })
}

fn fuzz(seed: u64, ops: u64) -> bool {
    diag(&format!("fuzz seed {seed}"));
    let name = format!("fuzz {ops} ops against the model (seed {seed})");
    let mut rng = Rng(seed);
    let mut f = match fuzz_setup(&mut rng) {
        Ok(f) => f,
        Err(e) => return result(&name, Err(format!("setup: {e}"))),
    };
    diag(&format!(
        "fuzz memory: arena {:#x} ({} bytes), high {:#x} ({} bytes), each followed by an \
         unmapped page; access_ok() limit {:#x}",
        f.mem.arena.base, ARENA_SIZE, f.mem.high.base, HIGH_SIZE, f.mem.user_max
    ));

    let t0 = Instant::now();
    let mut outcome = Ok(());
    let mut done = 0u64;
    while done < ops {
        let op = gen_op(&mut rng, &f.model, &f.mem);
        if let Op::Write { buf, n, .. } | Op::Pwrite { buf, n, .. } = op {
            if rng.below(8) == 0 {
                f.mem.scramble(&mut rng, buf, n.min(CAPACITY));
            }
        }
        if let Err(e) = f.run(&op) {
            outcome = Err(format!("op {done}: {e}"));
            break;
        }
        done += 1;
        if done.is_multiple_of(CHECK_EVERY) || done == ops {
            if let Err(e) = f.full_check() {
                outcome = Err(format!("after op {}: {e}", done - 1));
                break;
            }
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    if outcome.is_err() {
        diag("fuzz: the last operations, oldest first (replay with the same seed):");
        for (op, file) in &f.history {
            diag(&format!("fuzz:   {}", op.describe(&f.mem, *file)));
        }
    }
    diag(&format!(
        "fuzz: {done} ops and {} full checks in {secs:.1} s, {:.0} ops/s",
        f.checks,
        done as f64 / secs.max(1e-9)
    ));
    f.report_counts();
    let paths = &f.model.paths;
    let taken: Vec<String> = (0..PATHS.len())
        .filter(|&i| paths[i] > 0)
        .map(|i| format!("{} {}", PATHS[i], paths[i]))
        .collect();
    diag(&format!("fuzz cases: {}", taken.join("; ")));
    let missed: Vec<&str> = (0..PATHS.len())
        .filter(|&i| paths[i] == 0)
        .map(|i| PATHS[i])
        .collect();
    if !missed.is_empty() {
        diag(&format!("fuzz cases never met: {}", missed.join("; ")));
    }
    for slot in 0..=SLOTS {
        if f.fds[slot] >= 0 {
            let _ = close_fd(f.fds[slot]);
        }
    }
    result(&name, outcome)
}

// ---------------------------------------------------------------------------
// The multi-process stress test

/// What one stress process did, sent to the parent through a pipe.
#[derive(Default)]
struct Report {
    written: u64,
    read: u64,
    opens: u64,
    max_end: u64,
    unexpected: u64,
    first: String,
}

impl Report {
    fn encode(&self) -> String {
        format!(
            "written={} read={} opens={} max_end={} unexpected={} first={}\n",
            self.written,
            self.read,
            self.opens,
            self.max_end,
            self.unexpected,
            self.first.replace('\n', " ")
        )
    }

    fn decode(text: &str) -> Option<Report> {
        let (nums, first) = text.split_once(" first=")?;
        let mut r = Report {
            first: first.trim_end().to_string(),
            ..Default::default()
        };
        for field in nums.split(' ') {
            let (key, value) = field.split_once('=')?;
            let value: u64 = value.parse().ok()?;
            match key {
                "written" => r.written = value,
                "read" => r.read = value,
                "opens" => r.opens = value,
                "max_end" => r.max_end = value,
                "unexpected" => r.unexpected = value,
                _ => return None,
            }
        }
        Some(r)
    }
}

/// The state of one stress process.
struct Worker {
    fd: c_int,
    /// The descriptor's position: nobody else uses the descriptor.
    pos: usize,
    /// A lower bound of the length: it only grows while no one clears.
    min_len: usize,
    stats: Stats,
    tags: std::ops::RangeInclusive<u8>,
    report: Report,
    op: u64,
}

impl Worker {
    fn unexpected(&mut self, what: String) {
        if self.report.unexpected == 0 {
            self.report.first = format!("op {}: {what}", self.op);
        }
        self.report.unexpected += 1;
    }

    fn check(&mut self, what: &str, got: Ret, ok: impl FnOnce(i64) -> bool, want: &str) {
        match got {
            Ok(v) if ok(v) => {}
            _ => self.unexpected(format!("{what}: expected {want}, got {}", show(got))),
        }
    }

    /// lseek SEEK_SET to `p` in [0, CAPACITY]: must land there.
    fn seek_to(&mut self, p: usize) {
        let r = seek(self.fd, p as i64, SEEK_SET);
        self.check(
            &format!("lseek SEEK_SET {p}"),
            r,
            |v| v == p as i64,
            &p.to_string(),
        );
        if r.is_ok() {
            self.pos = p;
        }
    }

    fn write_op(&mut self, rng: &mut Rng, buf: &[u8]) {
        let pwrite = rng.below(5) == 0;
        let p = if pwrite {
            rng.index(CAPACITY + 1)
        } else {
            if rng.below(2) == 0 {
                self.seek_to(rng.index(CAPACITY + 1));
            }
            self.pos
        };
        let room = CAPACITY - p;
        let n = match rng.below(8) {
            0 => 0,
            1 => (room + rng.index(3)).min(buf.len()),
            _ => 1 + rng.index(400),
        };
        let (what, r) = if pwrite {
            let what = format!("pwrite of {n} at offset {p}");
            (
                what,
                pwrite_from(self.fd, buf.as_ptr() as usize, n, p as i64),
            )
        } else {
            let what = format!("write of {n} at {p}");
            (what, write_from(self.fd, buf.as_ptr() as usize, n))
        };
        let want: Ret = if n == 0 {
            Ok(0)
        } else if p == CAPACITY {
            Err(ENOSPC)
        } else {
            Ok(n.min(room) as i64)
        };
        if r != want {
            self.unexpected(format!("{what}: expected {}, got {}", show(want), show(r)));
        }
        if let Ok(k) = r {
            let k = k as usize;
            self.report.written += k as u64;
            if k > 0 {
                self.report.max_end = self.report.max_end.max((p + k) as u64);
                self.min_len = self.min_len.max(p + k);
            }
            if !pwrite {
                self.pos = p + k;
            }
        }
    }

    fn read_op(&mut self, rng: &mut Rng, buf: &mut [u8]) {
        let pread = rng.below(5) == 0;
        let p = if pread {
            rng.index(CAPACITY + 1)
        } else {
            if rng.below(2) == 0 {
                self.seek_to(rng.index(CAPACITY + 1));
            }
            self.pos
        };
        let n = rng.index(buf.len() + 1);
        let r = if pread {
            pread_into(self.fd, &mut buf[..n], p as i64)
        } else {
            read_into(self.fd, &mut buf[..n])
        };
        // Between what the data at least holds (it only grows) and the
        // capacity.
        let lo = n.min(self.min_len.saturating_sub(p)) as i64;
        let hi = n.min(CAPACITY - p) as i64;
        let what = format!("{} of {n} at {p}", if pread { "pread" } else { "read" });
        self.check(&what, r, |v| v >= lo && v <= hi, &format!("{lo}..={hi}"));
        if let Ok(k) = r {
            let k = k as usize;
            self.report.read += k as u64;
            if let Some(i) = buf[..k]
                .iter()
                .position(|&b| b != 0 && !self.tags.contains(&b))
            {
                let b = buf[i];
                self.unexpected(format!("{what}: byte {i} is {b:#04x}, which no one wrote"));
            }
            if k > 0 {
                self.min_len = self.min_len.max(p + k);
            }
            if !pread {
                self.pos = p + k;
            }
        }
    }

    fn lseek_op(&mut self, rng: &mut Rng) {
        let cap = CAPACITY as i64;
        let whence = rng.pick(&[SEEK_SET, SEEK_CUR, SEEK_END]);
        let off = match rng.below(10) {
            0 => rng.pick(&[-1, cap + 1, i64::MIN, i64::MAX]),
            _ => rng.between(-cap, cap),
        };
        let r = seek(self.fd, off, whence);
        let what = format!("lseek {off} whence {whence}");
        let pos = self.pos as i64;
        let ok_range = 0..=cap;
        match whence {
            SEEK_END => {
                // The length is unknown, but in [min_len, CAPACITY].
                match r {
                    Ok(v) => {
                        let len = v.wrapping_sub(off);
                        if len < self.min_len as i64 || len > cap || !ok_range.contains(&v) {
                            self.unexpected(format!("{what}: got {v}, so a length of {len}"));
                        } else {
                            self.pos = v as usize;
                            self.min_len = len as usize;
                        }
                    }
                    Err(e) => {
                        let lo = (self.min_len as i64).checked_add(off);
                        let hi = cap.checked_add(off);
                        let always_ok = matches!((lo, hi), (Some(lo), Some(hi))
                            if ok_range.contains(&lo) && ok_range.contains(&hi));
                        if e != EINVAL || always_ok {
                            self.unexpected(format!("{what}: got {}", show(r)));
                        }
                    }
                }
            }
            _ => {
                let base = if whence == SEEK_SET { 0 } else { pos };
                let want = match base.checked_add(off) {
                    Some(v) if ok_range.contains(&v) => Ok(v),
                    _ => Err(EINVAL),
                };
                if r != want {
                    self.unexpected(format!("{what}: expected {}, got {}", show(want), show(r)));
                }
                if let Ok(v) = r {
                    self.pos = v as usize;
                }
            }
        }
    }

    fn get_len_op(&mut self) {
        match get_len(self.fd) {
            Ok(v) if v as usize >= self.min_len && v as usize <= CAPACITY => {
                self.min_len = v as usize;
            }
            r => self.unexpected(format!(
                "GET_LEN: expected {}..={CAPACITY}, got {:?}",
                self.min_len, r
            )),
        }
    }

    fn get_stats_op(&mut self) {
        match get_stats(self.fd) {
            Ok(s)
                if s.opens >= self.stats.opens
                    && s.bytes_read >= self.stats.bytes_read
                    && s.bytes_written >= self.stats.bytes_written =>
            {
                self.stats = s;
            }
            r => {
                let last = self.stats;
                self.unexpected(format!("GET_STATS went backwards: {last:?}, then {r:?}"));
            }
        }
    }

    fn reopen(&mut self) -> Result<(), Errno> {
        close_fd(self.fd)?;
        self.fd = open_device(O_RDWR)? as c_int;
        self.report.opens += 1;
        self.pos = 0;
        Ok(())
    }
}

/// One stress process: waits for the start, runs `ops` random operations
/// on its own descriptor and sends its report; never returns.
fn stress_child(id: usize, procs: usize, ops: u64, seed: u64, start: [c_int; 2], out: c_int) -> ! {
    let mut byte = 0u8;
    // SAFETY: closing this process's copy of the start pipe's write end, so
    // that EOF comes when the parent closes its own, then a read into
    // `byte`, valid for one byte.
    let started = unsafe {
        close(start[1]);
        read(start[0], (&mut byte as *mut u8).cast(), 1)
    };
    if started != 0 {
        child_exit(10);
    }
    let Ok(fd) = open_device(O_RDWR) else {
        child_exit(11)
    };
    let tag = (id % 255) as u8 + 1;
    let mut w = Worker {
        fd: fd as c_int,
        pos: 0,
        min_len: 0,
        stats: Stats::default(),
        tags: 1..=procs.min(255) as u8,
        report: Report {
            opens: 1,
            ..Default::default()
        },
        op: 0,
    };
    let mut rng = Rng(seed ^ (id as u64 + 1).wrapping_mul(0x2545_f491_4f6c_dd1d));
    let wbuf = vec![tag; CAPACITY + 2];
    let mut rbuf = vec![0u8; CAPACITY + 100];
    for op in 0..ops {
        w.op = op;
        match rng.below(100) {
            0..=29 => w.write_op(&mut rng, &wbuf),
            30..=54 => w.read_op(&mut rng, &mut rbuf),
            55..=74 => w.lseek_op(&mut rng),
            75..=87 => w.get_len_op(),
            88..=98 => w.get_stats_op(),
            _ => {
                if let Err(e) = w.reopen() {
                    w.unexpected(format!("close and open again: {e}"));
                    child_exit(12);
                }
            }
        }
    }
    let text = w.report.encode();
    if write_from(out, text.as_ptr() as usize, text.len()) != Ok(text.len() as i64) {
        child_exit(13);
    }
    child_exit(0)
}

fn stress(procs: usize, ops: u64, seed: u64) -> bool {
    diag(&format!("stress: procs {procs}, ops {ops}, seed {seed}"));
    let name = format!("stress {procs} procs x {ops} ops");
    let setup =
        |what: &str, e: Errno| result(&format!("{name}: setup"), Err(format!("{what}: {e}")));
    let ctl = match open_device(O_RDWR) {
        Ok(fd) => fd as c_int,
        Err(e) => return setup("open", e),
    };
    if let Err(e) = clear(ctl) {
        return setup("CLEAR", e);
    }
    let before = match get_stats(ctl) {
        Ok(s) => s,
        Err(e) => return setup("GET_STATS", e),
    };
    let start = match new_pipe() {
        Ok(p) => p,
        Err(e) => return setup("pipe", e),
    };

    let t0 = Instant::now();
    let mut children = Vec::new();
    let mut failures = Vec::new();
    for id in 0..procs {
        let out = match new_pipe() {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("pipe: {e}"));
                break;
            }
        };
        match fork_flushed() {
            Ok(0) => {
                let _ = close_fd(out[0]);
                stress_child(id, procs, ops, seed, start, out[1]);
            }
            Ok(pid) => {
                let _ = close_fd(out[1]);
                children.push((id, pid as c_int, out[0]));
            }
            Err(e) => {
                failures.push(format!("fork: {e}"));
                let _ = close_fd(out[0]);
                let _ = close_fd(out[1]);
                break;
            }
        }
    }
    // Everyone starts now.
    let _ = close_fd(start[0]);
    let _ = close_fd(start[1]);

    let mut reports = Vec::new();
    for (id, pid, input) in children {
        let mut text = Vec::new();
        let mut buf = [0u8; 512];
        while let Ok(n @ 1..) = read_into(input, &mut buf) {
            text.extend_from_slice(&buf[..n as usize]);
        }
        let _ = close_fd(input);
        match wait_child(pid) {
            Ok(0) => {}
            Ok(code) => failures.push(format!("process {id}: exit status {code}")),
            Err(e) => failures.push(format!("process {id}: {e}")),
        }
        match Report::decode(&String::from_utf8_lossy(&text)) {
            Some(r) => reports.push((id, r)),
            None => failures.push(format!("process {id}: no report")),
        }
    }
    let secs = t0.elapsed().as_secs_f64();

    let mut ok = result(
        &format!("{name}: every process ran and exited 0"),
        if failures.is_empty() && reports.len() == procs {
            Ok(())
        } else {
            Err(failures.join("; "))
        },
    );
    let sum = |f: fn(&Report) -> u64| reports.iter().map(|(_, r)| f(r)).sum::<u64>();
    let unexpected: Vec<String> = reports
        .iter()
        .filter(|(_, r)| r.unexpected > 0)
        .map(|(id, r)| {
            format!(
                "process {id}: {} unexpected, first: {}",
                r.unexpected, r.first
            )
        })
        .collect();
    ok &= result(
        &format!("{name}: every result and errno as expected"),
        if unexpected.is_empty() {
            Ok(())
        } else {
            Err(unexpected.join("; "))
        },
    );
    let max_end = reports.iter().map(|(_, r)| r.max_end).max().unwrap_or(0);
    ok &= result(
        &format!("{name}: length agrees with the furthest write"),
        get_len(ctl)
            .map_err(|e| format!("GET_LEN: {e}"))
            .and_then(|len| same(len, max_end)),
    );
    match get_stats(ctl) {
        Ok(after) => {
            ok &= result(
                &format!("{name}: bytes_written delta agrees"),
                same(
                    after.bytes_written.wrapping_sub(before.bytes_written),
                    sum(|r| r.written),
                ),
            );
            ok &= result(
                &format!("{name}: bytes_read delta agrees"),
                same(
                    after.bytes_read.wrapping_sub(before.bytes_read),
                    sum(|r| r.read),
                ),
            );
            ok &= result(
                &format!("{name}: opens delta agrees"),
                same(after.opens.wrapping_sub(before.opens), sum(|r| r.opens)),
            );
        }
        Err(e) => {
            ok &= result(
                &format!("{name}: statistics"),
                Err(format!("GET_STATS: {e}")),
            )
        }
    }
    let mut data = vec![0u8; CAPACITY];
    let contents = match pread_into(ctl, &mut data, 0) {
        Ok(n) => {
            let tags = 1..=procs.min(255) as u8;
            match data[..n as usize]
                .iter()
                .position(|&b| b != 0 && !tags.contains(&b))
            {
                None => Ok(()),
                Some(i) => Err(format!("byte {i} is {:#04x}, which no one wrote", data[i])),
            }
        }
        Err(e) => Err(format!("pread: {e}")),
    };
    ok &= result(
        &format!("{name}: data holds only zeros and the writers' bytes"),
        contents,
    );
    diag(&format!(
        "stress: {} bytes written, {} read, {} opens, length {max_end}, in {secs:.1} s \
         ({:.0} ops/s)",
        sum(|r| r.written),
        sum(|r| r.read),
        sum(|r| r.opens),
        (procs as u64 * ops) as f64 / secs.max(1e-9)
    ));
    let _ = close_fd(ctl);
    ok
}

// ---------------------------------------------------------------------------
// Loading a module with a fault injected

fn fault_load(n: u32, path: &str, params: &str) -> c_int {
    let fail_line = |what: String| {
        line(&format!("fault-load n={n} error={what}"));
        2
    };
    let (Ok(cpath), Ok(cparams)) = (CString::new(path), CString::new(params)) else {
        return fail_line("NUL in an argument".to_string());
    };
    // SAFETY: `cpath` is NUL-terminated and outlives the call.
    let ko = match ret(unsafe { open(cpath.as_ptr(), O_RDONLY | O_CLOEXEC) }.into()) {
        Ok(fd) => fd as c_int,
        Err(e) => return fail_line(format!("open:{}({})", e.name(), e.0)),
    };
    // Opened before arming, so that only finit_module() meets the fault.
    // SAFETY: a NUL-terminated static path; no O_CREAT, no mode.
    let nth = match ret(
        unsafe { open(c"/proc/thread-self/fail-nth".as_ptr(), O_RDWR | O_CLOEXEC) }.into(),
    ) {
        Ok(fd) => fd as c_int,
        Err(e) => return fail_line(format!("fail-nth:{}({})", e.name(), e.0)),
    };
    let arm = n.to_string();
    if let Err(e) = write_from(nth, arm.as_ptr() as usize, arm.len()) {
        return fail_line(format!("fail-nth:{}({})", e.name(), e.0));
    }
    // SAFETY: finit_module(2) with an open descriptor, a NUL-terminated
    // parameter string that outlives the call, and no flags.
    let r = ret(unsafe {
        syscall(
            SYS_FINIT_MODULE,
            ko as c_long,
            cparams.as_ptr(),
            0 as c_long,
        )
    });
    let mut buf = [0u8; 32];
    let left = pread_into(nth, &mut buf, 0);
    // Disarm, whatever happened.
    let _ = write_from(nth, b"0".as_ptr() as usize, 1);
    // The kernel counts fail-nth down at each fault-injection point and
    // fails the one where it reaches 0; left above 0, no point failed. (A
    // count of 0 written disables injection.) Should the read itself meet
    // the fault, it fails, and finit_module() did not.
    let injected = n > 0
        && match left {
            Ok(k) => String::from_utf8_lossy(&buf[..k as usize]).trim() == "0",
            Err(_) => false,
        };
    let res = match r {
        Ok(_) => "ok".to_string(),
        Err(e) if e.name().is_empty() => format!("errno{}({})", e.0, e.0),
        Err(e) => format!("{}({})", e.name(), e.0),
    };
    line(&format!(
        "fault-load n={n} injected={} result={res}",
        u8::from(injected)
    ));
    let _ = close_fd(nth);
    let _ = close_fd(ko);
    0
}

// ---------------------------------------------------------------------------
// Command line

const USAGE: &str = "usage: misc-device-stress fuzz [--seed S] [--ops N]\n       \
                     misc-device-stress stress [--procs P] [--ops N] [--seed S]\n       \
                     misc-device-stress fault-load N MODULE.ko [PARAMS]";

fn usage(why: &str) -> ! {
    eprintln!("misc-device-stress: {why}\n{USAGE}");
    std::process::exit(2)
}

/// `--name value` options, each a number.
fn options(args: &[String], names: &[&str]) -> Vec<Option<u64>> {
    let mut values = vec![None; names.len()];
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let Some(i) = names.iter().position(|n| n == arg) else {
            usage(&format!("unknown argument '{arg}'"))
        };
        let Some(value) = it.next() else {
            usage(&format!("{arg} needs a value"))
        };
        match value.parse() {
            Ok(v) => values[i] = Some(v),
            Err(_) => usage(&format!("{arg}: '{value}' is not a number")),
        }
    }
    values
}

/// A seed when none is given: the clock.
fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        usage("no subcommand")
    };
    let ok = match cmd.as_str() {
        "fuzz" => {
            let v = options(&args[1..], &["--seed", "--ops"]);
            fuzz(v[0].unwrap_or_else(clock_seed), v[1].unwrap_or(100_000))
        }
        "stress" => {
            let v = options(&args[1..], &["--procs", "--ops", "--seed"]);
            let procs = v[0].unwrap_or(8);
            if !(8..=255).contains(&procs) {
                usage("--procs must be between 8 and 255");
            }
            stress(
                procs as usize,
                v[1].unwrap_or(2000),
                v[2].unwrap_or_else(clock_seed),
            )
        }
        "fault-load" => {
            if !(3..=4).contains(&args.len()) {
                usage("fault-load takes N, MODULE.ko and optional PARAMS");
            }
            let Ok(n) = args[1].parse::<u32>() else {
                usage(&format!("N: '{}' is not a number", args[1]))
            };
            std::process::exit(fault_load(
                n,
                &args[2],
                args.get(3).map_or("", String::as_str),
            ));
        }
        other => usage(&format!("unknown subcommand '{other}'")),
    };
    std::process::exit(if ok { 0 } else { 1 });
}
