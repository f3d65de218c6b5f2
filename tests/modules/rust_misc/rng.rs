// SPDX-License-Identifier: GPL-2.0

//! [`Rng`], the pseudo-random numbers of the stress programs: the same
//! seed gives the same sequence.

/// SplitMix64: small, fast, and the same sequence for the same seed.
pub struct Rng(u64);

impl Rng {
    /// The generator of the sequence of `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0; the bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A `usize` in `0..n`.
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        let span = hi.wrapping_sub(lo) as u64;
        lo.wrapping_add(self.next().checked_rem(span.wrapping_add(1)).unwrap_or(0) as i64)
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next().to_ne_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn splitmix64_reference_values() {
        // SplitMix64's published outputs for seed 0.
        let mut rng = Rng::new(0);
        assert_eq!(rng.next(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(rng.next(), 0x06c4_5d18_8009_454f);
    }

    #[test]
    fn same_seed_same_sequence() {
        let (mut a, mut b) = (Rng::new(42), Rng::new(42));
        let mut c = Rng::new(43);
        let xs: Vec<u64> = (0..100).map(|_| a.next()).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.next()).collect();
        let zs: Vec<u64> = (0..100).map(|_| c.next()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn ranges_hold() {
        let mut rng = Rng::new(7);
        for _ in 0..10_000 {
            assert!(rng.below(10) < 10);
            assert!(rng.index(3) < 3);
            let v = rng.between(-5, 5);
            assert!((-5..=5).contains(&v));
        }
        // The full i64 range must not overflow.
        for _ in 0..1000 {
            rng.between(i64::MIN, i64::MAX);
        }
        assert_eq!(rng.between(9, 9), 9);
    }

    #[test]
    fn fill_covers_odd_lengths() {
        let mut a = Rng::new(1);
        let mut buf = [0u8; 13];
        a.fill(&mut buf);
        let mut b = Rng::new(1);
        let first = b.next().to_ne_bytes();
        let second = b.next().to_ne_bytes();
        assert_eq!(buf[..8], first);
        assert_eq!(buf[8..], second[..5]);
    }
}
