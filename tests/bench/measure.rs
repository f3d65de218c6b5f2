// SPDX-License-Identifier: GPL-2.0

//! The guest's measurement (`misc-bench measure`), one boot's part of a
//! run: load/unload rounds of both modules (module_rounds.rs: four per
//! device round), then the device rounds. It
//! prints KTAP result lines (the twins agree, each call succeeded) and, at
//! the end, the raw timings and facts for the host's report (raw.rs):
//! nothing is printed while the clock runs.
//!
//! Each round measures every operation on each side back to back, the two
//! devices in alternating order (even rounds Rust first, odd rounds C
//! first) and the floor last; one batch is CALLS calls between two reads
//! of CLOCK_MONOTONIC, CALLS fixed per operation by a calibration before
//! the rounds (the smallest power of two for which the fastest side's batch
//! takes at least the target time). CLOCK_MONOTONIC must be backed by a
//! fine clocksource (the TSC, which QEMU derives from the host clock), never
//! jiffies.
//!
//! Every device round loads both modules afresh, the one measured first
//! in the round loaded first, and unloads them after it.
//!
//! The parts: module_rounds.rs, then device_phase.rs (with agreement.rs);
//! this file holds the run's settings and results and runs the parts.

use crate::clock::resolution_ns;
use crate::device_phase::device_phase;
use crate::module_load::unload_twins;
use crate::module_rounds::{module_rounds, PER_DEVICE_ROUND};
use crate::raw::Side;

/// One of the twins.
pub struct Twin {
    pub module: &'static str,
    pub ko: String,
    pub node: &'static str,
}

pub struct Settings {
    pub rounds: usize,
    pub target_ns: u64,
    pub rust: Twin,
    pub c: Twin,
}

pub struct Run {
    pub out: Vec<String>,
    pub raw: Vec<String>,
    pub failed: bool,
}

impl Run {
    pub fn ok(&mut self, name: &str) {
        self.out.push(format!("ok bench: {name}"));
    }
    pub fn not_ok(&mut self, name: &str, why: &str) {
        self.failed = true;
        self.out.push(format!("not ok bench: {name} # {why}"));
    }
    pub fn check(&mut self, name: &str, result: Result<(), String>) {
        match result {
            Ok(()) => self.ok(name),
            Err(why) => self.not_ok(name, &why),
        }
    }
    pub fn info(&mut self, key: &str, value: impl std::fmt::Display) {
        self.raw.push(format!("bench-info {key} {value}"));
    }
}

/// The sides of a round, in order.
pub fn order(round: usize) -> [Side; 3] {
    if round % 2 == 0 {
        [Side::Rust, Side::C, Side::Floor]
    } else {
        [Side::C, Side::Rust, Side::Floor]
    }
}

/// The guest's first CPU's model name, from /proc/cpuinfo.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The kernel's clocksource behind CLOCK_MONOTONIC.
fn clocksource() -> String {
    std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource")
        .map_or_else(|e| format!("unknown ({e})"), |s| s.trim().to_string())
}

/// The clocksource at the start and the end of the run must count finer
/// than the tick: on a jiffies clocksource (the fallback when the kernel
/// cannot calibrate the TSC or finds it unstable, which tests/bench/run.sh
/// prevents with tsc_early_khz= and tsc=reliable) every batch would be a
/// multiple of 4 ms.
fn check_clocksource(run: &mut Run, start: &str, end: &str) {
    let name = "CLOCK_MONOTONIC counts finer than the tick (clocksource not jiffies)";
    if [start, end]
        .iter()
        .any(|c| c.contains("jiffies") || c.starts_with("unknown"))
    {
        run.not_ok(
            name,
            &format!("clocksource {start} at the start, {end} at the end"),
        );
    } else {
        run.ok(&format!("{name}: {end}"));
    }
}

/// The whole measurement; true when every check passed.
pub fn measure(s: &Settings) -> bool {
    let mut run = Run {
        out: Vec::new(),
        raw: Vec::new(),
        failed: false,
    };
    run.info("rounds", s.rounds);
    run.info("module-rounds", s.rounds * PER_DEVICE_ROUND);
    run.info("target-ns", s.target_ns);
    run.info("clock-res-ns", resolution_ns());
    let source = clocksource();
    run.info("guest-cpu", cpu_model());
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    run.info("kernel", release.trim());

    let res = module_rounds(&mut run, s);
    let name = format!(
        "{} and {} loaded and unloaded {} times each (finit_module, delete_module)",
        s.rust.module,
        s.c.module,
        s.rounds * PER_DEVICE_ROUND
    );
    run.check(&name, res);

    let res = device_phase(&mut run, s);
    run.check(
        "device rounds ran, each on a fresh load of both modules",
        res,
    );
    let end = clocksource();
    check_clocksource(&mut run, &source, &end);
    run.info("clocksource", &end);
    // The rounds unload both; this catches what a failed one left.
    run.check(
        "both modules unloaded at the end",
        unload_twins(&[&s.rust, &s.c]),
    );

    let mut text = run.out.join("\n");
    text.push('\n');
    text.push_str(&run.raw.join("\n"));
    println!("{text}");
    !run.failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_alternate_the_first_device() {
        assert_eq!(order(0), [Side::Rust, Side::C, Side::Floor]);
        assert_eq!(order(1), [Side::C, Side::Rust, Side::Floor]);
        assert_eq!(order(2), order(0));
    }
}
