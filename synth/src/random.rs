//! Seeded random numbers whose stream never changes, and the seeds of the generator's separate streams.

/// A small, fast, seeded generator (wyrand) whose output never changes: `rand`'s `SmallRng` does not
/// promise a stable stream across versions and platforms, and the output must be reproducible.
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (scrambled first, so that nearby seeds give unrelated streams).
    pub(crate) fn new(seed: u64) -> Self {
        Rng(splitmix(seed))
    }

    /// The next 64 random bits.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0xa076_1d64_78bd_642f);
        let t = u128::from(self.0).wrapping_mul(u128::from(self.0 ^ 0xe703_7ed1_a0b4_28db));
        (t >> 64) as u64 ^ t as u64
    }

    /// Uniform in `0..n` (n > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, (lo, hi): (u32, u32)) -> u32 {
        lo + self.below((hi - lo + 1) as usize) as u32
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        unit(self.next())
    }

    /// Uniform in `[lo, hi)`.
    pub(crate) fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of `xs` (not empty), uniformly.
    pub(crate) fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

/// Uniform in `[0, 1)` from 64 random bits.
pub(crate) fn unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A seed derived from `a` and `b`.
pub(crate) fn mix(a: u64, b: u64) -> u64 {
    splitmix(a ^ splitmix(b).rotate_left(23))
}

/// Tags that separate the random streams of different purposes: mixed into the seed first.
pub(crate) mod tag {
    /// Provinces, cities and counties.
    pub(crate) const WORLD: u64 = 1;
    /// One county's towns and villages.
    pub(crate) const TREE: u64 = 2;
    /// One county's programs.
    pub(crate) const PROGRAMS: u64 = 3;
    /// One county's choice of metrics and authors.
    pub(crate) const COUNTY: u64 = 4;
    /// One county's year of reports.
    pub(crate) const YEAR: u64 = 5;
    /// Figures that must be recomputable (see `County::fresh`).
    pub(crate) const FRESH: u64 = 6;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_wyrand_seeded_by_splitmix() {
        // splitmix64(0), then three wyrand steps, worked out independently of this code: if these change,
        // every generated file changes.
        let mut rng = Rng::new(0);
        let first: Vec<u64> = (0..3).map(|_| rng.next()).collect();
        assert_eq!(
            first,
            [
                0x7950_d340_a3b9_a42d,
                0xbe1a_7908_2232_3877,
                0xdc88_64b5_8f7f_72c8
            ]
        );
        assert_ne!(Rng::new(1).next(), first[0]);
    }

    #[test]
    fn draws_stay_in_range() {
        let mut rng = Rng::new(42);
        for n in [1, 2, 7, 1000] {
            assert!((0..200).all(|_| rng.below(n) < n));
        }
        assert!((0..200).all(|_| (3..=5).contains(&rng.range((3, 5)))));
        assert!((0..200).all(|_| (0.0..1.0).contains(&rng.unit())));
        assert!((0..200).all(|_| (2.0..5.0).contains(&rng.between(2.0, 5.0))));
        assert!(!(0..200).any(|_| rng.chance(0.0)));
        assert!((0..200).all(|_| rng.chance(1.0)));
    }

    #[test]
    fn mixing_separates_streams() {
        assert_ne!(mix(1, 2), mix(2, 1));
        assert_ne!(mix(1, tag::WORLD), mix(1, tag::TREE));
        assert_eq!(mix(5, 9), mix(5, 9));
    }
}
