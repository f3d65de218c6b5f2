// SPDX-License-Identifier: GPL-2.0

//! The host's report (`misc-bench report`): result lines and the table on
//! the terminal (the workspace's KTAP conventions: `ok NAME`,
//! `not ok NAME # WHY`, `# ...`; tests/ktap-report.sh numbers them),
//! report.md and the chart's data file (report_md.rs).

use crate::raw::Side;
use crate::sections::Sizes;
use crate::stats::RatioCi;
use crate::summary::{Row, Run, GOAL_FRACTION, LOAD_GOAL, UNLOAD_GOAL};

/// A twin's module file and its `llvm-size -A` output.
pub struct Module {
    pub name: String,
    pub ko_bytes: u64,
    pub sizes: Result<Sizes, String>,
}

/// ns with a precision that suits its size.
pub fn fmt_ns(ns: Option<f64>) -> String {
    match ns {
        None => "-".into(),
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
    }
}

pub fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{r:.3}"))
}

pub fn fmt_ci(row: &Row) -> String {
    row.ratio.map_or("-".into(), |r| {
        format!("{:.3} [{:.3}, {:.3}]", r.ratio, r.lo, r.hi)
    })
}

/// "R rounds", or "R rounds of each of B boots"; with load/unload rounds
/// of another number M, "(module load and unload: M)" after it.
pub fn rounds_text(run: &Run) -> String {
    let text = n_rounds_text(run, run.rounds().unwrap_or(0));
    match run.module_rounds() {
        Some(m) if Some(m) != run.rounds() => format!("{text} (module load and unload: {m})"),
        _ => text,
    }
}

/// "R rounds", or "R rounds of each of B boots".
fn n_rounds_text(run: &Run, rounds: usize) -> String {
    match run.boots.len() {
        0 | 1 => format!("{rounds} rounds"),
        boots => format!("{rounds} rounds of each of {boots} boots"),
    }
}

/// An interval of ratios, "[lo, hi]": three decimals, or two significant
/// digits with an exponent for a bound beyond them (the re-run interval of
/// a run of two boots, one degree of freedom, can span 1e-30 to 1e30).
pub fn fmt_interval(lo: f64, hi: f64) -> String {
    let bound = |v: f64| {
        if (0.001..1000.0).contains(&v) {
            format!("{v:.3}")
        } else {
            format!("{v:.1e}")
        }
    };
    format!("[{}, {}]", bound(lo), bound(hi))
}

/// The re-run interval and each boot's ratio, for the table's notes.
pub fn fmt_next(row: &Row) -> Option<String> {
    let r = row.ratio?;
    let boots: Vec<String> = row.per_boot.iter().map(|b| fmt_ratio(*b)).collect();
    let mut text = format!("re-run {}", fmt_interval(r.next_lo, r.next_hi));
    if !boots.is_empty() {
        text += &format!("  per boot {}", boots.join(" "));
    }
    Some(text)
}

/// The result line of one operation: every side it is measured on has a
/// positive ns/op in each round of each boot.
fn measured_line(row: &Row, run: &Run) -> String {
    let per_boot = run.rounds_of(row.op).unwrap_or(0);
    let rounds = per_boot * run.boots.len().max(1);
    let mut problems = Vec::new();
    let sides = row.expected_sides();
    for &side in &sides {
        let v = &row.rounds[side as usize];
        if v.len() != rounds {
            problems.push(format!("{}: {} of {rounds} batches", side.name(), v.len()));
        } else if v.iter().any(|&x| !(x > 0.0)) {
            problems.push(format!("{}: a round without a positive time", side.name()));
        }
    }
    let names: Vec<&str> = sides.iter().map(|s| s.name()).collect();
    let name = format!(
        "bench: {}: ns/op of {} in each of {}",
        row.op.id,
        names.join(", "),
        n_rounds_text(run, per_boot)
    );
    if rounds == 0 {
        format!("not ok {name} # the run reported no rounds")
    } else if problems.is_empty() {
        format!("ok {name}")
    } else {
        format!("not ok {name} # {}", problems.join("; "))
    }
}

/// The terminal's part: result lines and `#` tables.
/// The cells of a row of the results table, in the order of its columns:
/// operation, Rust ns, C ns, Rust/C [95% CI], goal, Rust/floor, C/floor,
/// floor ns, floor (the terminal's table and report.md show the same).
pub fn table_cells(row: &Row) -> [String; 9] {
    [
        row.op.label.to_string(),
        fmt_ns(row.median(Side::Rust)),
        fmt_ns(row.median(Side::C)),
        fmt_ci(row),
        row.goal().unwrap_or("-").to_string(),
        fmt_ratio(row.over_floor(Side::Rust)),
        fmt_ratio(row.over_floor(Side::C)),
        fmt_ns(row.median(Side::Floor)),
        row.op.floor.unwrap_or("-").to_string(),
    ]
}

pub fn terminal(run: &Run, rows: &[Row], modules: &[Module]) -> Vec<String> {
    let mut out: Vec<String> = rows.iter().map(|r| measured_line(r, run)).collect();
    for m in modules {
        out.push(match &m.sizes {
            Ok(s) => format!(
                "ok bench: {}.ko section sizes (llvm-size -A): text {}, rodata {}, data {}, bss {}",
                m.name, s.text, s.rodata, s.data, s.bss
            ),
            Err(e) => format!(
                "not ok bench: {}.ko section sizes (llvm-size -A) # {e}",
                m.name
            ),
        });
    }
    let head = format!(
        "{:<16} {:>9} {:>9} {:>25} {:>5} {:>8} {:>8} {:>9}  floor",
        "operation", "rust ns", "C ns", "Rust/C [95% CI]", "goal", "rust/fl", "C/fl", "floor ns"
    );
    out.push(format!("# {head}"));
    for row in rows {
        let [op, rust, c, ci, goal, rust_fl, c_fl, floor_ns, floor] = table_cells(row);
        out.push(format!(
            "# {op:<16} {rust:>9} {c:>9} {ci:>25} {goal:>5} {rust_fl:>8} {c_fl:>8} {floor_ns:>9}  {floor}"
        ));
    }
    out.push(format!(
        "# re-run intervals: where another run of this size should put its Rust/C \
         ratios, all at once 95 times in 100{}",
        if run.boots.len() > 1 {
            ", and each boot's Rust/C"
        } else {
            " (one boot: from its rounds alone, what varies between boots is not in it)"
        }
    ));
    for row in rows {
        if let Some(next) = fmt_next(row) {
            out.push(format!("# {:<16} {next}", row.op.label));
        }
    }
    out.push(format!(
        "# spread per side, ns/op: min .. max (IQR q1-q3), over {}",
        rounds_text(run)
    ));
    for row in rows {
        let cells: Vec<String> = Side::ALL
            .iter()
            .map(|&side| match row.spread[side as usize] {
                Some(s) => format!(
                    "{} {}..{} ({}-{})",
                    side.name(),
                    fmt_ns(Some(s.min)),
                    fmt_ns(Some(s.max)),
                    fmt_ns(Some(s.q1)),
                    fmt_ns(Some(s.q3))
                ),
                None => String::new(),
            })
            .filter(|c| !c.is_empty())
            .collect();
        out.push(format!("# {:<16} {}", row.op.label, cells.join("  ")));
    }
    for m in modules {
        if let Ok(s) = &m.sizes {
            out.push(format!(
                "# {}.ko: {} bytes; text {} rodata {} data {} bss {}",
                m.name, m.ko_bytes, s.text, s.rodata, s.data, s.bss
            ));
        }
    }
    let goals: Vec<&str> = rows.iter().filter_map(|r| r.goal()).collect();
    let pass = goals.iter().filter(|g| **g == "PASS").count();
    out.push(format!(
        "# goals (Rust >= {GOAL_FRACTION} x C throughput, i.e. rust ns <= C ns / {GOAL_FRACTION}; \
         module load rust <= {LOAD_GOAL} x C, unload <= {UNLOAD_GOAL} x C): \
         {pass} PASS, {} MISS; a MISS is a target not reached, not a failure",
        goals.len() - pass
    ));
    out.push(
        "# under TCG (emulated CPU) only ratios within one run mean anything, not absolute times"
            .into(),
    );
    out
}

/// `#` lines: this run's ratios against the previous run's re-run
/// intervals.
pub fn against_previous(cmp: &[(String, f64, RatioCi, bool)]) -> Vec<String> {
    if cmp.is_empty() {
        return vec![
            "# against the previous run: no ratio to compare (its chart.dat has none \
                     with a re-run interval)"
                .into(),
        ];
    }
    let within = cmp.iter().filter(|c| c.3).count();
    let mut out = vec![format!(
        "# against the previous run: {within} of {} Rust/C ratios within its re-run intervals \
         (all within 95 times in 100)",
        cmp.len()
    )];
    for (label, now, before, inside) in cmp {
        out.push(format!(
            "#   {label:<16} {now:.3}, previous {:.3} re-run {}: {}",
            before.ratio,
            fmt_interval(before.next_lo, before.next_hi),
            if *inside { "within" } else { "outside" }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{read_run, rows};

    #[test]
    fn a_missing_side_or_round_fails_its_line() {
        let mut text = String::from("bench-info rounds 2\n");
        for round in 0..2 {
            text += &format!("bench-raw read-1 {round} rust 10 100\n");
            text += &format!("bench-raw read-1 {round} floor 10 50\n");
        }
        text += "bench-raw read-1 0 c 10 90\n";
        let run = read_run(&text);
        let rows = rows(&run);
        let lines = terminal(&run, &rows, &[]);
        let read = lines.iter().find(|l| l.contains("bench: read-1:")).unwrap();
        assert_eq!(
            read,
            "not ok bench: read-1: ns/op of rust, c, floor in each of 2 rounds # c: 1 of 2 batches"
        );
        assert!(lines
            .iter()
            .any(|l| l.starts_with("not ok bench: getppid:")));
    }

    #[test]
    fn a_full_operation_passes_its_line() {
        let mut text = String::from("bench-info rounds 2\n");
        for round in 0..2 {
            text += &format!("bench-raw getppid {round} floor 10 100\n");
        }
        let run = read_run(&text);
        let lines = terminal(&run, &rows(&run), &[]);
        assert!(
            lines.contains(&"ok bench: getppid: ns/op of floor in each of 2 rounds".to_string())
        );
    }

    #[test]
    fn loads_count_against_the_module_rounds() {
        let mut text = String::from("bench-info rounds 1\nbench-info module-rounds 3\n");
        for round in 0..3 {
            text += &format!("bench-raw load {round} rust 1 1000\n");
            text += &format!("bench-raw load {round} c 1 900\n");
        }
        text += "bench-raw unload 0 rust 1 500\nbench-raw unload 0 c 1 450\n";
        let run = read_run(&text);
        let lines = terminal(&run, &rows(&run), &[]);
        assert!(lines.contains(&"ok bench: load: ns/op of rust, c in each of 3 rounds".to_string()));
        assert!(lines.contains(
            &"not ok bench: unload: ns/op of rust, c in each of 3 rounds # rust: 1 of 3 batches; c: 1 of 3 batches"
                .to_string()
        ));
        assert_eq!(rounds_text(&run), "1 rounds (module load and unload: 3)");
    }

    #[test]
    fn intervals_stay_readable() {
        assert_eq!(fmt_interval(0.9876, 1.23456), "[0.988, 1.235]");
        assert_eq!(fmt_interval(1.5e-7, 2.0e131), "[1.5e-7, 2.0e131]");
    }

    #[test]
    fn every_boot_counts() {
        let mut text = String::from("bench-info rounds 2\n");
        for boot in 1..=2 {
            text += &format!("bench-boot {boot}\n");
            for round in 0..2 {
                if boot == 1 || round == 0 {
                    text += &format!("bench-raw getppid {round} floor 10 100\n");
                }
            }
        }
        let run = read_run(&text);
        let lines = terminal(&run, &rows(&run), &[]);
        assert!(lines.contains(
            &"not ok bench: getppid: ns/op of floor in each of 2 rounds of each of 2 boots \
              # floor: 3 of 4 batches"
                .to_string()
        ));
    }
}
