// SPDX-License-Identifier: GPL-2.0

//! `load-cycles N MODULE.ko [DEVICE]`: loads MODULE.ko with finit_module(2)
//! and unloads it with delete_module(2), N times over, in one process. With
//! DEVICE (a node the module registers, with the store of rust_misc.h,
//! empty at every load), each cycle also writes `cycle I` to it and reads
//! it back, which must give what was written.
//!
//! Prints one line, `load-cycles: N cycles of NAME[ using DEVICE] in T ms`,
//! and exits 0; at the first failure it prints `load-cycles: cycle I:
//! WHAT: ERRNO (errno)` (the module unloaded if it was loaded) and exits 1;
//! a usage error, or a MODULE.ko that cannot be opened, exits 2. NAME is
//! the file's name without `.ko`, `-` read as `_`, as Kbuild names modules.
//!
//! The debug kernel's load/unload cycles (tests/guest/debug.sh): the same
//! system calls as insmod and rmmod, without two processes per cycle, so
//! that the cycles cost the kernel's work, not process creation.

#[allow(dead_code)] // Shared: each program uses a part.
#[path = "../../lib/rust/errno.rs"]
mod errno;
#[path = "../../lib/rust/kmod.rs"]
mod kmod;
#[allow(dead_code)] // Shared: each program uses a part.
#[path = "../../lib/rust/linux_abi.rs"]
mod linux_abi;

use errno::Errno;
use kmod::{delete_module, finit_module};
use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd as _;
use std::os::unix::fs::FileExt as _;
use std::time::Instant;

const USAGE: &str = "usage: load-cycles N MODULE.ko [DEVICE]";

/// The module name Kbuild gives `path`'s module: the file name without
/// `.ko`, with `-` read as `_`.
fn module_name(path: &str) -> Option<String> {
    let file = path.rsplit('/').next()?;
    let stem = file.strip_suffix(".ko")?;
    (!stem.is_empty()).then(|| stem.replace('-', "_"))
}

/// Writes `cycle I` at offset 0 of `device` and reads it back.
fn use_device(device: &str, i: u32) -> Result<(), String> {
    let text = format!("cycle {i}\n");
    let node = OpenOptions::new()
        .read(true)
        .write(true)
        .open(device)
        .map_err(|e| format!("open {device}: {}", Errno::of(&e)))?;
    let written = node
        .write_at(text.as_bytes(), 0)
        .map_err(|e| format!("write {device}: {}", Errno::of(&e)))?;
    let mut back = [0u8; 32];
    let read = node
        .read_at(&mut back, 0)
        .map_err(|e| format!("read {device}: {}", Errno::of(&e)))?;
    if written != text.len() || back.get(..read) != Some(text.as_bytes()) {
        return Err(format!(
            "{device}: wrote {written} of {:?}, read back {:?}",
            text,
            String::from_utf8_lossy(&back[..read])
        ));
    }
    Ok(())
}

/// One cycle: load, use `device` if any, unload.
fn cycle(ko: &File, name: &CString, device: Option<&str>, i: u32) -> Result<(), String> {
    finit_module(ko.as_raw_fd(), c"").map_err(|e| format!("finit_module: {e}"))?;
    let used = device.map_or(Ok(()), |d| use_device(d, i));
    let unloaded = delete_module(name)
        .map(|_| ())
        .map_err(|e| format!("delete_module: {e}"));
    used.and(unloaded)
}

/// Runs the cycles; returns the line to print and the exit status.
fn load_cycles(n: u32, path: &str, device: Option<&str>) -> (String, i32) {
    let Some(name) = module_name(path).and_then(|m| CString::new(m).ok()) else {
        return (format!("load-cycles: {path} is not a NAME.ko\n{USAGE}"), 2);
    };
    let ko = match File::open(path) {
        Ok(f) => f,
        Err(e) => return (format!("load-cycles: open {path}: {}", Errno::of(&e)), 2),
    };
    let t0 = Instant::now();
    for i in 0..n {
        if let Err(e) = cycle(&ko, &name, device, i) {
            return (format!("load-cycles: cycle {i}: {e}"), 1);
        }
    }
    let using = device.map_or(String::new(), |d| format!(" using {d}"));
    (
        format!(
            "load-cycles: {n} cycles of {}{using} in {} ms",
            name.to_string_lossy(),
            t0.elapsed().as_millis()
        ),
        0,
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !(2..=3).contains(&args.len()) {
        eprintln!("load-cycles: takes N, MODULE.ko and optional DEVICE\n{USAGE}");
        std::process::exit(2);
    }
    let Ok(n) = args[0].parse::<u32>() else {
        eprintln!("load-cycles: N: '{}' is not a number\n{USAGE}", args[0]);
        std::process::exit(2);
    };
    let (line, status) = load_cycles(n, &args[1], args.get(2).map(String::as_str));
    println!("{line}");
    std::process::exit(status);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_name_is_kbuilds() {
        assert_eq!(
            module_name("/modules/rust_misc.ko").as_deref(),
            Some("rust_misc")
        );
        assert_eq!(module_name("hello-c.ko").as_deref(), Some("hello_c"));
        assert_eq!(module_name("/modules/.ko"), None);
        assert_eq!(module_name("/modules/hello.o"), None);
    }
}
