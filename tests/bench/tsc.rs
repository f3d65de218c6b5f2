// SPDX-License-Identifier: GPL-2.0

//! `misc-bench tsc-khz`, on the host: the frequency of the host's TSC in
//! kHz, measured against CLOCK_MONOTONIC over 200 ms.
//!
//! Under TCG the guest's TSC is the host's (QEMU's rdtsc returns the host's
//! counter), and the guest kernel calibrates it against the emulated PIT:
//! on a busy host that calibration fails ("Unable to calibrate against
//! PIT"), the kernel marks the TSC unstable and CLOCK_MONOTONIC falls back
//! to jiffies, in 4 ms steps. tests/bench/run.sh passes this value as
//! `tsc_early_khz=`, so the guest never calibrates.

use crate::clock::now_ns;

fn rdtsc() -> u64 {
    // SAFETY: rdtsc only reads the time stamp counter; every x86_64 CPU
    // has it, and it touches no memory.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// A TSC reading and the CLOCK_MONOTONIC time between the TSC reads
/// around it.
fn sample() -> (u64, f64) {
    let t0 = rdtsc();
    let ns = now_ns();
    let t1 = rdtsc();
    (ns, t0 as f64 + (t1 - t0) as f64 / 2.0)
}

/// TSC ticks per millisecond of CLOCK_MONOTONIC between two samples.
pub fn khz(a: (u64, f64), b: (u64, f64)) -> f64 {
    (b.1 - a.1) / ((b.0 - a.0) as f64 / 1e6)
}

/// The host TSC's frequency in kHz, measured over 200 ms.
pub fn measure_khz() -> u64 {
    let a = sample();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let b = sample();
    khz(a, b).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn khz_of_two_samples() {
        // 2.5e8 ticks in 0.1 s: 2.5 GHz.
        assert_eq!(
            khz((1_000_000_000, 5e8), (1_100_000_000, 7.5e8)),
            2_500_000.0
        );
    }

    #[test]
    fn the_host_tsc_runs() {
        // Any x86_64 host of the last decades: between 100 MHz and 10 GHz.
        let khz = measure_khz();
        assert!((100_000..10_000_000).contains(&khz), "{khz} kHz");
    }
}
