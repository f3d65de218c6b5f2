// SPDX-License-Identifier: GPL-2.0

//! Whether the twins behave alike in the device rounds (device_phase.rs):
//! what each side's batches returned, and the comparison of the two.

use crate::device_phase::Batch;
use crate::ops::Op;

/// What one operation gave on one side: each round's outcome, and whether
/// every call of every batch had its batch's outcome.
#[derive(Clone)]
pub struct Seen {
    pub outcomes: Vec<i64>,
    pub uniform: bool,
}

impl Default for Seen {
    fn default() -> Self {
        Self {
            outcomes: Vec::new(),
            uniform: true,
        }
    }
}

impl Seen {
    pub fn add(&mut self, b: &Batch) {
        self.outcomes.push(b.outcome);
        self.uniform &= b.uniform;
    }
}

/// The twins agree on `op`: uniform batches, the same outcome in each round
/// (both devices have the same history at that point of a round: GET_STATS
/// returns equal counters), and the expected one when it is known.
pub fn agreement(op: &Op, rust: &Seen, c: &Seen) -> Result<i64, String> {
    if !rust.uniform || !c.uniform {
        return Err(format!(
            "calls of a batch differed (rust uniform {}, c uniform {})",
            rust.uniform, c.uniform
        ));
    }
    if rust.outcomes.is_empty() || rust.outcomes.len() != c.outcomes.len() {
        return Err("not measured in every round".into());
    }
    for (round, (r, c)) in rust.outcomes.iter().zip(&c.outcomes).enumerate() {
        if r != c {
            return Err(format!("round {round}: rust {r}, c {c}"));
        }
        if let Some(e) = op.expect.filter(|e| e != r) {
            return Err(format!("round {round}: both {r}, expected {e}"));
        }
    }
    Ok(rust.outcomes[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(outcomes: &[i64]) -> Seen {
        Seen {
            outcomes: outcomes.to_vec(),
            uniform: true,
        }
    }

    #[test]
    fn twins_agree_round_by_round() {
        let stats = crate::ops::by_id("ioctl-get-stats").unwrap();
        assert_eq!(agreement(stats, &seen(&[5, 9]), &seen(&[5, 9])), Ok(5));
        assert_eq!(
            agreement(stats, &seen(&[5, 9]), &seen(&[5, 8])),
            Err("round 1: rust 9, c 8".into())
        );
        let read = crate::ops::by_id("read-64").unwrap();
        assert_eq!(
            agreement(read, &seen(&[64, -14]), &seen(&[64, -14])),
            Err("round 1: both -14, expected 64".into())
        );
        let mut odd = seen(&[64]);
        odd.uniform = false;
        assert!(agreement(read, &odd, &seen(&[64])).is_err());
        assert!(agreement(read, &seen(&[]), &seen(&[])).is_err());
    }
}
