// SPDX-License-Identifier: GPL-2.0

//! Randomized tests of `/dev/rust-misc`, the misc device of
//! modules/rust_misc (or of another driver of its ABI, at another node).
//!
//! ```text
//! rust-misc-stress fuzz --seed S --ops N [--device PATH] [--module NAME]
//! rust-misc-stress stress --procs P --ops N [--seed S] [--device PATH] [--module NAME]
//! ```
//!
//! - `fuzz` (fuzz.rs): a model-checked fuzzer: random operations with
//!   hostile arguments, each compared with a model of the device and the
//!   VFS above it (model.rs); same seed, same operations. Its length has
//!   no default: the caller says how long (make check and make
//!   check-debug each define theirs).
//! - `stress` (stress_procs.rs): P processes (at least 8) do N random
//!   operations on the device at the same time (stress_worker.rs); the
//!   length and the statistics must agree with what they report.
//!
//! The device is PATH (default /dev/rust-misc), provided by the module NAME
//! (default rust_misc). Results are printed as the other test program
//! does: `ok rust_misc /dev/rust-misc: NAME`,
//! `not ok rust_misc /dev/rust-misc: NAME # WHY` and `# ...` diagnostics;
//! the exit status is 0 when everything passed, 1 otherwise, 2 for a usage
//! error. The ABI comes from the module's header through bindgen (build.sh,
//! abi.h). This file reads the command line and runs the subcommand.

mod abi;
mod device;
#[allow(dead_code)] // Shared: each program uses a part.
#[path = "../../lib/rust/errno.rs"]
mod errno;
mod fd;
mod fuzz;
mod fuzz_gen;
mod fuzz_op;
#[allow(dead_code)] // Shared: each program uses a part.
#[path = "../../lib/rust/linux_abi.rs"]
mod linux_abi;
mod model;
mod positional_io;
mod process;
mod report;
mod rng;
mod show;
mod stress_procs;
mod stress_worker;
mod user_memory;
mod vfs_ioctls;

use device::take_target_args;
use fuzz::fuzz;
use stress_procs::stress;

const USAGE: &str = "usage: rust-misc-stress fuzz [--seed S] --ops N [--device PATH] \
                     [--module NAME]\n       \
                     rust-misc-stress stress [--procs P] [--ops N] [--seed S] \
                     [--device PATH] [--module NAME]";

fn usage(why: &str) -> ! {
    eprintln!("rust-misc-stress: {why}\n{USAGE}");
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
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(why) = take_target_args(&mut args) {
        usage(&why);
    }
    let Some(cmd) = args.first() else {
        usage("no subcommand")
    };
    let ok = match cmd.as_str() {
        "fuzz" => {
            let v = options(&args[1..], &["--seed", "--ops"]);
            let Some(ops) = v[1] else {
                usage("fuzz needs --ops N")
            };
            fuzz(v[0].unwrap_or_else(clock_seed), ops)
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
        other => usage(&format!("unknown subcommand '{other}'")),
    };
    std::process::exit(if ok { 0 } else { 1 });
}
