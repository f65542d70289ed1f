//! Synthetic interchange data (placeholder until the generator lands).

/// Size presets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    Small,
    Medium,
    Large,
}

/// Counts of what was written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GenerateStats {
    pub regions: u64,
    pub metrics: u64,
    pub programs: u64,
    pub reports: u64,
    pub observations: u64,
}

/// Writes a deterministic synthetic dataset as NDJSON to `out`.
pub fn generate(_scale: Scale, _seed: u64, _out: &mut impl std::io::Write) -> std::io::Result<GenerateStats> {
    Ok(GenerateStats::default())
}
