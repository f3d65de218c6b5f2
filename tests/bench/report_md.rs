// SPDX-License-Identifier: GPL-2.0

//! report.md and chart.dat (the data tests/bench/chart.gp plots) of a run.

use crate::module_rounds::PER_DEVICE_ROUND;
use crate::raw::Side;
use crate::report::{fmt_interval, fmt_ns, fmt_ratio, rounds_text, table_cells, Module};
use crate::stats::RatioCi;
use crate::summary::{Row, Run, GOAL_FRACTION, LOAD_GOAL, UNLOAD_GOAL};
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
        "- {}; each batch at least {} µs (calls per batch below)",
        rounds_text(run),
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
        "Goal: Rust at least {GOAL_FRACTION} × C's throughput (Rust/C ≤ {:.4}); for the \
         module's load Rust/C ≤ {LOAD_GOAL}, for its unload ≤ {UNLOAD_GOAL}; a MISS is \
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

    md += "\n## Where another run should land\n\n";
    md += if run.boots.len() > 1 {
        "The re-run intervals: where another run of the same size should put its \
         Rust/C ratios, all of them at once 95 times in 100 (from the spread of the \
         boots' ratios, each boot's ratio beside it).\n\n"
    } else {
        "The re-run intervals: where another run of the same size should put its \
         Rust/C ratios, all of them at once 95 times in 100. One boot: taken from its \
         rounds alone, they do not include what changes from one boot to the next \
         (run several boots).\n\n"
    };
    md += "| operation | Rust/C | re-run interval | per boot |\n|---|--:|--:|---|\n";
    for row in rows {
        if let Some(r) = row.ratio {
            let boots: Vec<String> = row.per_boot.iter().map(|b| fmt_ratio(*b)).collect();
            let _ = writeln!(
                md,
                "| {} | {:.3} | {} | {} |",
                row.op.label,
                r.ratio,
                fmt_interval(r.next_lo, r.next_hi),
                if boots.is_empty() {
                    "-".into()
                } else {
                    boots.join(", ")
                }
            );
        }
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
    let _ = writeln!(
        md,
        "- Each boot of the VM runs the program `misc-bench` (tests/bench/): it first \
         loads and unloads each module with finit_module(2)/delete_module(2), one call \
         per sample, in {PER_DEVICE_ROUND} rounds per device round (the module load and \
         unload rounds above), then runs the device rounds, each on a fresh load of both \
         modules (the one measured first in the round loaded first)."
    );
    md += "- Each round runs every operation as one batch per side: the two devices in \
           alternating order (Rust first in even rounds, C first in odd ones), the floor \
           last. A batch is a fixed number of calls between two clock_gettime(CLOCK_MONOTONIC) \
           calls, calibrated before the rounds so that the fastest side's batch lasts the \
           target time; each device is refilled to 4096 bytes (untimed) before its batch.\n";
    md += "- read and write are pread(2)/pwrite(2) at offset 0 (no lseek between calls); \
           the floor is the cheapest path of the same call: /dev/zero for reads, /dev/null \
           for writes, lseek and open+close, FIONCLEX (answered by do_vfs_ioctl() before any \
           driver) for the ioctls, and getppid(2) as a bare system call.\n";
    md += "- Rust/C: the rounds are pairs, so a boot's ratio is exp(median of ln(rust/C) \
           over its rounds): noise shared by a round cancels, and a round the host \
           interrupted does not move it. With several boots the run's ratio is the \
           geometric mean of the boots' ratios, with a 95% t-interval over the boots (boots − 1 \
           degrees of freedom): under TCG each boot has costs of its own (where QEMU put the \
           translated code, how the guest laid itself out) that its rounds share, so the \
           boot is the unit. With one boot, the interval is over its rounds. The re-run \
           intervals are prediction intervals for another run's ratios (√2 times the \
           confidence interval's standard error), joint over the operations (Bonferroni: \
           each at 1 − 0.05/operations). Rust/floor and C/floor are ratios of medians over \
           every round.\n";
    md
}

/// report.md's section on the previous run (previous.rs).
pub fn against_previous(cmp: &[(String, f64, RatioCi, bool)]) -> String {
    if cmp.is_empty() {
        return "\n## Against the previous run\n\nNo ratio to compare: the previous run's \
                chart.dat has none with a re-run interval.\n"
            .into();
    }
    let within = cmp.iter().filter(|c| c.3).count();
    let mut md = format!(
        "\n## Against the previous run\n\n{within} of {} Rust/C ratios of this run lie within \
         the previous run's re-run interval (the previous run's chart.dat, kept as \
         previous.dat; all of them within, 95 times in 100).\n\n\
         | operation | this run | previous run [re-run interval] | |\n|---|--:|--:|---|\n",
        cmp.len()
    );
    for (label, now, before, inside) in cmp {
        let _ = writeln!(
            md,
            "| {label} | {now:.3} | {:.3} {} | {} |",
            before.ratio,
            fmt_interval(before.next_lo, before.next_hi),
            if *inside { "within" } else { "outside" }
        );
    }
    md
}

/// The decimals chart.dat keeps of every number (previous.rs reads them
/// back within that rounding).
pub const CHART_DATA_DECIMALS: usize = 3;

/// chart.dat: one line per operation, `"label" rust c floor ratio lo hi
/// next_lo next_hi` (medians in ns/op; the ratio's 95% confidence and
/// re-run intervals; NaN where there is none).
pub fn chart_data(rows: &[Row]) -> String {
    let mut dat =
        String::from("# label rust_ns c_ns floor_ns rust_over_c ci_lo ci_hi rerun_lo rerun_hi\n");
    let num = |v: Option<f64>| v.map_or("NaN".into(), |v| format!("{v:.CHART_DATA_DECIMALS$}"));
    for row in rows {
        let _ = writeln!(
            dat,
            "\"{}\" {} {} {} {} {} {} {} {}",
            row.op.label,
            num(row.median(Side::Rust)),
            num(row.median(Side::C)),
            num(row.median(Side::Floor)),
            num(row.ratio.map(|r| r.ratio)),
            num(row.ratio.map(|r| r.lo)),
            num(row.ratio.map(|r| r.hi)),
            num(row.ratio.map(|r| r.next_lo)),
            num(row.ratio.map(|r| r.next_hi)),
        );
    }
    dat
}

/// chart.dat read back: each operation's label and its numbers, in the
/// file's order (NaN where chart_data wrote one; a line that does not
/// parse is left out).
pub fn read_chart_data(text: &str) -> Vec<(String, Vec<f64>)> {
    text.lines()
        .filter_map(|line| {
            let (label, rest) = line.strip_prefix('"')?.split_once('"')?;
            let nums = rest
                .split_whitespace()
                .filter_map(|f| f.parse().ok())
                .collect();
            Some((label.to_string(), nums))
        })
        .collect()
}
