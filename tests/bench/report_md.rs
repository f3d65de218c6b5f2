// SPDX-License-Identifier: GPL-2.0

//! report.md and chart.dat (the data tests/bench/chart.gp plots) of a run.

use crate::raw::Side;
use crate::report::{fmt_ns, table_cells, Module};
use crate::stats::RatioCi;
use crate::summary::{Row, Run, GOAL_FRACTION};
use std::fmt::Write;

/// report.md: `facts` are the host's (`KEY=VALUE`: date, host CPU,
/// QEMU...), in the order given.
pub fn markdown(run: &Run, rows: &[Row], modules: &[Module], facts: &[(String, String)]) -> String {
    let info = |k: &str| run.info.get(k).cloned().unwrap_or_else(|| "?".into());
    let mut md = String::from("# Rust vs C: the misc device twins, measured\n\n");
    md += "Written by `make bench` (tests/bench/). The chart is `chart.svg` beside this file.\n\n";
    md += "## Run\n\n";
    for (k, v) in facts {
        let _ = writeln!(md, "- {k}: {v}");
    }
    let _ = writeln!(md, "- guest kernel: {}", info("kernel"));
    let _ = writeln!(
        md,
        "- guest CPU: {} (QEMU TCG, one vCPU)",
        info("guest-cpu")
    );
    let _ = writeln!(
        md,
        "- rounds: {}; each batch at least {} µs (calls per batch below)",
        info("rounds"),
        info("target-ns")
            .parse::<f64>()
            .map_or("?".into(), |ns| format!("{:.0}", ns / 1000.0)),
    );
    let _ = writeln!(
        md,
        "- clock: CLOCK_MONOTONIC on the {} clocksource (clock_getres() says {} ns: the \
         timer resolution of a kernel without high-resolution timers; clock_gettime() \
         reads the clocksource)",
        info("clocksource"),
        info("clock-res-ns")
    );
    md += "\n**Under TCG (QEMU's emulated CPU, no KVM) only ratios within one run mean \
           anything**: absolute times are those of an emulator on a shared host, and \
           change from run to run and host to host. The spread per side is shown below.\n\n";

    md += "## Time per operation (median ns/op over the rounds)\n\n";
    let _ = writeln!(
        md,
        "Goal: Rust at least {GOAL_FRACTION} × C's throughput (Rust/C ≤ {:.4}); a MISS is \
         a target not reached, not a test failure.\n",
        1.0 / GOAL_FRACTION
    );
    md += "| operation | Rust ns | C ns | Rust/C [95% CI] | goal | Rust/floor | C/floor | floor ns | floor | calls/batch |\n";
    md += "|---|--:|--:|--:|:-:|--:|--:|--:|---|--:|\n";
    for row in rows {
        let calls = run
            .info
            .get(&format!("calls-{}", row.op.id))
            .cloned()
            .unwrap_or_else(|| "1".into());
        let _ = writeln!(md, "| {} | {calls} |", table_cells(row).join(" | "));
    }

    md += "\n## Spread (ns/op over the rounds: min, Q1, median, Q3, max)\n\n";
    md += "| operation | side | min | Q1 | median | Q3 | max |\n|---|---|--:|--:|--:|--:|--:|\n";
    for row in rows {
        for side in Side::ALL {
            if let Some(s) = row.spread[side as usize] {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    row.op.label,
                    side.name(),
                    fmt_ns(Some(s.min)),
                    fmt_ns(Some(s.q1)),
                    fmt_ns(Some(s.median)),
                    fmt_ns(Some(s.q3)),
                    fmt_ns(Some(s.max))
                );
            }
        }
    }

    md += "\n## Module size (bytes; sections summed: .text with .text.*, .init.text, .exit.text; likewise the others)\n\n";
    md += "| module | .ko file | text | rodata | data | bss |\n|---|--:|--:|--:|--:|--:|\n";
    for m in modules {
        match &m.sizes {
            Ok(s) => {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} |",
                    m.name, m.ko_bytes, s.text, s.rodata, s.data, s.bss
                );
            }
            Err(e) => {
                let _ = writeln!(md, "| {} | {} | {e} | | | |", m.name, m.ko_bytes);
            }
        }
    }

    md += "\n## Method\n\n";
    md += "- One VM boot; the program `misc-bench` (tests/bench/) first loads and unloads \
           each module with finit_module(2)/delete_module(2) once per round, then loads \
           rust_misc and then c_misc and runs the device rounds.\n";
    md += "- Each round runs every operation as one batch per side: the two devices in \
           alternating order (Rust first in even rounds, C first in odd ones), the floor \
           last. A batch is a fixed number of calls between two clock_gettime(CLOCK_MONOTONIC) \
           calls, calibrated before the rounds so that the fastest side's batch lasts the \
           target time; each device is refilled to 4096 bytes (untimed) before its batch.\n";
    md += "- read and write are pread(2)/pwrite(2) at offset 0 (no lseek between calls); \
           the floor is the cheapest path of the same call: /dev/zero for reads, /dev/null \
           for writes, lseek and open+close, FIONCLEX (answered by do_vfs_ioctl() before any \
           driver) for the ioctls, and getppid(2) as a bare system call.\n";
    md += "- Rust/C: the rounds are pairs, so the ratio is exp(mean of ln(rust/C) per round) \
           with a 95% t-interval on that mean (t quantile with rounds − 1 degrees of \
           freedom): noise shared by a round cancels. Rust/floor and C/floor are ratios of \
           medians.\n";
    md
}

/// report.md's section on the previous run (previous.rs).
pub fn against_previous(cmp: &[(String, f64, RatioCi, bool)]) -> String {
    let within = cmp.iter().filter(|c| c.3).count();
    let mut md = format!(
        "\n## Against the previous run\n\n{within} of {} Rust/C ratios of this run lie within \
         the previous run's 95% interval (the previous run's chart.dat, kept as previous.dat).\n\n\
         | operation | this run | previous run [95% CI] | |\n|---|--:|--:|---|\n",
        cmp.len()
    );
    for (label, now, before, inside) in cmp {
        let _ = writeln!(
            md,
            "| {label} | {now:.3} | {:.3} [{:.3}, {:.3}] | {} |",
            before.ratio,
            before.lo,
            before.hi,
            if *inside { "within" } else { "outside" }
        );
    }
    md
}

/// chart.dat: one line per operation, `"label" rust c floor ratio lo hi`
/// (medians in ns/op; NaN where there is none).
pub fn chart_data(rows: &[Row]) -> String {
    let mut dat = String::from("# label rust_ns c_ns floor_ns rust_over_c ci_lo ci_hi\n");
    let num = |v: Option<f64>| v.map_or("NaN".into(), |v| format!("{v:.3}"));
    for row in rows {
        let _ = writeln!(
            dat,
            "\"{}\" {} {} {} {} {} {}",
            row.op.label,
            num(row.median(Side::Rust)),
            num(row.median(Side::C)),
            num(row.median(Side::Floor)),
            num(row.ratio.map(|r| r.ratio)),
            num(row.ratio.map(|r| r.lo)),
            num(row.ratio.map(|r| r.hi)),
        );
    }
    dat
}
