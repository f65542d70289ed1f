//! Writes a synthetic dataset to standard output, and what it holds to standard error:
//! `cargo run --release -p civicgraph-synth --example generate -- --scale medium --seed 1 > medium.ndjson`.

use std::io;
use std::time::Instant;

use civicgraph_synth::{Scale, generate};
use clap::Parser;

/// Writes `--scale` and `--seed`'s dataset as NDJSON to standard output.
#[derive(Parser)]
struct Args {
    /// Size preset.
    #[arg(long, value_enum, default_value = "small")]
    scale: Scale,
    /// Random seed: the same scale and seed give the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn main() -> io::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let stats = generate(args.scale, args.seed, &mut io::stdout().lock())?;
    eprintln!("{stats:?} in {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}
