// Labels in Chinese (the default) and English, number and date formats, qualifier marks.

const LABELS = {
  zh: {
    title: "数据看板", graphiql: "GraphiQL", switchTo: "English", choose: "选择",
    metric: "指标", searchMetric: "搜索指标（名称、代码或单位）", region: "地区", within: "范围",
    searchRegion: "按名称或代码搜索地区", browseTree: "浏览地区树", level: "比较层级",
    period: "时间", periodKind: "时段类型", year: "年", quarter: "季度", month: "月",
    range: "自定义起止", from: "起", to: "止", baseline: "与基期比较", baselineFrom: "基期起",
    baselineTo: "基期止", perCapita: "每万人", compare: "地区比较", trend: "趋势", grain: "粒度",
    topChildren: "显示前五个下级地区", provenance: "数据来源", csv: "导出 CSV", png: "下载图片",
    token: "访问令牌", tokenNeeded: "此服务器需要访问令牌。令牌只保存在本次浏览会话中。",
    useToken: "使用令牌", loading: "加载中…", noMatch: "没有匹配的地区", expand: "展开", collapse: "收起",
    PROVINCE: "省", CITY: "市", COUNTY: "县（区）", TOWN: "街道（镇、乡）", VILLAGE: "村（社区）",
    levelPlural: { PROVINCE: "个省", CITY: "个市", COUNTY: "个县（区）", TOWN: "个街道（镇、乡）", VILLAGE: "个村（社区）" },
    coverage: (n, of, unit) => `${of}${unit}中有 ${n} 个报送了数据`,
    total: "合计", mean: "平均", median: "中位数",
    noData: "无数据", noDataList: (names) => `无数据：${names}`,
    notPerCapita: (names) => `无数据或无人口数：${names}`,
    rank: "排名", value: "数值", qualifier: "限定", share: "占比", change: "较基期", changePct: "变化率",
    baselineValue: "基期值", perCapitaValue: "每万人", reports: "来源报告", quote: "原文",
    source: "发布者", date: "日期", link: "链接", periodCol: "时段",
    OVER: "以上（余）", APPROX: "约", UNDER: "不到", NEARLY: "近", EXACT: "确数",
    series: "序列", trendEmpty: "此时段内没有可按粒度归入的数据。",
    spanning: "跨越多个时段的数据不计入趋势。",
    refreshed: (title) => `有新报告发布：“${title}”，看板已刷新。`,
    chooseMetric: "请选择指标。", unknownRegion: "未找到该地区。",
    marks: "≥ 以上（余） · ≈ 约 · < 不到 · ~ 近；浅色的条形带有限定词。",
  },
  en: {
    title: "Dashboard", graphiql: "GraphiQL", switchTo: "中文", choose: "Choose",
    metric: "Metric", searchMetric: "Search metrics (name, code or unit)", region: "Region",
    within: "Within", searchRegion: "Search regions by name or code", browseTree: "Browse the region tree",
    level: "Compare at level", period: "Period", periodKind: "Kind of period", year: "Year",
    quarter: "Quarter", month: "Month", range: "From / to", from: "From", to: "To",
    baseline: "Compare with a baseline", baselineFrom: "Baseline from", baselineTo: "Baseline to",
    perCapita: "Per 10,000 residents", compare: "Compare regions", trend: "Trend", grain: "Grain",
    topChildren: "Show the top five regions", provenance: "Where the figures come from",
    csv: "Export CSV", png: "Download PNG", token: "Access token",
    tokenNeeded: "This server needs an access token. It is kept for this browser session only.",
    useToken: "Use token", loading: "Loading…", noMatch: "No matching region", expand: "Expand",
    collapse: "Collapse",
    PROVINCE: "province", CITY: "city", COUNTY: "county", TOWN: "town", VILLAGE: "village",
    levelPlural: { PROVINCE: "provinces", CITY: "cities", COUNTY: "counties", TOWN: "towns", VILLAGE: "villages" },
    coverage: (n, of, unit) => `${n} of ${of} ${unit} reported`,
    total: "Total", mean: "Mean", median: "Median",
    noData: "no data", noDataList: (names) => `No data: ${names}`,
    notPerCapita: (names) => `No data or no population: ${names}`,
    rank: "Rank", value: "Value", qualifier: "Qualifier", share: "Share", change: "Change",
    changePct: "Change %", baselineValue: "Baseline", perCapitaValue: "Per 10,000",
    reports: "Reports", quote: "Quote", source: "Source", date: "Date", link: "Link", periodCol: "Period",
    OVER: "at least", APPROX: "about", UNDER: "below", NEARLY: "nearly", EXACT: "exact",
    series: "Series", trendEmpty: "No figure of this period fits in one bucket of the grain.",
    spanning: "Figures that span several buckets are left out of the trend.",
    refreshed: (title) => `A report was posted: “${title}”. The view was refreshed.`,
    chooseMetric: "Choose a metric.", unknownRegion: "No such region.",
    marks: "≥ at least · ≈ about · < below · ~ nearly; lighter bars carry a qualifier.",
  },
};

/** The qualifier marks shown before a value. */
export const MARKS = { OVER: "≥", APPROX: "≈", UNDER: "<", NEARLY: "~", EXACT: "" };

let lang = "zh";
try {
  if (window.localStorage.getItem("civicgraph.lang") === "en") lang = "en";
} catch (_) {
  // Storage may be unavailable (private windows): Chinese then.
}

/** The current language, `zh` or `en`. */
export function language() {
  return lang;
}

/** Switches language, remembers it, and relabels the static page. */
export function setLanguage(next) {
  lang = next === "en" ? "en" : "zh";
  try {
    window.localStorage.setItem("civicgraph.lang", lang);
  } catch (_) {
    // Not remembered: fine.
  }
  relabel();
}

/** The label `key` in the current language (a function label is called with `args`). */
export function t(key, ...args) {
  const label = LABELS[lang][key] ?? LABELS.zh[key] ?? key;
  return typeof label === "function" ? label(...args) : label;
}

/** The plural noun for regions of `level` ("towns", "个街道"). */
export function levelPlural(level) {
  return LABELS[lang].levelPlural[level] ?? level;
}

/** Applies the labels to every element marked `data-i18n`, and the page's language. */
export function relabel() {
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  for (const el of document.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n);
  }
  const search = document.getElementById("metric-search");
  search.placeholder = t("searchMetric");
  document.getElementById("region-search").placeholder = t("searchRegion");
  const button = document.getElementById("lang");
  button.textContent = t("switchTo");
  button.lang = lang === "en" ? "zh-CN" : "en";
  document.title = `civicgraph · ${t("title")}`;
}

/** One number format per language, made when first used (every label and cell goes through it). */
const numberFormats = {};

/** A number for people: grouped digits, at most two decimals. */
export function formatNumber(value) {
  if (value === null || value === undefined) return "";
  numberFormats[lang] ??= new Intl.NumberFormat(lang === "en" ? "en-US" : "zh-CN", { maximumFractionDigits: 2 });
  return numberFormats[lang].format(value);
}

/** A value with its qualifier's mark: "≥ 7,000". */
export function withMark(value, qualifier) {
  if (value === null || value === undefined) return t("noData");
  const mark = MARKS[qualifier] ?? "";
  return mark ? `${mark} ${formatNumber(value)}` : formatNumber(value);
}

/** A share (0..1) as a percentage. */
export function formatShare(share) {
  if (share === null || share === undefined) return "";
  return `${formatNumber(share * 100)}%`;
}

/** A change with its sign. */
export function formatChange(change) {
  if (change === null || change === undefined) return "";
  return change > 0 ? `+${formatNumber(change)}` : formatNumber(change);
}
