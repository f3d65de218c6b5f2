// SPDX-License-Identifier: GPL-2.0

//! Child processes: fork(2) without printing anything twice, `_exit(2)`,
//! waitpid(2), pipes, and a pipe that starts all children at once.

use crate::errno::{sys, Errno};
use crate::fd::{close_fd, read_into};
use std::ffi::c_int;
use std::io::Write as _;

extern "C" {
    fn pipe(fds: *mut c_int) -> c_int;
    fn fork() -> c_int;
    fn waitpid(pid: c_int, status: *mut c_int, options: c_int) -> c_int;
    fn _exit(status: c_int) -> !;
}

/// fork(2), after flushing stdout so the child has nothing buffered to
/// print twice. Returns the child's pid, or 0 in the child.
pub fn fork_flushed() -> Result<c_int, Errno> {
    let _ = std::io::stdout().flush();
    // SAFETY: the programs are single-threaded, so the child may run any
    // code; children leave only through `child_exit`.
    sys(unsafe { fork() })
}

/// Ends a child process without running exit handlers or destructors.
pub fn child_exit(code: c_int) -> ! {
    // SAFETY: _exit(2) is always safe to call; it does not return.
    unsafe { _exit(code) }
}

/// How a child ended: `Ok(exit code)` or `Err(description)`.
pub fn wait_child(pid: c_int) -> Result<c_int, String> {
    let mut status: c_int = 0;
    // SAFETY: `status` is valid for a write of a c_int.
    sys(unsafe { waitpid(pid, &mut status, 0) }).map_err(|e| format!("waitpid: {e}"))?;
    if status & 0x7f == 0 {
        Ok((status >> 8) & 0xff)
    } else {
        Err(format!("killed by signal {}", status & 0x7f))
    }
}

/// pipe(2): the read end, then the write end.
pub fn new_pipe() -> Result<[c_int; 2], Errno> {
    let mut fds: [c_int; 2] = [-1; 2];
    // SAFETY: `fds` is valid for writes of two c_ints.
    sys(unsafe { pipe(fds.as_mut_ptr()) })?;
    Ok(fds)
}

/// A pipe nothing is ever written to: children forked while it is open
/// wait for its end of file, which comes when the parent closes it, so
/// that they all start at once.
pub struct StartPipe([c_int; 2]);

impl StartPipe {
    pub fn new() -> Result<StartPipe, Errno> {
        new_pipe().map(StartPipe)
    }

    /// In a child: closes the child's copy of the write end (so that end of
    /// file comes when the parent closes its own), then waits for it.
    /// Returns false when the read failed or returned data.
    pub fn wait(&self) -> bool {
        let _ = close_fd(self.0[1]);
        read_into(self.0[0], &mut [0u8; 1]) == Ok(0)
    }

    /// In the parent: closes both ends, which starts the children.
    pub fn release(self) {
        let _ = close_fd(self.0[0]);
        let _ = close_fd(self.0[1]);
    }
}
