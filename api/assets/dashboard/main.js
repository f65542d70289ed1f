// The dashboard at /dashboard: reads the view from the URL, asks the GraphQL API for it, draws the
// charts and the provenance table, keeps the URL in step with every change, and refreshes when a
// report touching the view is posted.

import {
  ApiError, NeedsToken, allMetrics, loadView, regionInfo, setToken, treeLevel, watchReports,
} from "./api.js";
import { chartedValue, downloadPng, drawCompare, drawTrend, resizeAll } from "./charts.js";
import { formatNumber, language, levelPlural, relabel, setLanguage, t, withMark } from "./i18n.js";
import {
  bindMetrics, bindPeriod, bindRegionSearch, bindRegionTree, fillLevels, fillMetrics, showPeriod,
  showRegionPath,
} from "./pickers.js";
import { LEVELS, defaultGrain, readUrl, toQuery, writeUrl, yearWindow } from "./state.js";
import { download, drawTable, tableCsv } from "./table.js";

const $ = (id) => document.getElementById(id);

let state = readUrl();
let metrics = [];
let region = null;
let view = null;
let live = null;
let liveWithin = null;
let loading = 0;
/** The view asked for while the metrics and the region load, when the URL names it whole. */
let prefetched = null;

/** Shows `message` as the page's error (or hides it). */
function showError(message) {
  $("error").hidden = !message;
  $("error").textContent = message ?? "";
}

/** Shows a short notice that goes away by itself. */
function notify(message) {
  const notice = $("notice");
  notice.textContent = message;
  notice.hidden = false;
  window.clearTimeout(notify.timer);
  notify.timer = window.setTimeout(() => { notice.hidden = true; }, 8000);
}

/** Asks for a token (private servers), then runs `retry`. */
function askToken(retry) {
  const form = $("token-form");
  form.hidden = false;
  $("token").focus();
  form.onsubmit = (event) => {
    event.preventDefault();
    setToken($("token").value.trim());
    $("token").value = "";
    form.hidden = true;
    retry();
  };
}

/** Runs `work`, turning API failures into the page's error or a request for a token. */
async function guarded(work, retry) {
  try {
    await work();
  } catch (error) {
    if (error instanceof NeedsToken) {
      setToken(null);
      askToken(retry);
    } else if (error instanceof ApiError) {
      showError(error.message);
    } else {
      showError(String(error?.message ?? error));
    }
  }
}

/** Fills in what the URL left out: a metric, a region, a level, a period and a grain. */
async function completeState() {
  if (!state.metric && metrics.length > 0) state.metric = metrics[0].code;
  if (!state.from || !state.to || state.from > state.to) {
    const year = new Date().getFullYear();
    state.from = yearWindow(year - 4).from;
    state.to = yearWindow(year).to;
  }
  if (!state.grain) state.grain = defaultGrain(state.from, state.to);
  if (!state.within) {
    const roots = await treeLevel(null);
    if (roots.length > 0) state.within = roots[0].code;
  }
}

/** Loads and draws the view of `state`. */
async function render() {
  const mine = ++loading;
  document.body.classList.add("busy");
  await guarded(async () => {
    if (!region || region.code !== state.within) {
      region = state.within ? await regionInfo(state.within) : null;
    }
    if (mine !== loading) return;
    showRegionPath(region);
    if (!region) {
      showError(t("unknownRegion"));
      return;
    }
    const below = LEVELS.indexOf(region.level) + 1;
    if (!state.level || LEVELS.indexOf(state.level) < LEVELS.indexOf(region.level)) {
      state.level = LEVELS[Math.min(below, LEVELS.length - 1)];
    }
    writeUrl(state, false);
    fillLevels(region.level, state.level);
    fillMetrics(metrics, state.metric);
    showPeriod(state);
    if (!state.metric) {
      showError(t("chooseMetric"));
      return;
    }
    const early = prefetched;
    prefetched = null;
    const data = early && early.key === toQuery(state) ? await early.answer : await loadView(state);
    if (mine !== loading) return;
    view = data;
    showError(null);
    draw();
    if (performance.getEntriesByName("dashboard-first-view").length === 0) {
      // When the first view was drawn (scripts/dashboard-first-view.sh reads it).
      performance.mark("dashboard-first-view");
    }
    watch();
  }, render);
  if (mine === loading) {
    document.body.classList.remove("busy");
    document.body.dataset.ready = "true";
  }
}

/** Draws the loaded view (again after a language switch). */
function draw() {
  if (!view) return;
  const comparison = view.compare;
  const reported = comparison.rows.filter((r) => r.value !== null);
  // Not drawn: no value, or (per capita) no population.
  const missing = comparison.rows.filter((r) => chartedValue(r, state.perCapita) === null);
  const summary = [
    `${comparison.metric.name}（${comparison.metric.unit}）`,
    `${state.from} – ${state.to}`,
    t("coverage", reported.length, comparison.rows.length, levelPlural(state.level)),
  ];
  if (comparison.total !== null) {
    summary.push(`${t("total")} ${withMark(comparison.total, comparison.totalQualifier)}`);
  }
  if (comparison.mean !== null) summary.push(`${t("mean")} ${formatNumber(comparison.mean)}`);
  if (comparison.median !== null) summary.push(`${t("median")} ${formatNumber(comparison.median)}`);
  $("summary").textContent = summary.join(" · ");
  const names = missing.map((r) => r.region.name).join("、");
  $("no-data").textContent = missing.length === 0 ? "" : t(state.perCapita ? "notPerCapita" : "noDataList", names);
  drawCompare(comparison, state);
  const points = drawTrend(view, state, comparison, region.name);
  $("trend-note").textContent = points === 0 ? t("trendEmpty") : t("spanning");
  drawTable(comparison, state);
}

/** Watches for reports posted within the region shown; a new one refreshes the view. */
function watch() {
  if (liveWithin === state.within && live) return;
  if (live) live.close();
  liveWithin = state.within;
  delete document.body.dataset.live;
  live = watchReports(state.within, (report) => {
    notify(t("refreshed", report.title));
    render();
  }, () => { document.body.dataset.live = "subscribed"; });
}

/** Applies a change of the controls: new state, new URL (a history entry), new view. */
function change(patch) {
  const next = { ...state, ...patch };
  if (patch.within && patch.within !== state.within) next.level = null;
  // A new window gets the grain that suits its length (a quarter by months, five years by years).
  if ((patch.from || patch.to) && !patch.grain) next.grain = defaultGrain(next.from, next.to);
  state = next;
  if (state.level) writeUrl(state, true);
  render();
}

async function start() {
  relabel();
  $("lang").addEventListener("click", () => {
    setLanguage(language() === "en" ? "zh" : "en");
    if (region) fillLevels(region.level, state.level);
    fillMetrics(metrics, state.metric);
    draw();
    resizeAll();
  });
  bindMetrics(() => metrics, () => state.metric, change);
  bindRegionSearch((r) => change({ within: r.code }));
  bindRegionTree((r) => change({ within: r.code }));
  bindPeriod(() => state, change);
  $("csv").addEventListener("click", () => {
    if (view) download(tableCsv(view.compare, state), `${state.metric}-${state.within}.csv`, "text/csv");
  });
  $("png-compare").addEventListener("click", () => downloadPng("chart-compare", `${state.metric}-${state.within}`));
  $("png-trend").addEventListener("click", () => downloadPng("chart-trend", `${state.metric}-${state.within}-trend`));
  window.addEventListener("popstate", () => {
    state = readUrl();
    guarded(async () => {
      await completeState();
      await render();
    }, render);
  });
  const boot = async () => {
    await guarded(async () => {
      if (state.metric && state.within && state.level && state.from && state.to && state.from <= state.to) {
        // A shared link names the whole view: ask for it with the metrics and the region.
        state.grain = state.grain ?? defaultGrain(state.from, state.to);
        const answer = loadView(state);
        answer.catch(() => {}); // its failure is met where it is awaited, or the view is asked again
        prefetched = { key: toQuery(state), answer };
      }
      // The metrics and the region are asked for together; the view follows.
      const [found, info] = await Promise.all([
        allMetrics(),
        state.within ? regionInfo(state.within) : Promise.resolve(null),
      ]);
      metrics = found;
      region = info;
      await completeState();
      await render();
    }, boot);
  };
  await boot();
}

start();
