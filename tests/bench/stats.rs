// SPDX-License-Identifier: GPL-2.0

//! The benchmark's statistics, pure functions tested on the host: medians
//! and quartiles of the rounds' ns/op, and the paired confidence interval
//! of the Rust/C ratio.
//!
//! The ratio: each round measured both devices back to back, so the rounds
//! are pairs. With d_i = ln(rust_i / c_i), the ratio is exp(mean d) (the
//! geometric mean of the rounds' ratios) and its 95% confidence interval
//! exp(mean d ± t(0.975, n - 1) · sd(d) / √n), a t-interval on the mean
//! log-ratio: logs make the ratio symmetric (1/2 and 2 are as far from 1)
//! and the round-to-round noise of a shared, emulated machine cancels
//! within each pair.
//!
//! Several boots: under TCG a boot has a cost of its own for each path
//! (where QEMU put the translated code, how the guest laid itself out),
//! which its rounds share and the next boot does not, so rounds of one
//! boot cannot tell how far another run may land. With two boots or more
//! the unit is the boot: d_b = the median of ln(rust/C) over boot b's
//! rounds, and the t-interval is taken over the d_b (boots − 1 degrees of
//! freedom). The median, because the host interrupts the emulator now and
//! then: a batch it hits takes several times as long, and one such round
//! among six would move a boot's mean by a tenth but not its median. With
//! one boot the interval is taken over the rounds, as above.
//!
//! Beside the confidence interval of the ratio, each ratio carries its
//! re-run interval: where another run of the same size should put its
//! ratio, exp(mean d ± t · sd(d) · √(1/n + 1/n)), the prediction interval
//! for the mean of n new units. A confidence interval is the wrong
//! yardstick for that (two runs of equal spread: the second's ratio falls
//! inside the first's 95% interval only 83 times in 100). The re-run
//! intervals of a run are joint: all of the next run's ratios should fall
//! in theirs at once, 95 times in 100, so each is taken at the level
//! joint_level() gives (Bonferroni over the operations).

use crate::student_t::t_quantile;

/// The `q` quantile (0 ≤ q ≤ 1) of `xs` by linear interpolation between
/// the order statistics (R's type 7, numpy's default); None when empty.
pub fn quantile(xs: &[f64], q: f64) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

pub fn median(xs: &[f64]) -> Option<f64> {
    quantile(xs, 0.5)
}

pub fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

/// The sample standard deviation (n - 1 in the denominator); None below
/// two values.
pub fn std_dev(xs: &[f64]) -> Option<f64> {
    let m = mean(xs)?;
    (xs.len() >= 2).then(|| {
        let ss: f64 = xs.iter().map(|x| (x - m) * (x - m)).sum();
        (ss / (xs.len() - 1) as f64).sqrt()
    })
}

/// The spread of one side's rounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub min: f64,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    pub max: f64,
}

pub fn spread(xs: &[f64]) -> Option<Spread> {
    Some(Spread {
        min: quantile(xs, 0.0)?,
        q1: quantile(xs, 0.25)?,
        median: median(xs)?,
        q3: quantile(xs, 0.75)?,
        max: quantile(xs, 1.0)?,
    })
}

/// A ratio, its confidence interval, and its re-run interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioCi {
    pub ratio: f64,
    pub lo: f64,
    pub hi: f64,
    pub next_lo: f64,
    pub next_hi: f64,
}

/// The level of each of `count` intervals that hold all at once with
/// probability at least `level` (Bonferroni).
pub fn joint_level(level: f64, count: usize) -> f64 {
    1.0 - (1.0 - level) / count.max(1) as f64
}

/// The ratio exp(mean) of logs, one per unit (round or boot), with its
/// two-sided `level` confidence interval and `next_level` re-run interval;
/// None below two.
fn log_interval(logs: &[f64], level: f64, next_level: f64) -> Option<RatioCi> {
    let n = logs.len() as f64;
    let (m, sd) = (mean(logs)?, std_dev(logs)?);
    let t = |level: f64| t_quantile(0.5 + level / 2.0, n - 1.0) * sd;
    let (half, next) = (t(level) / n.sqrt(), t(next_level) * (2.0 / n).sqrt());
    Some(RatioCi {
        ratio: m.exp(),
        lo: (m - half).exp(),
        hi: (m + half).exp(),
        next_lo: (m - next).exp(),
        next_hi: (m + next).exp(),
    })
}

/// ln(a[i] / b[i]) of each pair; None unless the lengths match and every
/// value is positive.
fn pair_logs(a: &[f64], b: &[f64]) -> Option<Vec<f64>> {
    if a.len() != b.len() || a.iter().chain(b).any(|&x| !(x > 0.0)) {
        return None;
    }
    Some(a.iter().zip(b).map(|(x, y)| (x / y).ln()).collect())
}

/// The paired ratio a/b over rounds (a[i] and b[i] measured in the same
/// round) with its two-sided `level` confidence interval, a t-interval on
/// the mean of ln(a[i] / b[i]) (see the top of this file). None unless
/// there are at least two pairs, all positive.
pub fn paired_ratio_ci(a: &[f64], b: &[f64], level: f64, next_level: f64) -> Option<RatioCi> {
    log_interval(&pair_logs(a, b)?, level, next_level)
}

/// The ratio of each boot: exp(median ln(a/b) over its rounds); None for a
/// boot without pairs or with a value that is not positive.
pub fn boot_ratios(boots: &[(Vec<f64>, Vec<f64>)]) -> Vec<Option<f64>> {
    boots
        .iter()
        .map(|(a, b)| Some(median(&pair_logs(a, b)?)?.exp()))
        .collect()
}

/// The paired ratio over boots (see the top of this file): `boots[k]` holds
/// boot k's rounds of each side. Two boots or more: the interval over the
/// boots' mean log-ratios, None if a boot has no valid pairs; one boot:
/// paired_ratio_ci of its rounds.
pub fn boots_ratio_ci(
    boots: &[(Vec<f64>, Vec<f64>)],
    level: f64,
    next_level: f64,
) -> Option<RatioCi> {
    match boots {
        [(a, b)] => paired_ratio_ci(a, b, level, next_level),
        _ => {
            let logs: Option<Vec<f64>> = boot_ratios(boots)
                .into_iter()
                .map(|r| r.map(f64::ln))
                .collect();
            log_interval(&logs?, level, next_level)
        }
    }
}

/// The throughput goal: Rust does at least `fraction` of C's operations
/// per second, i.e. its time per operation is at most C's / `fraction`.
pub fn meets_goal(rust_over_c: f64, fraction: f64) -> bool {
    rust_over_c <= 1.0 / fraction
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[7.0]), Some(7.0));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn quartiles_interpolate_like_type_7() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        let s = spread(&xs).unwrap();
        assert!(close(s.q1, 3.25) && close(s.q3, 7.75), "{s:?}");
        assert_eq!((s.min, s.median, s.max), (1.0, 5.5, 10.0));
    }

    #[test]
    fn std_dev_of_a_known_sample() {
        // Sum of squares 32 over 7 degrees of freedom.
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert!(close(std_dev(&xs).unwrap(), (32.0f64 / 7.0).sqrt()));
        assert_eq!(std_dev(&[1.0]), None);
    }

    #[test]
    fn constant_ratio_has_a_zero_width_interval() {
        let c = [100.0, 120.0, 90.0, 110.0];
        let rust: Vec<f64> = c.iter().map(|x| x * 1.25).collect();
        let ci = paired_ratio_ci(&rust, &c, 0.95, 0.95).unwrap();
        assert!(close(ci.ratio, 1.25) && close(ci.lo, 1.25) && close(ci.hi, 1.25));
    }

    #[test]
    fn interval_of_known_log_ratios() {
        // ln ratios 0.1, 0.2, 0.3: mean 0.2, sd 0.1, t(0.975, 2) = 4.302653.
        let b = [10.0, 20.0, 30.0];
        let a: Vec<f64> = b
            .iter()
            .zip([0.1f64, 0.2, 0.3])
            .map(|(x, l)| x * l.exp())
            .collect();
        let ci = paired_ratio_ci(&a, &b, 0.95, 0.95).unwrap();
        let half = 4.302_652_7 * 0.1 / 3f64.sqrt();
        assert!((ci.ratio - 0.2f64.exp()).abs() < 1e-9);
        assert!((ci.lo - (0.2 - half).exp()).abs() < 1e-6);
        assert!((ci.hi - (0.2 + half).exp()).abs() < 1e-6);
        // At the same level, the re-run half-width is √2 times as wide.
        assert!((ci.next_lo - (0.2 - half * 2f64.sqrt()).exp()).abs() < 1e-6);
        assert!((ci.next_hi - (0.2 + half * 2f64.sqrt()).exp()).abs() < 1e-6);
    }

    #[test]
    fn pairing_cancels_noise_shared_by_a_round() {
        // Each round is 1x, 3x or 10x slower for both sides alike: the
        // paired interval stays tight around 1.1.
        let c = [100.0, 300.0, 1000.0, 100.0, 300.0, 1000.0];
        let rust: Vec<f64> = c
            .iter()
            .enumerate()
            .map(|(i, x)| x * (1.1 + 0.001 * i as f64))
            .collect();
        let ci = paired_ratio_ci(&rust, &c, 0.95, 0.95).unwrap();
        assert!(ci.lo > 1.09 && ci.hi < 1.11, "{ci:?}");
    }

    #[test]
    fn boots_are_the_unit_when_there_are_several() {
        // Boot 1: every round 1.1; boot 2: every round 1.3. Over rounds the
        // interval would be tight around each; over boots it is wide and
        // centred on their geometric mean.
        let c = vec![100.0, 100.0, 100.0];
        let boot = |r: f64| (c.iter().map(|x| x * r).collect::<Vec<f64>>(), c.clone());
        let boots = [boot(1.1), boot(1.3)];
        let per_boot = boot_ratios(&boots);
        assert!((per_boot[0].unwrap() - 1.1).abs() < 1e-9);
        let ci = boots_ratio_ci(&boots, 0.95, 0.95).unwrap();
        assert!((ci.ratio - (1.1f64 * 1.3).sqrt()).abs() < 1e-9, "{ci:?}");
        // sd of ln 1.1, ln 1.3 over 1 df, t(0.975, 1) = 12.706.
        let d = (1.3f64.ln() - 1.1f64.ln()).abs();
        let half = 12.706_204 * (d / 2f64.sqrt()) / 2f64.sqrt();
        assert!((ci.hi.ln() - (ci.ratio.ln() + half)).abs() < 1e-4, "{ci:?}");
        // A round the host interrupted (C three times slower) does not
        // move its boot's ratio.
        let (mut rust, mut c2) = boot(1.1);
        rust.push(110.0);
        c2.push(330.0);
        assert!((boot_ratios(&[(rust, c2)])[0].unwrap() - 1.1).abs() < 1e-9);
        // One boot: its rounds are the unit.
        let one = boots_ratio_ci(&boots[..1], 0.95, 0.95).unwrap();
        assert!((one.lo - 1.1).abs() < 1e-9 && (one.hi - 1.1).abs() < 1e-9);
        // A boot without pairs leaves no interval.
        let broken = [boot(1.1), (vec![], vec![])];
        assert_eq!(boots_ratio_ci(&broken, 0.95, 0.95), None);
    }

    #[test]
    fn joint_rerun_intervals_are_wider() {
        // Five rounds: t(0.9975, 4) = 5.598 (a 99.5% two-sided table
        // value), the level of each of 10 joint 95% intervals.
        assert!((joint_level(0.95, 10) - 0.995).abs() < 1e-12);
        let b = [10.0, 20.0, 30.0, 40.0, 50.0];
        let logs = [0.1f64, 0.2, 0.3, 0.2, 0.2];
        let a: Vec<f64> = b.iter().zip(logs).map(|(x, l)| x * l.exp()).collect();
        let ci = paired_ratio_ci(&a, &b, 0.95, joint_level(0.95, 10)).unwrap();
        let sd = std_dev(&logs).unwrap();
        let next = 5.597_568 * sd * (2.0f64 / 5.0).sqrt();
        assert!((ci.next_hi.ln() - (0.2 + next)).abs() < 1e-5, "{ci:?}");
    }

    #[test]
    fn ratio_needs_two_positive_pairs() {
        assert_eq!(paired_ratio_ci(&[1.0], &[1.0], 0.95, 0.95), None);
        assert_eq!(paired_ratio_ci(&[1.0, 0.0], &[1.0, 1.0], 0.95, 0.95), None);
        assert_eq!(paired_ratio_ci(&[1.0, 2.0], &[1.0], 0.95, 0.95), None);
    }

    #[test]
    fn goal_is_time_within_c_over_098() {
        assert!(meets_goal(1.0, 0.98));
        assert!(meets_goal(1.0 / 0.98, 0.98));
        assert!(!meets_goal(1.021, 0.98));
        assert!(meets_goal(0.5, 0.98));
    }
}
