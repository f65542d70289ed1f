//! The `civicgraph` command line.

/// Imports and large responses allocate many small values; mimalloc handles that far better than the
/// system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    civicgraph::cli::main()
}
