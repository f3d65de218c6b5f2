// SPDX-License-Identifier: GPL-2.0

//! `misc-bench`: the Rust misc device (modules/rust_misc) against its C
//! twin (modules/c_misc) and the kernel's floor, for `make bench` and the
//! short run of `make check` (tests/bench/run.sh).
//!
//! ```text
//! misc-bench measure --rounds R --target-us T --rust-ko PATH --c-ko PATH
//! misc-bench report --guest LOG --rust-ko PATH --rust-size FILE
//!                   --c-ko PATH --c-size FILE --md OUT --dat OUT
//!                   [--previous CHART_DAT] [--fact KEY=VALUE]...
//! misc-bench inlining --inlined DIR --not-inlined DIR
//!                     --icount-inlined DIR --icount-not-inlined DIR --md OUT
//! misc-bench tsc-khz
//! ```
//!
//! - `measure` runs in the test VM, once per boot (measure.rs): load/unload
//!   rounds (module_rounds.rs), then the device rounds, each on a fresh load
//!   of both modules (device_phase.rs, agreement.rs); KTAP result lines (the twins return the same on
//!   every call), then the raw timings (raw.rs) for the host. The modules
//!   must not be loaded when it starts; it unloads them at the end.
//! - `report` runs on the host (summary.rs, report.rs, report_md.rs): the
//!   statistics (stats.rs, student_t.rs), the module sizes (sections.rs:
//!   FILE is `llvm-size -A` of the .ko), result lines and the table on
//!   stdout, report.md and chart.dat; LOG holds every boot's lines, each
//!   boot's after a `bench-boot N` line (run.sh); with `--previous`, each
//!   Rust/C ratio against the previous run's re-run interval (previous.rs).
//! - `inlining` runs on the host (inlining.rs): the chart.dat of the four
//!   runs of `make bench` (the kernels with and without
//!   `CONFIG_RUST_INLINE_HELPERS`, in time and in instructions) side by
//!   side, on stdout as `#` lines and in OUT.
//! - `tsc-khz` runs on the host (tsc.rs): its TSC's frequency, which the
//!   guest gets on its command line instead of calibrating it.
//!
//! The operations are the table of ops.rs, run by targets.rs. Shared with
//! the misc device's test programs (tests/modules/rust_misc): the ABI
//! (abi.rs), the raw system calls (fd.rs, positional_io.rs, vfs_ioctls.rs)
//! and tests/lib/rust's errno.rs, kmod.rs and linux_abi.rs. Exit status: 0 when
//! every result passed, 1 otherwise, 2 for a usage error.

#[allow(dead_code)] // Shared: each program uses a part.
#[path = "../modules/rust_misc/abi.rs"]
mod abi;
mod agreement;
mod clock;
mod device_phase;
#[allow(dead_code)] // Shared: each program uses a part.
#[path = "../lib/rust/errno.rs"]
mod errno;
#[allow(dead_code)] // Shared: each program uses a part.
#[path = "../modules/rust_misc/fd.rs"]
mod fd;
mod inlining;
#[path = "../lib/rust/kmod.rs"]
mod kmod;
#[allow(dead_code)] // Shared: each program uses a part.
#[path = "../lib/rust/linux_abi.rs"]
mod linux_abi;
mod measure;
mod module_load;
mod module_rounds;
mod ops;
#[allow(dead_code)] // Shared: each program uses a part.
#[path = "../modules/rust_misc/positional_io.rs"]
mod positional_io;
mod previous;
mod raw;
mod report;
mod report_md;
mod sections;
mod stats;
mod student_t;
mod summary;
mod targets;
mod tsc;
#[allow(dead_code)] // Shared: each program uses a part.
#[path = "../modules/rust_misc/vfs_ioctls.rs"]
mod vfs_ioctls;

use measure::{measure, Settings, Twin};
use report::Module;
use std::collections::HashMap;
use std::process::exit;

fn usage() -> ! {
    eprintln!(
        "usage: misc-bench measure --rounds R --target-us T --rust-ko PATH --c-ko PATH\n       \
         misc-bench report --guest LOG --rust-ko PATH --rust-size FILE --c-ko PATH \
         --c-size FILE --md OUT --dat OUT [--previous CHART_DAT] [--fact KEY=VALUE]...\n       \
         misc-bench inlining --inlined DIR --not-inlined DIR --icount-inlined DIR \
         --icount-not-inlined DIR --md OUT\n       \
         misc-bench tsc-khz"
    );
    exit(2)
}

/// `--name value` options; `--fact` may repeat.
fn options(args: &[String]) -> (HashMap<String, String>, Vec<(String, String)>) {
    let mut opts = HashMap::new();
    let mut facts = Vec::new();
    let mut it = args.iter();
    while let Some(name) = it.next() {
        let (Some(name), Some(value)) = (name.strip_prefix("--"), it.next()) else {
            usage()
        };
        if name == "fact" {
            let (k, v) = value.split_once('=').unwrap_or_else(|| usage());
            facts.push((k.to_string(), v.to_string()));
        } else if opts.insert(name.to_string(), value.clone()).is_some() {
            usage()
        }
    }
    (opts, facts)
}

fn get<'a>(opts: &'a HashMap<String, String>, name: &str) -> &'a str {
    opts.get(name)
        .map(String::as_str)
        .unwrap_or_else(|| usage())
}

fn number(opts: &HashMap<String, String>, name: &str) -> u64 {
    get(opts, name).parse().unwrap_or_else(|_| usage())
}

fn measure_cmd(opts: &HashMap<String, String>) -> bool {
    let rounds = number(opts, "rounds") as usize;
    if rounds < 2 {
        usage()
    }
    measure(&Settings {
        rounds,
        target_ns: number(opts, "target-us") * 1000,
        rust: Twin {
            module: "rust_misc",
            ko: get(opts, "rust-ko").into(),
            node: "/dev/rust-misc",
        },
        c: Twin {
            module: "c_misc",
            ko: get(opts, "c-ko").into(),
            node: "/dev/c-misc",
        },
    })
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("misc-bench: reading {path}: {e}");
        exit(1)
    })
}

fn write(path: &str, text: &str) {
    if let Err(e) = std::fs::write(path, text) {
        eprintln!("misc-bench: writing {path}: {e}");
        exit(1)
    }
}

fn report_cmd(opts: &HashMap<String, String>, facts: &[(String, String)]) -> bool {
    let run = summary::read_run(&read(get(opts, "guest")));
    let rows = summary::rows(&run);
    let modules: Vec<Module> = [("rust_misc", "rust"), ("c_misc", "c")]
        .iter()
        .map(|(name, side)| {
            let ko = get(opts, &format!("{side}-ko"));
            Module {
                name: name.to_string(),
                ko_bytes: std::fs::metadata(ko).map_or(0, |m| m.len()),
                sizes: sections::parse_size_a(&read(get(opts, &format!("{side}-size")))),
            }
        })
        .collect();
    let mut lines = report::terminal(&run, &rows, &modules);
    let mut md = report_md::markdown(&run, &rows, &modules, facts);
    if let Some(path) = opts.get("previous") {
        let cmp = previous::compare(&rows, &previous::parse_chart_data(&read(path)));
        lines.extend(report::against_previous(&cmp));
        md += &report_md::against_previous(&cmp);
    }
    println!("{}", lines.join("\n"));
    write(get(opts, "md"), &md);
    write(get(opts, "dat"), &report_md::chart_data(&rows));
    !lines.iter().any(|l| l.starts_with("not ok "))
}

/// `inlining`: the four runs' chart.dat side by side (inlining.rs).
fn inlining_cmd(opts: &HashMap<String, String>) -> bool {
    let dat = |name: &str| inlining::parse(&read(&format!("{}/chart.dat", get(opts, name))));
    let (inlined, not_inlined) = (dat("inlined"), dat("not-inlined"));
    let (icount_inlined, icount_not_inlined) = (dat("icount-inlined"), dat("icount-not-inlined"));
    let (lines, md) = inlining::table(&inlining::Runs {
        inlined: &inlined,
        not_inlined: &not_inlined,
        icount_inlined: &icount_inlined,
        icount_not_inlined: &icount_not_inlined,
    });
    println!("{}", lines.join("\n"));
    write(get(opts, "md"), &md);
    !inlined.is_empty()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((cmd, rest)) = args.split_first() else {
        usage()
    };
    let (opts, facts) = options(rest);
    let passed = match cmd.as_str() {
        "measure" if facts.is_empty() => measure_cmd(&opts),
        "report" => report_cmd(&opts, &facts),
        "inlining" if facts.is_empty() => inlining_cmd(&opts),
        "tsc-khz" if rest.is_empty() => {
            println!("{}", tsc::measure_khz());
            true
        }
        _ => usage(),
    };
    exit(if passed { 0 } else { 1 })
}
