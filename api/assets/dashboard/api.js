// The public GraphQL API, and nothing else: queries are POSTed to /graphql, live updates come over
// the graphql-transport-ws protocol at /graphql/ws. On a private server (`serve --private`) the bearer
// token is kept in sessionStorage only, so it is gone when the browser session ends.

const TOKEN_KEY = "civicgraph.token";

/** An answer that needs a token (HTTP 401 or UNAUTHENTICATED). */
export class NeedsToken extends Error {}

/** A GraphQL error, with its `extensions.code`. */
export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/** The token of this browser session, if one was given. */
export function token() {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch (_) {
    return null;
  }
}

/** Keeps `value` as the token of this browser session (removes it when empty). */
export function setToken(value) {
  try {
    if (value) {
      window.sessionStorage.setItem(TOKEN_KEY, value);
    } else {
      window.sessionStorage.removeItem(TOKEN_KEY);
    }
  } catch (_) {
    // Without sessionStorage the token is asked again on the next load.
  }
}

/** Runs one GraphQL operation and answers its `data`; throws NeedsToken or ApiError. */
export async function graphql(query, variables = {}, operationName = undefined) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const response = await fetch("/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables, operationName }),
  });
  if (response.status === 401) throw new NeedsToken("token needed");
  let answer;
  try {
    answer = await response.json();
  } catch (_) {
    throw new ApiError(`HTTP ${response.status}`, "INTERNAL");
  }
  const errors = answer.errors ?? [];
  if (errors.some((e) => e.extensions?.code === "UNAUTHENTICATED")) throw new NeedsToken("token needed");
  if (errors.length > 0) {
    // Several fields of one request may fail for the same reason: say each reason once.
    const messages = [...new Set(errors.map((e) => e.message))];
    throw new ApiError(messages.join("; "), errors[0].extensions?.code);
  }
  return answer.data;
}

/**
 * Subscribes to `reportPosted(within:)` and calls `onReport(report)` for each report posted from now
 * on (and `onSubscribed()` once the subscription is sent); reconnects after a lost connection.
 * Answers an object whose `close()` ends it.
 */
export function watchReports(within, onReport, onSubscribed = () => {}) {
  let socket = null;
  let closed = false;
  let retry = 1000;
  const query = "subscription DashboardLive($within: String) " +
    "{ reportPosted(within: $within) { externalId title publishedOn } }";

  const connect = () => {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${window.location.host}/graphql/ws`, "graphql-transport-ws");
    socket.addEventListener("open", () => {
      const bearer = token();
      const payload = bearer ? { Authorization: `Bearer ${bearer}` } : {};
      socket.send(JSON.stringify({ type: "connection_init", payload }));
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      if (message.type === "connection_ack") {
        retry = 1000;
        socket.send(JSON.stringify({
          id: "live",
          type: "subscribe",
          payload: { query, variables: { within }, operationName: "DashboardLive" },
        }));
        onSubscribed();
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (message.type === "next" && message.payload?.data?.reportPosted) {
        onReport(message.payload.data.reportPosted);
      }
    });
    socket.addEventListener("close", (event) => {
      // 4401/4403: no valid token; the page asks for one and watches again.
      if (closed || event.code === 4401 || event.code === 4403) return;
      window.setTimeout(() => {
        if (!closed) connect();
      }, retry);
      retry = Math.min(retry * 2, 30000);
    });
  };
  connect();
  return {
    close() {
      closed = true;
      if (socket && socket.readyState <= 1) socket.close(1000);
    },
  };
}

/** Every metric, following the pages of `metrics`. */
export async function allMetrics() {
  const query = "query DashboardMetrics($after: String) { metrics(first: 100, after: $after) " +
    "{ pageInfo { hasNextPage endCursor } nodes { code name unit valueType aggregation } } }";
  const found = [];
  let after = null;
  for (let page = 0; page < 100; page++) {
    const data = await graphql(query, { after }, "DashboardMetrics");
    found.push(...data.metrics.nodes);
    if (!data.metrics.pageInfo.hasNextPage) break;
    after = data.metrics.pageInfo.endCursor;
  }
  return found;
}

const VIEW = `query DashboardView($metric: String!, $within: String!, $level: RegionLevel!,
    $from: Date!, $to: Date!, $baselineFrom: Date, $baselineTo: Date, $perCapita: Int,
    $grain: TimeGrain!, $childLevel: Boolean!) {
  compare(metric: $metric, within: $within, level: $level, from: $from, to: $to,
          baselineFrom: $baselineFrom, baselineTo: $baselineTo, perCapita: $perCapita) {
    metric { code name unit aggregation }
    total totalQualifier mean median
    rows {
      rank value qualifier share perCapita baseline change changePct observations
      region { code name level }
      sources { externalId title publishedOn source url }
      evidence { value qualifier periodStart periodEnd quote region { name } report { externalId } }
    }
  }
  trend: aggregate(metric: $metric, within: $within, from: $from, to: $to, grain: $grain) {
    periodStart value qualifier
  }
  trendByRegion: aggregate(metric: $metric, within: $within, level: $level, from: $from, to: $to,
                           grain: $grain) @include(if: $childLevel) {
    region { code } periodStart value qualifier
  }
}`;

/** Everything one view shows, in one request: the comparison and the trends. */
export async function loadView(state) {
  const variables = {
    metric: state.metric,
    within: state.within,
    level: state.level,
    from: state.from,
    to: state.to,
    baselineFrom: state.baselineFrom,
    baselineTo: state.baselineTo,
    perCapita: state.perCapita ? 10000 : null,
    grain: state.grain,
    childLevel: state.children,
  };
  return graphql(VIEW, variables, "DashboardView");
}

/** A region with its ancestors, or null. */
export async function regionInfo(code) {
  const data = await graphql(
    "query DashboardRegion($code: String!) { region(code: $code) " +
      "{ code name level ancestors { code name level } } }",
    { code },
    "DashboardRegion",
  );
  return data.region;
}

/** Regions whose name, alias or code matches `text` (20 at most). */
export async function searchRegions(text) {
  const data = await graphql(
    "query DashboardSearch($search: String!) { regions(search: $search, first: 20) " +
      "{ nodes { code name level parent { name } } } }",
    { search: text },
    "DashboardSearch",
  );
  return data.regions.nodes;
}

/** The top of the tree (provinces), or the children of `code`; each with its number of children. */
export async function treeLevel(code) {
  const fields = "nodes { code name level children(first: 1) { totalCount } }";
  if (!code) {
    const data = await graphql(`query DashboardRoots { regions(level: PROVINCE, first: 100) { ${fields} } }`,
      {}, "DashboardRoots");
    return data.regions.nodes;
  }
  const data = await graphql(
    `query DashboardChildren($code: String!) { region(code: $code) { children(first: 100) { ${fields} } } }`,
    { code },
    "DashboardChildren",
  );
  return data.region ? data.region.children.nodes : [];
}
