//! The size presets and the fan-outs of the region tree they stand for.

/// Size presets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// One province, 2 cities, 6 counties, ≈ 60 towns, ≈ 800 villages; ≈ 20k observations (≈ 4 MB).
    Small,
    /// 3 provinces, ≈ 30k regions; ≈ 500k observations (≈ 100 MB).
    Medium,
    /// 30 provinces, ≈ 600k regions; ≈ 10M observations (≈ 2 GB).
    Large,
}

/// Fan-outs of one scale: exact or `(min, max)` counts, drawn uniformly.
pub(crate) struct Shape {
    /// Provinces in all.
    pub(crate) provinces: usize,
    /// Cities per province.
    pub(crate) cities: (u32, u32),
    /// Counties (districts first) per city.
    pub(crate) counties: (u32, u32),
    /// Towns per county.
    pub(crate) towns: (u32, u32),
    /// Villages per town.
    pub(crate) villages: (u32, u32),
    /// Programs per county.
    pub(crate) programs: (u32, u32),
}

impl Scale {
    /// The fan-outs of this scale.
    pub(crate) fn shape(self) -> Shape {
        let (provinces, cities) = match self {
            Scale::Small => (1, (2, 2)),
            Scale::Medium => (3, (5, 5)),
            Scale::Large => (30, (8, 12)),
        };
        let (counties, towns, villages) = match self {
            Scale::Small => ((3, 3), (9, 11), (11, 16)),
            Scale::Medium => ((8, 11), (10, 16), (10, 19)),
            Scale::Large => ((8, 12), (10, 16), (10, 19)),
        };
        Shape {
            provinces,
            cities,
            counties,
            towns,
            villages,
            programs: (1, 3),
        }
    }
}
