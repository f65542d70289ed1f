// The two charts, drawn with Apache ECharts (the global `echarts`, vendored under /assets/vendor/):
// a ranked bar chart of the compared regions and a line chart of the trend.

import { MARKS, formatChange, formatNumber, formatShare, t, withMark } from "./i18n.js";
import { buckets } from "./state.js";

const charts = new Map();

/** The ECharts instance of the element `id`, created on first use and resized with its box. */
function chart(id) {
  let instance = charts.get(id);
  if (!instance) {
    const el = document.getElementById(id);
    instance = window.echarts.init(el, null, { renderer: "canvas" });
    new ResizeObserver(() => instance.resize()).observe(el);
    charts.set(id, instance);
  }
  return instance;
}

/** The value a row is charted by: per capita when asked for, else the value itself. */
export function chartedValue(row, perCapita) {
  return perCapita ? row.perCapita : row.value;
}

/** Draws the ranked bars of `comparison` (rows without a value are not drawn but listed apart). */
export function drawCompare(comparison, state) {
  const unit = comparison.metric.unit;
  const rows = comparison.rows
    .filter((r) => chartedValue(r, state.perCapita) !== null)
    .sort((a, b) => chartedValue(b, state.perCapita) - chartedValue(a, state.perCapita));
  const withBaseline = Boolean(state.baselineFrom);
  const height = Math.max(160, 44 * rows.length + (withBaseline ? 24 * rows.length : 0) + 70);
  const el = document.getElementById("chart-compare");
  el.style.height = `${height}px`;
  const instance = chart("chart-compare");
  instance.resize();
  const label = (row) => {
    const value = chartedValue(row, state.perCapita);
    const parts = [withMark(value, row.qualifier)];
    if (row.share !== null && !state.perCapita) parts.push(formatShare(row.share));
    if (row.change !== null && !state.perCapita) parts.push(formatChange(row.change));
    return parts.join(" · ");
  };
  const series = [
    {
      name: state.perCapita ? t("perCapitaValue") : t("value"),
      type: "bar",
      data: rows.map((r) => ({
        value: chartedValue(r, state.perCapita),
        code: r.region.code,
        itemStyle: { color: r.qualifier === "EXACT" ? "#2f6fb0" : "#6d9bd1" },
      })),
      label: { show: true, position: "right", formatter: (p) => label(rows[p.dataIndex]) },
      barMaxWidth: 28,
    },
  ];
  if (withBaseline && !state.perCapita) {
    series.push({
      name: t("baselineValue"),
      type: "bar",
      data: rows.map((r) => ({ value: r.baseline, code: r.region.code })),
      itemStyle: { color: "#b9c4cf" },
      barMaxWidth: 18,
    });
  }
  instance.setOption(
    {
      animation: false,
      aria: { enabled: true },
      grid: { left: 8, right: 150, top: withBaseline ? 30 : 10, bottom: 24, containLabel: true },
      legend: withBaseline ? { top: 0 } : { show: false },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: (items) => {
          const row = rows[items[0].dataIndex];
          const lines = [`<b>${escapeHtml(row.region.name)}</b>`,
            `${t("value")}: ${withMark(row.value, row.qualifier)} ${escapeHtml(unit)}`];
          if (row.share !== null) lines.push(`${t("share")}: ${formatShare(row.share)}`);
          if (row.baseline !== null) lines.push(`${t("baselineValue")}: ${formatNumber(row.baseline)}`);
          if (row.change !== null) {
            const pct = row.changePct === null ? "" : ` (${formatChange(row.changePct)}%)`;
            lines.push(`${t("change")}: ${formatChange(row.change)}${pct}`);
          }
          if (row.perCapita !== null) lines.push(`${t("perCapitaValue")}: ${formatNumber(row.perCapita)}`);
          return lines.join("<br>");
        },
      },
      xAxis: { type: "value", name: unit, axisLabel: { formatter: (v) => formatNumber(v) } },
      yAxis: {
        type: "category",
        inverse: true,
        data: rows.map((r) => `${r.rank ?? ""}. ${r.region.name}`),
        axisLabel: { width: 140, overflow: "truncate" },
      },
      series,
    },
    true,
  );
  return rows.length;
}

/** Draws the trend of `data.trend` (the region) and of the top regions of `data.trendByRegion`. */
export function drawTrend(data, state, comparison, regionName) {
  const points = buckets(state.grain, state.from, state.to);
  const index = new Map(points.map((p, i) => [p.key, i]));
  const line = (rows) => {
    const values = points.map(() => null);
    const marks = points.map(() => "");
    for (const row of rows) {
      const i = index.get(row.periodStart);
      if (i !== undefined) {
        values[i] = row.value;
        marks[i] = MARKS[row.qualifier] ?? "";
      }
    }
    return { values, marks };
  };
  const series = [];
  const own = line(data.trend ?? []);
  series.push({ name: regionName, ...own });
  if (state.children && data.trendByRegion) {
    const top = comparison.rows.filter((r) => r.value !== null).slice(0, 5);
    for (const row of top) {
      if (row.region.code === state.within) continue;
      const rows = data.trendByRegion.filter((r) => r.region?.code === row.region.code);
      series.push({ name: row.region.name, ...line(rows) });
    }
  }
  const instance = chart("chart-trend");
  instance.setOption(
    {
      animation: false,
      aria: { enabled: true },
      grid: { left: 8, right: 24, top: 40, bottom: 24, containLabel: true },
      legend: { top: 0, type: "scroll" },
      tooltip: {
        trigger: "axis",
        valueFormatter: (v) => (v === null || v === undefined ? t("noData") : formatNumber(v)),
      },
      xAxis: { type: "category", data: points.map((p) => p.label) },
      yAxis: { type: "value", name: comparison.metric.unit, axisLabel: { formatter: (v) => formatNumber(v) } },
      series: series.map((s, n) => ({
        name: s.name,
        type: "line",
        connectNulls: false,
        symbolSize: n === 0 ? 8 : 6,
        lineStyle: { width: n === 0 ? 3 : 1.5 },
        data: s.values,
        label: {
          show: n === 0,
          formatter: (p) => (p.value === null ? "" : `${s.marks[p.dataIndex]}${formatNumber(p.value)}`),
        },
      })),
    },
    true,
  );
  return series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);
}

/** Saves the chart of element `id` as a PNG file. */
export function downloadPng(id, name) {
  const instance = charts.get(id);
  if (!instance) return;
  const url = instance.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
  const a = document.createElement("a");
  a.href = url;
  a.download = `${name}.png`;
  document.body.append(a);
  a.click();
  a.remove();
}

/** Redraws both charts at their boxes' sizes (after the language or the layout changed). */
export function resizeAll() {
  for (const instance of charts.values()) instance.resize();
}

/** `text` safe inside HTML. */
function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
