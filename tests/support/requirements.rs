//! Programs some tests need besides the database (a PostgreSQL streaming replica, nginx, Chromium): a
//! test whose program is missing here says so on stderr and passes, unless `CIVICGRAPH_TEST_REQUIRE`
//! names it (`.ci/run` names them all), which makes it fail instead.

use std::io::Write;

/// The environment variable listing, comma-separated, what the tests must find (`replica`, `nginx`,
/// `chromium`, or `all`).
pub const REQUIRE_VARIABLE: &str = "CIVICGRAPH_TEST_REQUIRE";

/// Whether the tests must find `what`.
pub fn required(what: &str) -> bool {
    std::env::var(REQUIRE_VARIABLE)
        .unwrap_or_default()
        .split(',')
        .any(|item| matches!(item.trim(), "all") || item.trim() == what)
}

/// Ends `test`, which cannot run here without `what`: a failure naming `why` when `what` is required,
/// else a `skipped TEST: WHY` line on stderr.
pub fn unavailable(what: &str, test: &str, why: &str) {
    assert!(!required(what), "{test} needs {what}: {why}");
    // Written to the handle, not with `eprintln!`, which the harness captures for passing tests.
    let _ = writeln!(std::io::stderr(), "skipped {test}: {why}");
}
