// SPDX-License-Identifier: GPL-2.0

//! The lines the guest's measurement hands the host's report, beside its
//! KTAP result lines (which they never look like):
//!
//! ```text
//! bench-raw OP ROUND SIDE CALLS NS      one timed batch: CALLS calls took NS
//! bench-info KEY VALUE...               a fact of the run (rounds, clock...)
//! bench-boot N                          the lines that follow are boot N's
//! ```
//!
//! The last is the host's: tests/bench/run.sh puts it before each boot's
//! lines when it joins the boots' logs for the report.

use std::fmt;

/// Who served a batch: one of the twins, or the kernel's floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Rust,
    C,
    Floor,
}

impl Side {
    pub const ALL: [Side; 3] = [Side::Rust, Side::C, Side::Floor];

    pub fn name(self) -> &'static str {
        match self {
            Side::Rust => "rust",
            Side::C => "c",
            Side::Floor => "floor",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|side| side.name() == s)
    }
}

/// One timed batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub op: String,
    pub round: usize,
    pub side: Side,
    pub calls: u64,
    pub ns: u64,
}

impl Sample {
    pub fn ns_per_call(&self) -> f64 {
        self.ns as f64 / self.calls as f64
    }
}

impl fmt::Display for Sample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bench-raw {} {} {} {} {}",
            self.op,
            self.round,
            self.side.name(),
            self.calls,
            self.ns
        )
    }
}

/// A line of the guest's output that the report reads.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Sample(Sample),
    Info(String, String),
    Boot(usize),
}

/// The line as the report reads it; None for other lines (results,
/// diagnostics, the end marker), and for a malformed raw line, which the
/// report then misses in its counts.
pub fn parse_line(line: &str) -> Option<Line> {
    let line = line.trim_end_matches('\r');
    if let Some(n) = line.strip_prefix("bench-boot ") {
        return n.parse().ok().map(Line::Boot);
    }
    if let Some(rest) = line.strip_prefix("bench-raw ") {
        let f: Vec<&str> = rest.split(' ').collect();
        let [op, round, side, calls, ns] = f.as_slice() else {
            return None;
        };
        let calls = calls.parse().ok().filter(|&c| c > 0)?;
        return Some(Line::Sample(Sample {
            op: op.to_string(),
            round: round.parse().ok()?,
            side: Side::parse(side)?,
            calls,
            ns: ns.parse().ok()?,
        }));
    }
    let rest = line.strip_prefix("bench-info ")?;
    let (key, value) = rest.split_once(' ').unwrap_or((rest, ""));
    Some(Line::Info(key.to_string(), value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_round_trips() {
        let s = Sample {
            op: "read-64".into(),
            round: 7,
            side: Side::Floor,
            calls: 1024,
            ns: 3_000_000,
        };
        assert_eq!(parse_line(&format!("{s}\r")), Some(Line::Sample(s.clone())));
        assert_eq!(s.ns_per_call(), 3_000_000.0 / 1024.0);
    }

    #[test]
    fn info_keeps_spaces_in_its_value() {
        assert_eq!(
            parse_line("bench-info guest-cpu QEMU Virtual CPU"),
            Some(Line::Info("guest-cpu".into(), "QEMU Virtual CPU".into()))
        );
    }

    #[test]
    fn other_and_malformed_lines_are_not_read() {
        assert_eq!(parse_line("ok bench: read-1"), None);
        assert_eq!(parse_line("bench-boot 2"), Some(Line::Boot(2)));
        assert_eq!(parse_line("bench-boot two"), None);
        assert_eq!(parse_line("bench-raw read-1 0 rust 0 5"), None);
        assert_eq!(parse_line("bench-raw read-1 0 go 1 5"), None);
        assert_eq!(parse_line("bench-raw read-1 0 rust 1"), None);
    }
}
