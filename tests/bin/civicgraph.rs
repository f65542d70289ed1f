//! The `civicgraph` command line, built with the tests so that the tests that need separate server
//! processes (two servers on one database, a server killed mid-import) always run the current code.

fn main() -> std::process::ExitCode {
    civicgraph::cli::main()
}
