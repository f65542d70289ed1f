//! The `civicgraph` command line.

fn main() -> std::process::ExitCode {
    civicgraph::cli::main()
}
