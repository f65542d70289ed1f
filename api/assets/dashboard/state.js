// The view's state and its URL:
// /dashboard?metric=CODE&within=REGION_CODE&level=LEVEL&from=YYYY-MM-DD&to=YYYY-MM-DD
//   [&grain=MONTH|QUARTER|YEAR][&baselineFrom=...&baselineTo=...][&perCapita=true][&children=false]

/** The levels of the region tree, from the top, as the GraphQL enum has them. */
export const LEVELS = ["PROVINCE", "CITY", "COUNTY", "TOWN", "VILLAGE"];
/** The grains of a trend, as the GraphQL enum has them. */
export const GRAINS = ["YEAR", "QUARTER", "MONTH"];

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The state the URL's query string gives; missing or malformed parts are null. */
export function readUrl(search = window.location.search) {
  const q = new URLSearchParams(search);
  const date = (name) => (DATE.test(q.get(name) ?? "") ? q.get(name) : null);
  const level = q.get("level");
  const grain = q.get("grain");
  const state = {
    metric: q.get("metric") || null,
    within: q.get("within") || null,
    level: LEVELS.includes(level) ? level : null,
    from: date("from"),
    to: date("to"),
    grain: GRAINS.includes(grain) ? grain : null,
    baselineFrom: date("baselineFrom"),
    baselineTo: date("baselineTo"),
    perCapita: q.get("perCapita") === "true",
    children: q.get("children") !== "false",
  };
  if (!state.baselineFrom || !state.baselineTo) {
    state.baselineFrom = null;
    state.baselineTo = null;
  }
  return state;
}

/** The query string of `state`, parameters in the documented order. */
export function toQuery(state) {
  const q = new URLSearchParams();
  for (const name of ["metric", "within", "level", "from", "to", "grain"]) {
    if (state[name]) q.set(name, state[name]);
  }
  if (state.baselineFrom && state.baselineTo) {
    q.set("baselineFrom", state.baselineFrom);
    q.set("baselineTo", state.baselineTo);
  }
  if (state.perCapita) q.set("perCapita", "true");
  if (state.children === false) q.set("children", "false");
  return q.toString();
}

/** Writes `state` into the address bar: a new history entry when `push`, else in place. */
export function writeUrl(state, push) {
  const url = `${window.location.pathname}?${toQuery(state)}`;
  if (url === `${window.location.pathname}${window.location.search}`) return;
  if (push) {
    window.history.pushState(null, "", url);
  } else {
    window.history.replaceState(null, "", url);
  }
}

const pad = (n) => String(n).padStart(2, "0");
/** `YYYY-MM-DD` of a year, month (1..12) and day. */
export function ymd(year, month, day) {
  return `${String(year).padStart(4, "0")}-${pad(month)}-${pad(day)}`;
}
/** The last day of a month (1..12). */
export function lastDay(year, month) {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The window of a whole year, quarter (1..4) or month (1..12). */
export function yearWindow(year) {
  return { from: ymd(year, 1, 1), to: ymd(year, 12, 31) };
}
export function quarterWindow(year, quarter) {
  const first = (quarter - 1) * 3 + 1;
  return { from: ymd(year, first, 1), to: ymd(year, first + 2, lastDay(year, first + 2)) };
}
export function monthWindow(year, month) {
  return { from: ymd(year, month, 1), to: ymd(year, month, lastDay(year, month)) };
}

/** What kind of period `[from, to]` is: a year, a quarter, a month, or a free range. */
export function describePeriod(from, to) {
  const [y, m, d] = from.split("-").map(Number);
  const same = (w) => w.from === from && w.to === to;
  if (d === 1 && m === 1 && same(yearWindow(y))) return { kind: "year", year: y };
  if (d === 1 && (m - 1) % 3 === 0 && same(quarterWindow(y, (m + 2) / 3))) {
    return { kind: "quarter", year: y, quarter: (m + 2) / 3 };
  }
  if (d === 1 && same(monthWindow(y, m))) return { kind: "month", year: y, month: m };
  return { kind: "range", year: y };
}

/** The window of the same length just before `[from, to]`, by whole years when it is whole years. */
export function previousWindow(from, to) {
  const [fy, fm, fd] = from.split("-").map(Number);
  const [ty, tm, td] = to.split("-").map(Number);
  if (fm === 1 && fd === 1 && tm === 12 && td === 31) {
    const years = ty - fy + 1;
    return { from: ymd(fy - years, 1, 1), to: ymd(ty - years, 12, 31) };
  }
  const start = Date.UTC(fy, fm - 1, fd);
  const end = Date.UTC(ty, tm - 1, td);
  const day = 86400000;
  const prevEnd = new Date(start - day);
  const prevStart = new Date(start - day - (end - start));
  const iso = (dt) => dt.toISOString().slice(0, 10);
  return { from: iso(prevStart), to: iso(prevEnd) };
}

/** The calendar buckets of `grain` from `from` to `to`, at most `max`: `{key, label}` each. */
export function buckets(grain, from, to, max = 240) {
  const [fy, fm] = from.split("-").map(Number);
  const [ty, tm] = to.split("-").map(Number);
  const out = [];
  if (grain === "YEAR") {
    for (let y = fy; y <= ty && out.length < max; y++) out.push({ key: ymd(y, 1, 1), label: String(y) });
  } else if (grain === "QUARTER") {
    let y = fy;
    let q = Math.floor((fm - 1) / 3) + 1;
    const last = ty * 4 + Math.floor((tm - 1) / 3);
    while (y * 4 + q - 1 <= last && out.length < max) {
      out.push({ key: ymd(y, (q - 1) * 3 + 1, 1), label: `${y} Q${q}` });
      q += 1;
      if (q > 4) { q = 1; y += 1; }
    }
  } else {
    let y = fy;
    let m = fm;
    while (y * 12 + m <= ty * 12 + tm && out.length < max) {
      out.push({ key: ymd(y, m, 1), label: `${y}-${pad(m)}` });
      m += 1;
      if (m > 12) { m = 1; y += 1; }
    }
  }
  return out;
}

/** A grain that gives a readable number of points for `[from, to]`. */
export function defaultGrain(from, to) {
  const months = (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 +
    Number(to.slice(5, 7)) - Number(from.slice(5, 7)) + 1;
  if (months > 36) return "YEAR";
  if (months > 12) return "QUARTER";
  return "MONTH";
}
