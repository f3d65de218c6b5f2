// SPDX-License-Identifier: GPL-2.0

//! The guest's measurement (`misc-bench measure`): load/unload rounds of
//! both modules, then the device rounds with both loaded. It prints KTAP
//! result lines (the twins agree, each call succeeded) and, at the end, the
//! raw timings and facts for the host's report (raw.rs): nothing is printed
//! while the clock runs.
//!
//! Each round measures every operation on each side back to back, the two
//! devices in alternating order (even rounds Rust first, odd rounds C
//! first) and the floor last; one batch is CALLS calls between two reads
//! of CLOCK_MONOTONIC, CALLS fixed per operation by a calibration before
//! the rounds (the smallest power of two for which the fastest side's batch
//! takes at least the target time). CLOCK_MONOTONIC must be backed by a
//! fine clocksource (the TSC, which QEMU derives from the host clock), never
//! jiffies.

use crate::clock::{now_ns, resolution_ns};
use crate::fd::{close_fd, open_path};
use crate::linux_abi::O_RDONLY;
use crate::module_load::{delete_module, finit_module};
use crate::ops::{device_rounds, Op};
use crate::raw::{Sample, Side};
use crate::targets::{Device, Floor};
use std::ffi::{c_int, CString};

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

/// What a batch gave: its time, its calls' outcome, and whether every call
/// had that outcome.
struct Batch {
    ns: u64,
    outcome: i64,
    uniform: bool,
}

/// `calls` timed calls of `f`, after one untimed call that gives the
/// outcome every timed call must repeat.
fn timed(calls: u64, mut f: impl FnMut() -> i64) -> Batch {
    let outcome = f();
    let mut uniform = true;
    let t0 = now_ns();
    for _ in 0..calls {
        uniform &= f() == outcome;
    }
    let ns = now_ns() - t0;
    Batch {
        ns,
        outcome,
        uniform,
    }
}

/// What one operation gave on one side: each round's outcome, and whether
/// every call of every batch had its batch's outcome.
#[derive(Clone)]
struct Seen {
    outcomes: Vec<i64>,
    uniform: bool,
}

impl Default for Seen {
    fn default() -> Self {
        Self {
            outcomes: Vec::new(),
            uniform: true,
        }
    }
}

impl Seen {
    fn add(&mut self, b: &Batch) {
        self.outcomes.push(b.outcome);
        self.uniform &= b.uniform;
    }
}

/// The twins agree on `op`: uniform batches, the same outcome in each round
/// (both devices have the same history at that point of a round: GET_STATS
/// returns equal counters), and the expected one when it is known.
fn agreement(op: &Op, rust: &Seen, c: &Seen) -> Result<i64, String> {
    if !rust.uniform || !c.uniform {
        return Err(format!(
            "calls of a batch differed (rust uniform {}, c uniform {})",
            rust.uniform, c.uniform
        ));
    }
    if rust.outcomes.is_empty() || rust.outcomes.len() != c.outcomes.len() {
        return Err("not measured in every round".into());
    }
    for (round, (r, c)) in rust.outcomes.iter().zip(&c.outcomes).enumerate() {
        if r != c {
            return Err(format!("round {round}: rust {r}, c {c}"));
        }
        if let Some(e) = op.expect.filter(|e| e != r) {
            return Err(format!("round {round}: both {r}, expected {e}"));
        }
    }
    Ok(rust.outcomes[0])
}

struct Run {
    out: Vec<String>,
    raw: Vec<String>,
    failed: bool,
}

impl Run {
    fn ok(&mut self, name: &str) {
        self.out.push(format!("ok bench: {name}"));
    }
    fn not_ok(&mut self, name: &str, why: &str) {
        self.failed = true;
        self.out.push(format!("not ok bench: {name} # {why}"));
    }
    fn check(&mut self, name: &str, result: Result<(), String>) {
        match result {
            Ok(()) => self.ok(name),
            Err(why) => self.not_ok(name, &why),
        }
    }
    fn info(&mut self, key: &str, value: impl std::fmt::Display) {
        self.raw.push(format!("bench-info {key} {value}"));
    }
}

/// The sides of a round, in order.
fn order(round: usize) -> [Side; 3] {
    if round % 2 == 0 {
        [Side::Rust, Side::C, Side::Floor]
    } else {
        [Side::C, Side::Rust, Side::Floor]
    }
}

/// Load/unload rounds: each twin loaded with finit_module(2) and unloaded
/// with delete_module(2), one call per batch (a load is milliseconds).
fn module_rounds(run: &mut Run, s: &Settings) -> Result<(), String> {
    let mut fds = Vec::new();
    for twin in [&s.rust, &s.c] {
        let path = CString::new(twin.ko.as_str()).map_err(|_| "bad .ko path".to_string())?;
        let fd = open_path(&path, O_RDONLY).map_err(|e| format!("open {}: {e}", twin.ko))?;
        fds.push(fd as c_int);
    }
    let names = [
        CString::new(s.rust.module).map_err(|_| "bad name")?,
        CString::new(s.c.module).map_err(|_| "bad name")?,
    ];
    for round in 0..s.rounds {
        for side in order(round) {
            let i = match side {
                Side::Rust => 0,
                Side::C => 1,
                Side::Floor => continue,
            };
            let t0 = now_ns();
            let load = finit_module(fds[i]);
            let t1 = now_ns();
            let unload = delete_module(&names[i]);
            let t2 = now_ns();
            if load.is_err() || unload.is_err() {
                return Err(format!(
                    "{} in round {round}: load {load:?}, unload {unload:?}",
                    names[i].to_string_lossy()
                ));
            }
            for (op, ns) in [("load", t1 - t0), ("unload", t2 - t1)] {
                let sample = Sample {
                    op: op.into(),
                    round,
                    side,
                    calls: 1,
                    ns,
                };
                run.raw.push(sample.to_string());
            }
        }
    }
    for fd in fds {
        let _ = close_fd(fd);
    }
    Ok(())
}

/// The devices and the floor, and a buffer for the calls.
struct Targets {
    rust: Device,
    c: Device,
    floor: Floor,
    buf: Vec<u8>,
    fill: Vec<u8>,
}

impl Targets {
    /// One batch of `op` on `side`; a device is filled first (untimed).
    fn batch(&mut self, op: &Op, side: Side, calls: u64) -> Result<Batch, String> {
        let kind = op.kind;
        let buf = &mut self.buf;
        Ok(match side {
            Side::Rust | Side::C => {
                let dev = if side == Side::Rust {
                    &self.rust
                } else {
                    &self.c
                };
                dev.fill(&self.fill)?;
                timed(calls, || dev.call(kind, buf))
            }
            Side::Floor => {
                let floor = &self.floor;
                timed(calls, || floor.call(kind, buf))
            }
        })
    }
}

/// The sides `op` is measured on.
fn sides(op: &Op, round: usize) -> Vec<Side> {
    order(round)
        .into_iter()
        .filter(|&side| match side {
            Side::Floor => op.floor.is_some(),
            _ => op.twins,
        })
        .collect()
}

/// The calls per batch of `op`: doubled until the fastest side's batch
/// takes `target_ns` (at most 2^22). Symmetric: both devices run the
/// same calibration batches, so their counters stay equal.
fn calibrate(t: &mut Targets, op: &Op, target_ns: u64) -> Result<u64, String> {
    let mut calls = 1;
    loop {
        let mut fastest = u64::MAX;
        for side in sides(op, 0) {
            fastest = fastest.min(t.batch(op, side, calls)?.ns);
        }
        if fastest >= target_ns || calls >= 1 << 22 {
            return Ok(calls);
        }
        calls *= 2;
    }
}

fn device_phase(run: &mut Run, s: &Settings) -> Result<(), String> {
    let mut t = Targets {
        rust: Device::open(s.rust.node)?,
        c: Device::open(s.c.node)?,
        floor: Floor::open()?,
        buf: vec![0; 4096],
        fill: (0..4096).map(|i| (i % 251) as u8).collect(),
    };
    let ops: Vec<&Op> = device_rounds().collect();
    let mut calls = Vec::new();
    for op in &ops {
        let n = calibrate(&mut t, op, s.target_ns)?;
        run.info(&format!("calls-{}", op.id), n);
        calls.push(n);
    }
    let mut seen = vec![[Seen::default(), Seen::default(), Seen::default()]; ops.len()];
    for round in 0..s.rounds {
        for (i, op) in ops.iter().enumerate() {
            for side in sides(op, round) {
                let b = t.batch(op, side, calls[i])?;
                seen[i][side as usize].add(&b);
                let sample = Sample {
                    op: op.id.into(),
                    round,
                    side,
                    calls: calls[i],
                    ns: b.ns,
                };
                run.raw.push(sample.to_string());
            }
        }
    }
    for (i, op) in ops.iter().enumerate() {
        let [rust, c, floor] = &seen[i];
        if op.twins {
            let name = format!(
                "{}: rust_misc and c_misc return the same on every call",
                op.id
            );
            let res = agreement(op, rust, c).map(|v| {
                run.out.push(format!(
                    "# bench: {}: both returned {v} (first round)",
                    op.id
                ));
            });
            run.check(&name, res);
        }
        if op.floor.is_some() {
            let name = format!("{}: the floor succeeds on every call", op.id);
            let res = match floor.outcomes.iter().find(|&&v| v < 0) {
                _ if floor.outcomes.is_empty() => Err("not measured".into()),
                _ if !floor.uniform => Err("calls of a batch differed".into()),
                Some(v) => Err(format!("outcome {v}")),
                None => Ok(()),
            };
            run.check(&name, res);
        }
    }
    Ok(())
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
/// than the tick: on a jiffies clocksource (the fallback when the TSC is
/// found unstable, which tests/bench/run.sh prevents with tsc=reliable)
/// every batch would be a multiple of 4 ms.
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
    run.info("target-ns", s.target_ns);
    run.info("clock-res-ns", resolution_ns());
    let source = clocksource();
    run.info("guest-cpu", cpu_model());
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    run.info("kernel", release.trim());

    let res = module_rounds(&mut run, s);
    let name = format!(
        "{} and {} loaded and unloaded {} times each (finit_module, delete_module)",
        s.rust.module, s.c.module, s.rounds
    );
    run.check(&name, res);

    // Rust first: the misc core finds a node by walking its list from the
    // newest registration, so the C device, registered last, is found
    // first on open (one list step, in C's favour).
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    for twin in [&s.rust, &s.c] {
        let load = CString::new(twin.ko.as_str())
            .map_err(|_| "bad path".to_string())
            .and_then(|p| open_path(&p, O_RDONLY).map_err(|e| format!("open {}: {e}", twin.ko)))
            .and_then(|fd| {
                let r = finit_module(fd as c_int);
                let _ = close_fd(fd as c_int);
                r.map_err(|e| format!("finit_module {}: {e}", twin.ko))
            });
        match load {
            Ok(_) => loaded.push(twin.module),
            Err(e) => errors.push(e),
        }
    }
    run.info("load-order", format!("{} {}", s.rust.module, s.c.module));
    let all_loaded = errors.is_empty();
    run.check(
        "rust_misc then c_misc loaded for the device rounds",
        if all_loaded {
            Ok(())
        } else {
            Err(errors.join("; "))
        },
    );
    if all_loaded {
        let res = device_phase(&mut run, s);
        run.check("device rounds ran", res);
    }
    let end = clocksource();
    check_clocksource(&mut run, &source, &end);
    run.info("clocksource", &end);
    let mut errors = Vec::new();
    for module in loaded {
        let name = CString::new(module).unwrap_or_default();
        if let Err(e) = delete_module(&name) {
            errors.push(format!("delete_module {module}: {e}"));
        }
    }
    run.check(
        "both modules unloaded at the end",
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        },
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

    fn seen(outcomes: &[i64]) -> Seen {
        Seen {
            outcomes: outcomes.to_vec(),
            uniform: true,
        }
    }

    #[test]
    fn twins_agree_round_by_round() {
        let stats = crate::ops::by_id("ioctl-get-stats").unwrap();
        assert_eq!(agreement(stats, &seen(&[5, 9]), &seen(&[5, 9])), Ok(5));
        assert_eq!(
            agreement(stats, &seen(&[5, 9]), &seen(&[5, 8])),
            Err("round 1: rust 9, c 8".into())
        );
        let read = crate::ops::by_id("read-64").unwrap();
        assert_eq!(
            agreement(read, &seen(&[64, -14]), &seen(&[64, -14])),
            Err("round 1: both -14, expected 64".into())
        );
        let mut odd = seen(&[64]);
        odd.uniform = false;
        assert!(agreement(read, &odd, &seen(&[64])).is_err());
        assert!(agreement(read, &seen(&[]), &seen(&[])).is_err());
    }

    #[test]
    fn rounds_alternate_the_first_device() {
        assert_eq!(order(0), [Side::Rust, Side::C, Side::Floor]);
        assert_eq!(order(1), [Side::C, Side::Rust, Side::Floor]);
        let getppid = crate::ops::by_id("getppid").unwrap();
        assert_eq!(sides(getppid, 1), vec![Side::Floor]);
        let load = crate::ops::by_id("load").unwrap();
        assert_eq!(sides(load, 1), vec![Side::C, Side::Rust]);
    }
}
