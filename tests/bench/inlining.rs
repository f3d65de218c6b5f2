// SPDX-License-Identifier: GPL-2.0

//! What `CONFIG_RUST_INLINE_HELPERS` changes, per operation: `make bench`
//! runs the benchmark on two kernels of the same source that differ only
//! in that option, each in wall-clock time and in instruction counts
//! (QEMU's `-icount`), and this puts the four runs' chart.dat files side
//! by side (`misc-bench inlining`): each operation's Rust/C with the C
//! helpers inlined into the Rust code and without, and how many guest
//! instructions the inlining saves each side.

use crate::report_md::read_chart_data;
use std::fmt::Write as _;

/// One operation's line of a chart.dat (report_md.rs writes them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Line {
    pub rust: f64,
    pub c: f64,
    pub ratio: f64,
    pub lo: f64,
    pub hi: f64,
}

/// The operations of a chart.dat in their order, each with its line;
/// those without both sides (the floor's own, NaN) or that do not parse
/// are left out.
pub fn parse(text: &str) -> Vec<(String, Line)> {
    read_chart_data(text)
        .into_iter()
        .filter_map(|(label, nums)| match nums[..] {
            [rust, c, _, ratio, lo, hi, ..]
                if [rust, c, ratio, lo, hi].iter().all(|v| v.is_finite()) =>
            {
                let line = Line {
                    rust,
                    c,
                    ratio,
                    lo,
                    hi,
                };
                Some((label, line))
            }
            _ => None,
        })
        .collect()
}

/// The four runs of one `make bench`.
pub struct Runs<'a> {
    pub inlined: &'a [(String, Line)],
    pub not_inlined: &'a [(String, Line)],
    pub icount_inlined: &'a [(String, Line)],
    pub icount_not_inlined: &'a [(String, Line)],
}

fn find<'a>(lines: &'a [(String, Line)], label: &str) -> Option<&'a Line> {
    lines.iter().find(|(l, _)| l == label).map(|(_, line)| line)
}

fn ratio(line: Option<&Line>) -> String {
    line.map_or("-".into(), |l| {
        format!("{:.3} [{:.3}, {:.3}]", l.ratio, l.lo, l.hi)
    })
}

/// Instructions per operation, rounded (an icount run's "ns").
fn count(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.0}"))
}

/// What inlining saves: without minus with, in whole instructions (the
/// counts are medians over the rounds, so they may have a fraction).
fn saved(without: Option<f64>, with: Option<f64>) -> String {
    match (without, with) {
        (Some(a), Some(b)) => format!("{:+}", a.round() as i64 - b.round() as i64),
        _ => "-".into(),
    }
}

/// The table, as `#` lines for the terminal and as markdown, for every
/// operation of the inlined kernel's wall-clock run.
pub fn table(runs: &Runs<'_>) -> (Vec<String>, String) {
    let mut md = String::from(
        "| operation | Rust/C, helpers inlined [95% CI] | Rust/C, not inlined [95% CI] \
         | Rust instructions, inlined | not inlined | saved | C instructions, inlined \
         | not inlined | saved |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    let mut lines = vec![format!(
        "# {:<16} {:>24} {:>24} {:>22} {:>22}",
        "operation",
        "Rust/C inlined",
        "Rust/C not inlined",
        "Rust instr in/not/saved",
        "C instr in/not/saved"
    )];
    for (label, with) in runs.inlined {
        let without = find(runs.not_inlined, label);
        let ri = find(runs.icount_inlined, label).map(|l| l.rust);
        let rn = find(runs.icount_not_inlined, label).map(|l| l.rust);
        let ci = find(runs.icount_inlined, label).map(|l| l.c);
        let cn = find(runs.icount_not_inlined, label).map(|l| l.c);
        let _ = writeln!(
            md,
            "| {label} | {} | {} | {} | {} | {} | {} | {} | {} |",
            ratio(Some(with)),
            ratio(without),
            count(ri),
            count(rn),
            saved(rn, ri),
            count(ci),
            count(cn),
            saved(cn, ci)
        );
        lines.push(format!(
            "# {label:<16} {:>24} {:>24} {:>22} {:>22}",
            ratio(Some(with)),
            ratio(without),
            format!("{}/{}/{}", count(ri), count(rn), saved(rn, ri)),
            format!("{}/{}/{}", count(ci), count(cn), saved(cn, ci))
        ));
    }
    (lines, md)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAT: &str = "# label rust_ns c_ns floor_ns rust_over_c ci_lo ci_hi rerun_lo rerun_hi\n\
        \"read 1 B\" 462 417 300 1.108 1.1 1.2 1.0 1.3\n\
        \"getppid\" NaN NaN 202 NaN NaN NaN NaN NaN\n\
        \"module load\" 400000 220000 NaN 1.818 1.7 1.9 1.5 2.1\n";

    #[test]
    fn parse_keeps_the_operations_with_both_sides_in_order() {
        let lines = parse(DAT);
        let labels: Vec<&str> = lines.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["read 1 B", "module load"]);
        assert_eq!(lines[0].1.rust, 462.0);
        assert_eq!(lines[0].1.c, 417.0);
        assert_eq!(lines[0].1.hi, 1.2);
    }

    #[test]
    fn table_shows_what_inlining_saves() {
        let with = parse(DAT);
        let without = parse(&DAT.replace("462 417", "507 417"));
        let (lines, md) = table(&Runs {
            inlined: &with,
            not_inlined: &without,
            icount_inlined: &with,
            icount_not_inlined: &without,
        });
        assert_eq!(lines.len(), 3);
        assert!(lines[1].contains("462/507/+45"), "{}", lines[1]);
        assert!(lines[1].contains("417/417/+0"), "{}", lines[1]);
        assert!(md.contains("| read 1 B | 1.108 [1.100, 1.200] |"), "{md}");
    }

    #[test]
    fn a_missing_run_shows_a_dash() {
        let with = parse(DAT);
        let (lines, _) = table(&Runs {
            inlined: &with,
            not_inlined: &[],
            icount_inlined: &[],
            icount_not_inlined: &[],
        });
        assert!(lines[1].contains("-/-/-"), "{}", lines[1]);
    }
}
