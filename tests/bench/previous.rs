// SPDX-License-Identifier: GPL-2.0

//! The previous run of the same output folder, read back from its
//! chart.dat (report_md.rs writes it): does this run's Rust/C ratio of each
//! operation fall within the previous run's re-run interval (stats.rs: where
//! another run's ratio should fall, 95 times in 100)? Under TCG that is the
//! test of whether the intervals mean anything from one run to the next.

use crate::report_md::{read_chart_data, CHART_DATA_DECIMALS};
use crate::stats::RatioCi;
use crate::summary::Row;
use std::collections::HashMap;

/// The ratios of chart.dat, by operation label; lines without a ratio
/// (NaN) or that do not parse are left out.
pub fn parse_chart_data(text: &str) -> HashMap<String, RatioCi> {
    let mut ratios = HashMap::new();
    for (label, nums) in read_chart_data(text) {
        if let [_, _, _, ratio, lo, hi, next_lo, next_hi] = nums[..] {
            let ci = RatioCi {
                ratio,
                lo,
                hi,
                next_lo,
                next_hi,
            };
            if [ratio, lo, hi, next_lo, next_hi]
                .iter()
                .all(|v| v.is_finite())
            {
                ratios.insert(label, ci);
            }
        }
    }
    ratios
}

/// How far a number read back from chart.dat may be from the one written:
/// half its last decimal.
fn chart_data_rounding() -> f64 {
    0.5 / 10f64.powi(CHART_DATA_DECIMALS as i32)
}

/// For each operation with a ratio in both runs: its label, this run's
/// ratio, the previous run's intervals, and whether the ratio lies in its
/// re-run interval (as read back, so within chart.dat's rounding of its
/// ends: with instruction counts the interval is a point, 1.002 to 1.002,
/// and the same ratio again, 1.00213, lies in it).
pub fn compare(
    rows: &[Row],
    previous: &HashMap<String, RatioCi>,
) -> Vec<(String, f64, RatioCi, bool)> {
    rows.iter()
        .filter_map(|row| {
            let now = row.ratio?.ratio;
            let before = *previous.get(row.op.label)?;
            Some((
                row.op.label.to_string(),
                now,
                before,
                (before.next_lo - chart_data_rounding()..=before.next_hi + chart_data_rounding())
                    .contains(&now),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report_md::chart_data;
    use crate::summary::{read_run, rows};

    /// The rows of a run of two rounds of `read 1 B`, one call per batch:
    /// `rust` ns in each round, `c` ns in both.
    fn read_1_rows(rust: [u64; 2], c: u64) -> Vec<Row> {
        let mut text = String::from("bench-info rounds 2\n");
        for (round, ns) in rust.iter().enumerate() {
            text += &format!("bench-raw read-1 {round} rust 1 {ns}\n");
            text += &format!("bench-raw read-1 {round} c 1 {c}\n");
        }
        rows(&read_run(&text))
    }

    #[test]
    fn chart_data_reads_back() {
        let rows = read_1_rows([110, 120], 100);
        let dat = chart_data(&rows);
        let back = parse_chart_data(&dat);
        assert_eq!(back.len(), 1, "{dat}");
        let ci = back["read 1 B"];
        let want = rows[0].ratio.unwrap();
        assert!((ci.ratio - want.ratio).abs() < 1e-3 && (ci.hi - want.hi).abs() < 1e-3);
        assert!((ci.next_lo - want.next_lo).abs() < 1e-3);

        let cmp = compare(&rows, &back);
        assert_eq!(cmp.len(), 1);
        assert!(cmp[0].3, "a run lies within its own interval");
        let mut narrow = back.clone();
        narrow.insert(
            "read 1 B".into(),
            RatioCi {
                ratio: 2.0,
                lo: 1.9,
                hi: 2.1,
                next_lo: 1.85,
                next_hi: 2.15,
            },
        );
        assert!(!compare(&rows, &narrow)[0].3);
    }

    #[test]
    fn a_point_interval_holds_its_own_ratio() {
        // Instruction counts: every round the same, so the re-run interval
        // is the ratio itself, written with three decimals.
        let rows = read_1_rows([100213, 100213], 100000);
        let back = parse_chart_data(&chart_data(&rows));
        assert_eq!(back["read 1 B"].next_lo, 1.002);
        assert!(
            compare(&rows, &back)[0].3,
            "the same ratio again lies within"
        );
        let mut moved = back.clone();
        moved.insert(
            "read 1 B".into(),
            RatioCi {
                next_lo: 1.004,
                next_hi: 1.004,
                ..back["read 1 B"]
            },
        );
        assert!(!compare(&rows, &moved)[0].3, "0.002 away is outside");
    }
}
