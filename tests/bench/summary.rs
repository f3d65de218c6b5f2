// SPDX-License-Identifier: GPL-2.0

//! The host's reading of a run: the guest's raw lines grouped per
//! operation and side, and each operation's figures (medians, spread, the
//! paired Rust/C ratio with its interval, the ratios to the floor, the
//! goal).

use crate::ops::{Kind, Op, OPS};
use crate::raw::{parse_line, Line, Sample, Side};
use crate::stats::{boot_ratios, boots_ratio_ci, joint_level, meets_goal, spread, RatioCi, Spread};
use std::collections::BTreeMap;

/// The throughput goal: Rust does at least this fraction of C's
/// operations per second.
pub const GOAL_FRACTION: f64 = 0.98;

/// The goals of a module's load and unload: Rust's time at most these
/// times C's.
pub const LOAD_GOAL: f64 = 1.2;
pub const UNLOAD_GOAL: f64 = 1.1;

/// A run as the guest reported it, in one boot or several (each boot's
/// lines after its `bench-boot` line; lines before any are boot 1's).
#[derive(Default)]
pub struct Run {
    /// Each batch, with the boot it ran in.
    pub samples: Vec<(usize, Sample)>,
    pub info: BTreeMap<String, String>,
    /// The boots, in order.
    pub boots: Vec<usize>,
}

pub fn read_run(text: &str) -> Run {
    let mut run = Run::default();
    let mut boot = 1;
    for line in text.lines() {
        match parse_line(line) {
            Some(Line::Sample(s)) => {
                if run.boots.last() != Some(&boot) {
                    run.boots.push(boot);
                }
                run.samples.push((boot, s))
            }
            Some(Line::Info(k, v)) => {
                run.info.insert(k, v);
            }
            Some(Line::Boot(n)) => boot = n,
            None => {}
        }
    }
    run
}

impl Run {
    /// Rounds per boot.
    pub fn rounds(&self) -> Option<usize> {
        self.info.get("rounds")?.parse().ok()
    }

    /// Load/unload rounds per boot (module_rounds.rs).
    pub fn module_rounds(&self) -> Option<usize> {
        self.info.get("module-rounds")?.parse().ok()
    }

    /// Rounds per boot of `op`: the load/unload rounds are the run's
    /// "module-rounds", the rest its "rounds".
    pub fn rounds_of(&self, op: &Op) -> Option<usize> {
        match op.kind {
            Kind::Load | Kind::Unload => self.module_rounds(),
            _ => self.rounds(),
        }
    }

    /// ns/op of `op` on `side`, by boot and round.
    fn per_round(&self, op: &str, side: Side) -> BTreeMap<(usize, usize), f64> {
        self.samples
            .iter()
            .filter(|(_, s)| s.op == op && s.side == side)
            .map(|(boot, s)| ((*boot, s.round), s.ns_per_call()))
            .collect()
    }
}

/// One operation's figures.
pub struct Row {
    pub op: &'static Op,
    /// ns/op per round of each side (Side order), empty when not measured.
    pub rounds: [Vec<f64>; 3],
    pub spread: [Option<Spread>; 3],
    pub ratio: Option<RatioCi>,
    /// Rust/C of each boot (None: that boot has no pairs).
    pub per_boot: Vec<Option<f64>>,
}

impl Row {
    pub fn median(&self, side: Side) -> Option<f64> {
        self.spread[side as usize].map(|s| s.median)
    }

    /// The side's median over the floor's.
    pub fn over_floor(&self, side: Side) -> Option<f64> {
        Some(self.median(side)? / self.median(Side::Floor)?)
    }

    /// PASS or MISS, when there is a ratio: a device operation against
    /// the throughput goal, load and unload against their own.
    pub fn goal(&self) -> Option<&'static str> {
        let r = self.ratio?;
        let fraction = match self.op.kind {
            Kind::Load => 1.0 / LOAD_GOAL,
            Kind::Unload => 1.0 / UNLOAD_GOAL,
            _ => GOAL_FRACTION,
        };
        Some(if meets_goal(r.ratio, fraction) {
            "PASS"
        } else {
            "MISS"
        })
    }

    /// The sides the operation is measured on.
    pub fn expected_sides(&self) -> Vec<Side> {
        Side::ALL
            .into_iter()
            .filter(|&s| match s {
                Side::Floor => self.op.floor.is_some(),
                _ => self.op.twins,
            })
            .collect()
    }
}

/// The level of the confidence intervals, and of the re-run intervals of
/// all the operations with a Rust/C ratio together (stats.rs).
pub const LEVEL: f64 = 0.95;

pub fn rows(run: &Run) -> Vec<Row> {
    let next_level = joint_level(LEVEL, OPS.iter().filter(|op| op.twins).count());
    OPS.iter()
        .map(|op| {
            let by_side = Side::ALL.map(|side| run.per_round(op.id, side));
            let rounds = by_side.clone().map(|m| m.into_values().collect::<Vec<_>>());
            // Pairs, per boot: the rounds both devices have.
            let pairs: Vec<(Vec<f64>, Vec<f64>)> = run
                .boots
                .iter()
                .map(|&boot| {
                    by_side[0]
                        .iter()
                        .filter(|((b, _), _)| *b == boot)
                        .filter_map(|(key, r)| Some((*r, *by_side[1].get(key)?)))
                        .unzip()
                })
                .filter(|(rust, _): &(Vec<f64>, Vec<f64>)| !rust.is_empty())
                .collect();
            Row {
                op,
                spread: rounds.clone().map(|v| spread(&v)),
                rounds,
                ratio: boots_ratio_ci(&pairs, LEVEL, next_level),
                per_boot: if pairs.len() > 1 {
                    boot_ratios(&pairs)
                } else {
                    Vec::new()
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(op: &str, round: usize, side: &str, ns: u64) -> String {
        format!("bench-raw {op} {round} {side} 10 {ns}\n")
    }

    #[test]
    fn rows_pair_the_rounds_and_compare_with_the_floor() {
        let mut text = String::from("bench-info rounds 3\nok bench: x\n");
        for round in 0..3 {
            text += &raw("read-1", round, "rust", 2000 + 100 * round as u64);
            text += &raw("read-1", round, "c", 1000 + 50 * round as u64);
            text += &raw("read-1", round, "floor", 500);
        }
        let run = read_run(&text);
        assert_eq!(run.rounds(), Some(3));
        let rows = rows(&run);
        let row = rows.iter().find(|r| r.op.id == "read-1").unwrap();
        assert_eq!(row.rounds[0], vec![200.0, 210.0, 220.0]);
        assert_eq!(row.median(Side::C), Some(105.0));
        let ratio = row.ratio.unwrap();
        assert!((ratio.ratio - 2.0).abs() < 1e-9 && (ratio.hi - 2.0).abs() < 1e-9);
        assert_eq!(row.over_floor(Side::Rust), Some(210.0 / 50.0));
        assert_eq!(row.goal(), Some("MISS"));
        let getppid = rows.iter().find(|r| r.op.id == "getppid").unwrap();
        assert_eq!(getppid.expected_sides(), vec![Side::Floor]);
        assert!(getppid.ratio.is_none() && getppid.goal().is_none());
    }

    #[test]
    fn load_and_unload_have_goals_of_their_own() {
        // Rust 1.15 x C on all three: a MISS for a device operation, a PASS
        // for a load (goal 1.2), a MISS for an unload (goal 1.1).
        let mut text = String::from("bench-info rounds 2\nbench-info module-rounds 2\n");
        for round in 0..2 {
            for op in ["read-1", "load", "unload"] {
                text += &raw(op, round, "rust", 1150);
                text += &raw(op, round, "c", 1000);
            }
        }
        let run = read_run(&text);
        let rows = rows(&run);
        let goal = |id: &str| rows.iter().find(|r| r.op.id == id).unwrap().goal();
        assert_eq!(goal("read-1"), Some("MISS"));
        assert_eq!(goal("load"), Some("PASS"));
        assert_eq!(goal("unload"), Some("MISS"));
    }
}
