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

/// A ratio and its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioCi {
    pub ratio: f64,
    pub lo: f64,
    pub hi: f64,
}

/// The paired ratio a/b over rounds (a[i] and b[i] measured in the same
/// round) with its two-sided `level` confidence interval, a t-interval on
/// the mean of ln(a[i] / b[i]) (see the top of this file). None unless
/// there are at least two pairs, all positive.
pub fn paired_ratio_ci(a: &[f64], b: &[f64], level: f64) -> Option<RatioCi> {
    if a.len() != b.len() || a.len() < 2 || a.iter().chain(b).any(|&x| !(x > 0.0)) {
        return None;
    }
    let logs: Vec<f64> = a.iter().zip(b).map(|(x, y)| (x / y).ln()).collect();
    let m = mean(&logs)?;
    let half = t_quantile(0.5 + level / 2.0, (logs.len() - 1) as f64) * std_dev(&logs)?
        / (logs.len() as f64).sqrt();
    Some(RatioCi {
        ratio: m.exp(),
        lo: (m - half).exp(),
        hi: (m + half).exp(),
    })
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
        let ci = paired_ratio_ci(&rust, &c, 0.95).unwrap();
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
        let ci = paired_ratio_ci(&a, &b, 0.95).unwrap();
        let half = 4.302_652_7 * 0.1 / 3f64.sqrt();
        assert!((ci.ratio - 0.2f64.exp()).abs() < 1e-9);
        assert!((ci.lo - (0.2 - half).exp()).abs() < 1e-6);
        assert!((ci.hi - (0.2 + half).exp()).abs() < 1e-6);
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
        let ci = paired_ratio_ci(&rust, &c, 0.95).unwrap();
        assert!(ci.lo > 1.09 && ci.hi < 1.11, "{ci:?}");
    }

    #[test]
    fn ratio_needs_two_positive_pairs() {
        assert_eq!(paired_ratio_ci(&[1.0], &[1.0], 0.95), None);
        assert_eq!(paired_ratio_ci(&[1.0, 0.0], &[1.0, 1.0], 0.95), None);
        assert_eq!(paired_ratio_ci(&[1.0, 2.0], &[1.0], 0.95), None);
    }

    #[test]
    fn goal_is_time_within_c_over_098() {
        assert!(meets_goal(1.0, 0.98));
        assert!(meets_goal(1.0 / 0.98, 0.98));
        assert!(!meets_goal(1.021, 0.98));
        assert!(meets_goal(0.5, 0.98));
    }
}
