// The provenance table (one row per compared region: value, qualifier, period and the reports and
// quotes it came from) and its CSV export.

import { formatChange, formatNumber, formatShare, t, withMark } from "./i18n.js";

/** Creates an element with properties and children. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else node[key] = value;
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

/** The period the counted figures of a row cover, `start – end`. */
function periodOf(row) {
  if (row.evidence.length === 0) return "";
  const start = row.evidence.map((o) => o.periodStart).sort()[0];
  const end = row.evidence.map((o) => o.periodEnd).sort().at(-1);
  return start === end ? start : `${start} – ${end}`;
}

/** The columns, by state: `[key, heading, text of a row]`. */
function columns(comparison, state) {
  const unit = comparison.metric.unit;
  const cols = [
    ["rank", t("rank"), (r) => (r.rank === null ? "" : String(r.rank))],
    ["region", t("region"), (r) => r.region.name],
    ["value", `${t("value")} (${unit})`, (r) => withMark(r.value, r.qualifier)],
    ["qualifier", t("qualifier"), (r) => (r.value === null ? "" : t(r.qualifier))],
    ["period", t("periodCol"), periodOf],
  ];
  if (comparison.metric.aggregation === "SUM") {
    cols.push(["share", t("share"), (r) => formatShare(r.share)]);
  }
  if (state.baselineFrom) {
    cols.push(["baseline", t("baselineValue"), (r) => formatNumber(r.baseline)]);
    cols.push(["change", t("change"), (r) => formatChange(r.change)]);
    cols.push(["changePct", t("changePct"), (r) => (r.changePct === null ? "" : `${formatChange(r.changePct)}%`)]);
  }
  if (state.perCapita) {
    cols.push(["perCapita", t("perCapitaValue"), (r) => formatNumber(r.perCapita)]);
  }
  return cols;
}

/** The reports of a row, each with the quotes of its counted figures and a link when it has a URL. */
function reportsCell(row) {
  const cell = el("td", { className: "reports" });
  if (row.sources.length === 0) return cell;
  const list = el("ul");
  for (const report of row.sources) {
    const title = report.url
      ? el("a", { href: report.url, rel: "noopener noreferrer", target: "_blank" }, report.title)
      : el("span", {}, report.title);
    const meta = [report.publishedOn, report.source].filter(Boolean).join(" · ");
    const item = el("li", {}, el("cite", {}, title), el("span", { className: "meta" }, ` ${meta}`));
    for (const o of row.evidence.filter((e) => e.report?.externalId === report.externalId)) {
      const where = o.region && o.region.name !== row.region.name ? `${o.region.name}: ` : "";
      item.append(el("q", {}, `${where}${o.quote ?? withMark(o.value, o.qualifier)}`));
    }
    list.append(item);
  }
  cell.append(list);
  return cell;
}

/** Fills the table from `comparison`. */
export function drawTable(comparison, state) {
  const table = document.getElementById("table");
  const cols = columns(comparison, state);
  const head = el("tr");
  for (const [, heading] of cols) head.append(el("th", { scope: "col" }, heading));
  head.append(el("th", { scope: "col" }, t("reports")));
  table.tHead.replaceChildren(head);
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const row of comparison.rows) {
    const tr = el("tr", {
      dataset: { region: row.region.code, value: row.value === null ? "" : String(row.value) },
      className: row.value === null ? "missing" : "",
    });
    for (const [key, , text] of cols) {
      const cell = key === "region" ? el("th", { scope: "row" }, text(row)) : el("td", {}, text(row));
      cell.className = key;
      tr.append(cell);
    }
    tr.append(reportsCell(row));
    body.append(tr);
  }
}

/** The table as CSV text (RFC 4180, with a byte order mark so that spreadsheets read UTF-8). */
export function tableCsv(comparison, state) {
  const cols = columns(comparison, state);
  const quote = (v) => {
    const s = String(v ?? "");
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const header = ["code", ...cols.map(([, h]) => h), "raw value", t("reports"), t("quote")];
  const lines = [header.map(quote).join(",")];
  for (const row of comparison.rows) {
    const reports = row.sources.map((r) => [r.title, r.publishedOn, r.source, r.url].filter(Boolean).join(" "));
    const quotes = row.evidence.map((o) => o.quote).filter(Boolean);
    const cells = [row.region.code, ...cols.map(([, , text]) => text(row)), row.value ?? "",
      reports.join(" | "), quotes.join(" | ")];
    lines.push(cells.map(quote).join(","));
  }
  return `\ufeff${lines.join("\r\n")}\r\n`;
}

/** Saves `text` as a file called `name`. */
export function download(text, name, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10000);
}
