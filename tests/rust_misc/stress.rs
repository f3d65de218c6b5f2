// SPDX-License-Identifier: GPL-2.0

//! Randomized tests of `/dev/rust-misc`, the misc device of
//! modules/rust_misc, and a loader for allocation-failure injection.
//!
//! ```text
//! rust-misc-stress fuzz --seed S --ops N
//! rust-misc-stress stress --procs P --ops N [--seed S]
//! rust-misc-stress fault-load N MODULE.ko [PARAMS]
//! ```
//!
//! - `fuzz` (fuzz.rs): a model-checked fuzzer: random operations with
//!   hostile arguments, each compared with a model of the device and the
//!   VFS above it (model.rs); same seed, same operations.
//! - `stress` (stress_procs.rs): P processes (at least 8) do N random
//!   operations on the device at the same time (stress_worker.rs); the
//!   length and the statistics must agree with what they report.
//! - `fault-load` (fault_load.rs): loads MODULE.ko with the Nth
//!   fault-injection point of finit_module(2) made to fail, and prints one
//!   line: `fault-load n=N injected=0|1 result=ok|ERRNO(errno)`.
//!
//! `fuzz` and `stress` print results as the other test program does:
//! `ok rust_misc: NAME`, `not ok rust_misc: NAME # WHY` and `# ...`
//! diagnostics; the exit status is 0 when everything passed, 1 otherwise,
//! 2 for a usage error. The ABI comes from the module's header through
//! bindgen (build.sh, abi.h). This file reads the command line and runs the
//! subcommand.

mod abi;
mod device;
mod errno;
mod fault_load;
mod fd;
mod fuzz;
mod fuzz_gen;
mod fuzz_op;
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

use fault_load::fault_load;
use fuzz::fuzz;
use stress_procs::stress;

const USAGE: &str = "usage: rust-misc-stress fuzz [--seed S] [--ops N]\n       \
                     rust-misc-stress stress [--procs P] [--ops N] [--seed S]\n       \
                     rust-misc-stress fault-load N MODULE.ko [PARAMS]";

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
