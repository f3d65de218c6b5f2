// SPDX-License-Identifier: GPL-2.0

//! Quantiles of Student's t distribution, for the confidence intervals of
//! stats.rs: the distribution function through the regularized incomplete
//! beta function, inverted by bisection. Pure functions, host-tested.

/// ln Γ(x) for x > 0 (Lanczos approximation, g = 7, 9 terms; relative
/// error below 1e-13 in the range used here).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 - x) = π / sin(π x).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The continued fraction of the incomplete beta function (modified
/// Lentz's method), valid for x < (a + 1) / (a + b + 2).
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut f = d;
    for m in 1..=300 {
        let m = m as f64;
        // The even step d_{2m}, then the odd step d_{2m+1}.
        for num in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + num * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + num / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            f *= c * d;
        }
        if (c * d - 1.0).abs() < 1e-15 {
            break;
        }
    }
    f
}

/// The regularized incomplete beta function I_x(a, b), 0 ≤ x ≤ 1.
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

/// P(T ≤ t) for Student's t with `df` degrees of freedom.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t));
    if t >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// The `p` quantile of Student's t with `df` degrees of freedom, for
/// 0.5 ≤ p < 1 (the upper quantiles a two-sided interval needs), to 1e-9.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    assert!((0.5..1.0).contains(&p) && df > 0.0, "t_quantile({p}, {df})");
    let (mut lo, mut hi) = (0.0, 1.0);
    while t_cdf(hi, df) < p {
        hi *= 2.0;
    }
    while hi - lo > 1e-10 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    // Values of the standard tables (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
    #[test]
    fn t_quantile_matches_the_tables() {
        for (df, want) in [
            (1.0, 12.706_204_7),
            (2.0, 4.302_652_7),
            (4.0, 2.776_445_1),
            (9.0, 2.262_157_2),
            (29.0, 2.045_229_6),
            (39.0, 2.022_690_9),
            (1000.0, 1.962_339_4),
        ] {
            let got = t_quantile(0.975, df);
            assert!(close(got, want, 1e-6), "df {df}: {got} != {want}");
        }
        assert!(close(t_quantile(0.95, 10.0), 1.812_461_1, 1e-6));
        assert!(close(t_quantile(0.5, 7.0), 0.0, 1e-9));
    }

    #[test]
    fn t_cdf_is_symmetric_and_monotonic() {
        let mut last = 0.0;
        for i in -40..=40 {
            let t = i as f64 / 4.0;
            let p = t_cdf(t, 5.0);
            assert!(p >= last, "not monotonic at {t}");
            assert!(close(p + t_cdf(-t, 5.0), 1.0, 1e-12), "asymmetric at {t}");
            last = p;
        }
        assert!(close(t_cdf(0.0, 3.0), 0.5, 1e-12));
    }

    #[test]
    fn ln_gamma_of_known_values() {
        assert!(close(ln_gamma(1.0), 0.0, 1e-12));
        assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-12));
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-12
        ));
    }
}
