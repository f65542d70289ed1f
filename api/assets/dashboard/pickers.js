// The controls: the metric picker (filtered by a search box), the region search and tree, the level,
// and the period inputs. Each calls `onChange(patch)` with the part of the state it changes.

import { searchRegions, treeLevel } from "./api.js";
import { t } from "./i18n.js";
import { LEVELS, describePeriod, monthWindow, previousWindow, quarterWindow, yearWindow } from "./state.js";

const $ = (id) => document.getElementById(id);

/** Fills the metric list with the metrics matching the search box, keeping `selected` chosen. */
export function fillMetrics(metrics, selected) {
  const select = $("metric");
  const needle = $("metric-search").value.trim().toLowerCase();
  const shown = metrics.filter((m) => !needle || m.code.toLowerCase().includes(needle) ||
    m.name.toLowerCase().includes(needle) || m.unit.toLowerCase().includes(needle) || m.code === selected);
  select.replaceChildren(...shown.map((m) => {
    const option = new Option(`${m.name}（${m.unit}）· ${m.code}`, m.code, false, m.code === selected);
    option.title = m.code;
    return option;
  }));
}

/** Wires the metric picker. */
export function bindMetrics(getMetrics, getSelected, onChange) {
  $("metric-search").addEventListener("input", () => fillMetrics(getMetrics(), getSelected()));
  $("metric").addEventListener("change", (event) => onChange({ metric: event.target.value }));
}

/** The levels that can be compared within a region of `level`: its own and every one below. */
export function fillLevels(withinLevel, selected) {
  const select = $("level");
  const start = Math.max(0, LEVELS.indexOf(withinLevel));
  select.replaceChildren(...LEVELS.slice(start).map((l) => new Option(t(l), l, false, l === selected)));
}

/** Shows the chosen region as a path of ancestors. */
export function showRegionPath(region) {
  const path = region ? [...region.ancestors, region].map((r) => r.name).join(" › ") : "—";
  $("region-path").textContent = region ? `${path} (${region.code})` : path;
}

/** A button that chooses the region `r`. */
function regionButton(r, onChoose, detail) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link";
  button.dataset.code = r.code;
  button.textContent = detail ? `${r.name} · ${detail}` : r.name;
  button.addEventListener("click", () => onChoose(r));
  return button;
}

/** Wires the region search box: results as buttons, chosen with Enter or a click. */
export function bindRegionSearch(onChoose) {
  const input = $("region-search");
  const list = $("region-results");
  let timer = null;
  let asked = 0;
  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    const text = input.value.trim();
    if (!text) {
      list.replaceChildren();
      return;
    }
    timer = window.setTimeout(async () => {
      const mine = ++asked;
      const found = await searchRegions(text);
      if (mine !== asked) return;
      if (found.length === 0) {
        list.replaceChildren(Object.assign(document.createElement("li"), { textContent: t("noMatch") }));
        return;
      }
      list.replaceChildren(...found.map((r) => {
        const li = document.createElement("li");
        const where = [t(r.level), r.parent?.name, r.code].filter(Boolean).join(" · ");
        li.append(regionButton(r, (chosen) => {
          input.value = "";
          list.replaceChildren();
          onChoose(chosen);
        }, where));
        return li;
      }));
    }, 200);
  });
}

/** One node of the tree: a toggle for its children (when it has any) and a button to choose it. */
function treeNode(r, onChoose) {
  const li = document.createElement("li");
  li.setAttribute("role", "treeitem");
  const hasChildren = r.children.totalCount > 0;
  if (hasChildren) {
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "toggle";
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-label", `${t("expand")} ${r.name}`);
    toggle.textContent = "▸";
    const group = document.createElement("ul");
    group.setAttribute("role", "group");
    group.hidden = true;
    toggle.addEventListener("click", async () => {
      const open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      toggle.setAttribute("aria-label", `${t(open ? "expand" : "collapse")} ${r.name}`);
      toggle.textContent = open ? "▸" : "▾";
      group.hidden = open;
      if (!open && group.childElementCount === 0) {
        const children = await treeLevel(r.code);
        group.replaceChildren(...children.map((c) => treeNode(c, onChoose)));
      }
    });
    li.append(toggle, regionButton(r, onChoose, t(r.level)), group);
  } else {
    const spacer = document.createElement("span");
    spacer.className = "toggle";
    li.append(spacer, regionButton(r, onChoose, t(r.level)));
  }
  return li;
}

/** Loads the top of the tree the first time it is opened. */
export function bindRegionTree(onChoose) {
  const box = $("region-tree-box");
  box.addEventListener("toggle", async () => {
    const tree = $("region-tree");
    if (box.open && tree.childElementCount === 0) {
      const roots = await treeLevel(null);
      tree.replaceChildren(...roots.map((r) => treeNode(r, onChoose)));
    }
  });
}

/** The kind of period the person chose (a year window may also be shown as a free range). */
let chosenKind = null;

/** Shows the period inputs of `state`. */
export function showPeriod(state) {
  const period = describePeriod(state.from, state.to);
  const shown = chosenKind ?? period.kind;
  $("period-kind").value = shown;
  $("period-year").value = period.year;
  $("period-quarter").value = String(period.quarter ?? 1);
  $("period-month").value = state.from.slice(0, 7);
  $("from").value = state.from;
  $("to").value = state.to;
  for (const part of ["year", "quarter", "month", "range"]) {
    const needed = { year: ["year", "quarter"], quarter: ["quarter"], month: ["month"], range: ["range"] }[part];
    document.querySelector(`.period-${part}`).hidden = !needed.includes(shown);
  }
  $("baseline-on").checked = Boolean(state.baselineFrom);
  document.querySelector(".baseline-range").hidden = !state.baselineFrom;
  $("baseline-from").value = state.baselineFrom ?? "";
  $("baseline-to").value = state.baselineTo ?? "";
  $("per-capita").checked = state.perCapita;
  $("grain").value = state.grain;
  $("children").checked = state.children;
}

/** The window the period inputs describe now, for the kind chosen. */
function windowFromInputs() {
  const kind = $("period-kind").value;
  const year = Number($("period-year").value) || new Date().getFullYear();
  if (kind === "year") return yearWindow(year);
  if (kind === "quarter") return quarterWindow(year, Number($("period-quarter").value));
  if (kind === "month") {
    const [y, m] = ($("period-month").value || `${year}-01`).split("-").map(Number);
    return monthWindow(y, m);
  }
  return { from: $("from").value, to: $("to").value };
}

/** Wires the period, baseline, per-capita, level, grain and children inputs. */
export function bindPeriod(getState, onChange) {
  const period = () => {
    const w = windowFromInputs();
    if (!w.from || !w.to || w.from > w.to) return;
    const patch = { ...w };
    const state = getState();
    if (state.baselineFrom) Object.assign(patch, baselineOf(w));
    onChange(patch);
  };
  const baselineOf = (w) => {
    const prev = previousWindow(w.from, w.to);
    return { baselineFrom: prev.from, baselineTo: prev.to };
  };
  $("period-kind").addEventListener("change", (e) => {
    chosenKind = e.target.value;
    showPeriod(getState());
  });
  for (const id of ["period-kind", "period-year", "period-quarter", "period-month", "from", "to"]) {
    $(id).addEventListener("change", period);
  }
  $("baseline-on").addEventListener("change", (event) => {
    const state = getState();
    onChange(event.target.checked ? baselineOf(state) : { baselineFrom: null, baselineTo: null });
  });
  for (const id of ["baseline-from", "baseline-to"]) {
    $(id).addEventListener("change", () => {
      const from = $("baseline-from").value;
      const to = $("baseline-to").value;
      if (from && to && from <= to) onChange({ baselineFrom: from, baselineTo: to });
    });
  }
  $("per-capita").addEventListener("change", (e) => onChange({ perCapita: e.target.checked }));
  $("level").addEventListener("change", (e) => onChange({ level: e.target.value }));
  $("grain").addEventListener("change", (e) => onChange({ grain: e.target.value }));
  $("children").addEventListener("change", (e) => onChange({ children: e.target.checked }));
}
