// SPDX-License-Identifier: GPL-2.0

//! The host's reading of a run: the guest's raw lines grouped per
//! operation and side, and each operation's figures (medians, spread, the
//! paired Rust/C ratio with its interval, the ratios to the floor, the
//! goal).

use crate::ops::{Op, OPS};
use crate::raw::{parse_line, Line, Sample, Side};
use crate::stats::{meets_goal, paired_ratio_ci, spread, RatioCi, Spread};
use std::collections::BTreeMap;

/// The throughput goal: Rust does at least this fraction of C's
/// operations per second.
pub const GOAL_FRACTION: f64 = 0.98;

/// A run as the guest reported it.
#[derive(Default)]
pub struct Run {
    pub samples: Vec<Sample>,
    pub info: BTreeMap<String, String>,
}

pub fn read_run(text: &str) -> Run {
    let mut run = Run::default();
    for line in text.lines() {
        match parse_line(line) {
            Some(Line::Sample(s)) => run.samples.push(s),
            Some(Line::Info(k, v)) => {
                run.info.insert(k, v);
            }
            None => {}
        }
    }
    run
}

impl Run {
    pub fn rounds(&self) -> Option<usize> {
        self.info.get("rounds")?.parse().ok()
    }

    /// ns/op of `op` on `side`, by round.
    fn per_round(&self, op: &str, side: Side) -> BTreeMap<usize, f64> {
        self.samples
            .iter()
            .filter(|s| s.op == op && s.side == side)
            .map(|s| (s.round, s.ns_per_call()))
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
}

impl Row {
    pub fn median(&self, side: Side) -> Option<f64> {
        self.spread[side as usize].map(|s| s.median)
    }

    /// The side's median over the floor's.
    pub fn over_floor(&self, side: Side) -> Option<f64> {
        Some(self.median(side)? / self.median(Side::Floor)?)
    }

    /// PASS or MISS, when there is a ratio.
    pub fn goal(&self) -> Option<&'static str> {
        let r = self.ratio?;
        Some(if meets_goal(r.ratio, GOAL_FRACTION) {
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

pub fn rows(run: &Run) -> Vec<Row> {
    OPS.iter()
        .map(|op| {
            let by_side = Side::ALL.map(|side| run.per_round(op.id, side));
            let rounds = by_side.clone().map(|m| m.into_values().collect::<Vec<_>>());
            // Pairs: the rounds both devices have.
            let (rust, c): (Vec<f64>, Vec<f64>) = by_side[0]
                .iter()
                .filter_map(|(round, r)| Some((*r, *by_side[1].get(round)?)))
                .unzip();
            Row {
                op,
                spread: rounds.clone().map(|v| spread(&v)),
                rounds,
                ratio: paired_ratio_ci(&rust, &c, 0.95),
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
}
