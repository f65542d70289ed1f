// Runs the graphql-http GraphQL-over-HTTP audits against a running server.
//
//   npm ci && node audit.mjs http://127.0.0.1:8000/graphql
//
// Prints one line per audit (ok, notice for a failed MAY, warning for a failed SHOULD, error for a
// failed MUST), then `graphql-http audit: N ok, N warnings, N errors`; exits 1 on any warning or
// error, 2 when the server cannot be reached or the arguments are wrong.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url || process.argv.length > 3) {
  console.error('usage: node audit.mjs URL   (the GraphQL endpoint, e.g. http://127.0.0.1:8000/graphql)');
  process.exit(2);
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const labels = { ok: 'ok', notice: 'notice', warn: 'warning', error: 'error' };
for (const { id, name, fn } of serverAudits({ url, fetchFn: fetch })) {
  let result;
  try {
    result = await fn();
  } catch (err) {
    // An audit throws only when it could not run at all (e.g. the server is down).
    console.error(`${id} ${name}: could not run: ${err?.cause?.message ?? err?.message ?? err}`);
    process.exit(2);
  }
  counts[result.status] += 1;
  const reason = result.status === 'ok' ? '' : `: ${result.reason}`;
  console.log(`${labels[result.status].padEnd(7)} ${id} ${name}${reason}`);
}

const notices = counts.notice ? `, ${counts.notice} notices` : '';
console.log(
  `graphql-http audit: ${counts.ok} ok, ${counts.warn} warnings, ${counts.error} errors${notices}`,
);
process.exit(counts.warn + counts.error > 0 ? 1 : 0);
