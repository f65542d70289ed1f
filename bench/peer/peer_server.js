// The peer: PostGraphile v4 (library mode) + @graphile/pg-aggregates +
// postgraphile-plugin-connection-filter over the `bench` database.
// Started by peer.sh (NODE_PATH points at $WORK/peer/node_modules).
// PEER_WORKERS=N (default 1) forks N worker processes sharing the port (node:cluster).
const cluster = require("cluster");
const http = require("http");
const workers = parseInt(process.env.PEER_WORKERS || "1", 10);
if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on("SIGTERM", () => { for (const w of Object.values(cluster.workers)) w.kill("SIGTERM"); process.exit(0); });
  console.log(`peer primary ${process.pid}: ${workers} workers`);
  return;
}
const { postgraphile } = require("postgraphile");
const PgAggregatesPlugin = require("@graphile/pg-aggregates").default;
const ConnectionFilterPlugin = require("postgraphile-plugin-connection-filter");

const port = parseInt(process.env.PEER_PORT || "5678", 10);
const middleware = postgraphile(process.env.DATABASE_URL, "public", {
  appendPlugins: [PgAggregatesPlugin, ConnectionFilterPlugin],
  graphileBuildOptions: { connectionFilterRelations: true },
  // production-style settings
  watchPg: false,
  graphiql: false,
  disableQueryLog: true,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  retryOnInitFail: false,
  extendedErrors: ["hint", "detail", "errcode"],
});
http.createServer(middleware).listen(port, "127.0.0.1", () => {
  console.log(`peer listening on http://127.0.0.1:${port}/graphql (pid ${process.pid})`);
});
