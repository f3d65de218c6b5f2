// SPDX-License-Identifier: GPL-2.0

//! The device rounds of `misc-bench measure`: the calibration of each
//! operation's calls per batch, then the rounds, each on a fresh load of
//! both modules, each operation timed on each side (targets.rs runs the
//! calls), and the result lines saying whether the twins agreed
//! (agreement.rs).

use crate::agreement::{agreement, Seen};
use crate::clock::now_ns;
use crate::measure::{order, Run, Settings};
use crate::module_load::{load_twins, unload_twins};
use crate::ops::{device_rounds, Op};
use crate::raw::{Sample, Side};
use crate::targets::{Device, Floor};

/// What a batch gave: its time, its calls' outcome, and whether every call
/// had that outcome.
pub struct Batch {
    pub ns: u64,
    pub outcome: i64,
    pub uniform: bool,
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

/// Loads both twins, `first` first, runs `f` on them and the floor, then
/// closes everything and unloads both, whatever `f` returned. A fresh load
/// for every round, so that the rounds sample where the modules land
/// (their code, data and buffers) rather than one placement for the whole
/// boot; what all the rounds of a boot share, the boots sample (run.sh).
fn with_twins<T>(
    s: &Settings,
    first: Side,
    f: impl FnOnce(&mut Targets) -> Result<T, String>,
) -> Result<T, String> {
    let twins = if first == Side::C {
        [&s.c, &s.rust]
    } else {
        [&s.rust, &s.c]
    };
    load_twins(twins)?;
    let result = Device::open(s.rust.node).and_then(|rust| {
        let mut t = Targets {
            rust,
            c: Device::open(s.c.node)?,
            floor: Floor::open()?,
            buf: vec![0; 4096],
            fill: (0..4096).map(|i| (i % 251) as u8).collect(),
        };
        f(&mut t)
    });
    // The descriptors are closed: the twins can go.
    let unloaded = unload_twins(&twins);
    let value = result?;
    unloaded.map(|_| value)
}

pub fn device_phase(run: &mut Run, s: &Settings) -> Result<(), String> {
    let ops: Vec<&Op> = device_rounds().collect();
    let calls = with_twins(s, Side::Rust, |t| {
        ops.iter()
            .map(|op| calibrate(t, op, s.target_ns))
            .collect::<Result<Vec<u64>, String>>()
    })?;
    for (op, n) in ops.iter().zip(&calls) {
        run.info(&format!("calls-{}", op.id), n);
    }
    let mut seen = vec![[Seen::default(), Seen::default(), Seen::default()]; ops.len()];
    for round in 0..s.rounds {
        // The twin measured first in the round is loaded first (found
        // last on open): each order in every other round.
        with_twins(s, order(round)[0], |t| {
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
            Ok(())
        })
        .map_err(|e| format!("round {round}: {e}"))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_has_its_sides() {
        let getppid = crate::ops::by_id("getppid").unwrap();
        assert_eq!(sides(getppid, 1), vec![Side::Floor]);
        let load = crate::ops::by_id("load").unwrap();
        assert_eq!(sides(load, 1), vec![Side::C, Side::Rust]);
        let read = crate::ops::by_id("read-1").unwrap();
        assert_eq!(sides(read, 0), vec![Side::Rust, Side::C, Side::Floor]);
    }
}
