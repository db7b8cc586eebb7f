// The alloygan chat page: sends a message, shows the turn's progress, draws the answer, its candidate table and plot.
// Every number shown is a field of the server's JSON; this file only formats (rounds) them and places them.
// Server text is always set with textContent (a document's text is data, never markup).
"use strict";

const THREAD_KEY = "alloygan.thread";
const SVG = "http://www.w3.org/2000/svg";
const knownByFamily = new Map(); // family -> Promise of the known alloys (GET /api/known)
let thread = localStorage.getItem(THREAD_KEY);
let busy = false;

const $ = (selector, root = document) => root.querySelector(selector);

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// --- formatting (rounding only) -------------------------------------------------------------------------
function fixed(value, digits) {
  return value === null || value === undefined ? "–" : Number(value).toFixed(digits);
}

function plusMinus(estimate, digits) {
  if (!estimate || estimate.mean === null || estimate.mean === undefined) return "–";
  return estimate.std === null || estimate.std === undefined
    ? fixed(estimate.mean, digits) : `${fixed(estimate.mean, digits)} ± ${fixed(estimate.std, digits)}`;
}

function when(iso) {
  return iso ? iso.slice(0, 16).replace("T", " ") + " UTC" : "";
}

// --- the conversation -----------------------------------------------------------------------------------
function conversation() {
  return $("#conversation");
}

function clearConversation() {
  const welcome = $("#welcome");
  conversation().replaceChildren(welcome);
  welcome.hidden = false;
}

function addMessage(role, text, meta) {
  $("#welcome").hidden = true;
  const box = element("div", `message ${role}`);
  box.append(element("div", "who", role === "user" ? "You" : "alloygan"));
  if (text) box.append(element("div", "text", text));
  if (meta) box.append(element("div", "meta", meta));
  conversation().append(box);
  box.scrollIntoView({block: "end"});
  return box;
}

function setThread(id) {
  thread = id;
  if (id) {
    localStorage.setItem(THREAD_KEY, id);
    rememberThread(id);
  }
  else localStorage.removeItem(THREAD_KEY);
  for (const item of document.querySelectorAll("#threads button")) {
    item.toggleAttribute("aria-current", item.dataset.thread === id);
  }
}

function showProgress(line) {
  const bar = $("#progress");
  bar.hidden = line === null;
  $("#progress-line").textContent = line || "";
}

async function send(message) {
  if (busy || !message.trim()) return;
  busy = true;
  $("#send").disabled = true;
  addMessage("user", message);
  showProgress("sending…");
  try {
    let response = await postChat(message, thread);
    if (response.status === 404 && thread) { // a conversation the server no longer has: start a new one
      setThread(null);
      response = await postChat(message, null);
    }
    if (!response.ok) {
      addMessage("assistant error", await errorText(response));
      return;
    }
    await readEvents(response, handleEvent);
  } catch (error) {
    addMessage("assistant error", `The server could not be reached (${error.message}).`);
  } finally {
    busy = false;
    $("#send").disabled = false;
    showProgress(null);
    loadThreads();
  }
}

function postChat(message, id) {
  return fetch("/api/chat", {
    method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({message, thread: id}),
  });
}

async function errorText(response) {
  try {
    const body = await response.json();
    const detail = body.detail;
    if (Array.isArray(detail)) return detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
    return String(detail || response.statusText);
  } catch {
    return `HTTP ${response.status} ${response.statusText}`;
  }
}

// Server-sent events over a POST: blocks of "event: KIND" and "data: JSON" lines, separated by a blank line.
async function readEvents(response, handle) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, {stream: true});
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let kind = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) kind = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      handle(kind, data.length ? JSON.parse(data.join("\n")) : null);
    }
  }
}

function handleEvent(kind, data) {
  if (kind === "thread") setThread(data.thread);
  else if (kind === "progress") showProgress(data.line);
  else if (kind === "error") addMessage("assistant error", data.message);
  else if (kind === "answer") showAnswer(data);
}

function showAnswer(answer) {
  const box = addMessage("assistant", answer.design ? answer.text : answer.text || answer.answer,
                         `answered by: ${answer.answered_by}`);
  if (answer.design) addDesign(box, answer.design, answer.answer);
  box.scrollIntoView({block: "start"});
}

// A design's answer: the full text folded away (the table below shows the candidates), then the design.
function addDesign(box, design, fullText) {
  if (fullText) {
    const folded = element("details", "full-text");
    folded.append(element("summary", null, "The answer as text"), element("div", "text", fullText));
    box.append(folded);
  }
  box.append(designBlock(design));
}

// --- a design: summary, plot, table, log button --------------------------------------------------------
const COLUMNS = [
  {key: "rank", label: "Rank", sort: (c) => c.rank, cell: rankCell},
  {key: "formula", label: "Composition", sort: (c) => c.formula, cell: (c) => c.formula},
  {key: "Trg", label: "Trg", sort: (c) => c.Trg.mean, cell: (c) => estimateCell(c.Trg, 3)},
  {key: "Tg", label: "Tg (K)", sort: (c) => c.Tg.mean, cell: (c) => estimateCell(c.Tg, 0)},
  {key: "Tx", label: "Tx (K)", sort: (c) => c.Tx.mean, cell: (c) => estimateCell(c.Tx, 0)},
  {key: "Tl", label: "Tl (K)", sort: (c) => c.Tl.mean, cell: (c) => estimateCell(c.Tl, 0)},
  {key: "gamma", label: "γ", sort: (c) => c.gamma.mean, cell: (c) => estimateCell(c.gamma, 3)},
  {key: "p_meets_goal", label: "P(goal)", title: "Probability of meeting every range of the goal", sort: (c) => c.p_meets_goal, cell: (c) => fixed(c.p_meets_goal, 2)},
  {key: "domain", label: "Domain", title: "Domain of applicability: the distance to the nearest known alloy", sort: (c) => (c.domain ? c.domain.distance_at_pct : null), cell: domainCell},
  {key: "cost", label: "USD/kg", title: "Raw-material cost, USD per kg", sort: (c) => c.cost_usd_per_kg, cell: (c) => fixed(c.cost_usd_per_kg, 1)},
  {key: "nearest", label: "Nearest known alloy, source", sort: (c) => nearest(c)?.distance_at_pct ?? null,
   cell: nearestCell},
];

function nearest(candidate) {
  return candidate.nearest_known && candidate.nearest_known.length ? candidate.nearest_known[0] : null;
}

function estimateCell(estimate, digits) {
  if (!estimate || estimate.mean === null || estimate.mean === undefined) return "–";
  const mean = element("span", "mean", fixed(estimate.mean, digits));
  return estimate.std === null || estimate.std === undefined
    ? mean : [mean, element("span", "sd", ` ± ${fixed(estimate.std, digits)}`)];
}

function rankCell(candidate) {
  const cell = element("span", null, candidate.rank);
  if (candidate.near_miss) {
    const badge = element("span", "badge miss", "near miss");
    badge.title = (candidate.misses || []).join("; ");
    return [cell, badge];
  }
  return cell;
}

function domainCell(candidate) {
  if (!candidate.domain) return "–";
  const label = element("span", `badge ${candidate.domain.label}`, candidate.domain.label);
  return [label, element("span", "sub", `${candidate.domain.distance_at_pct} at.%`)];
}

function nearestCell(candidate) {
  const near = nearest(candidate);
  if (!near) return "–";
  const source = [near.source.location, near.source.document].filter(Boolean).join(", ");
  const name = element("span", "near", near.formula);
  const cite = element("span", "source", `${near.distance_at_pct} at.% away · ${source}`);
  cite.title = source;
  return [name, cite];
}

function designBlock(design) {
  const block = $("#design-template").content.firstElementChild.cloneNode(true);
  const stats = design.stats || {};
  $(".goal", block).textContent = `Goal: ${design.goal_description}`;
  if (stats.returned !== undefined) {
    $(".stats", block).textContent = `${stats.returned} candidates; ${Number(stats.passing).toLocaleString("en")} of `
      + `${Number(stats.unique_valid).toLocaleString("en")} unique generated compositions meet the goal by the forward `
      + `model (${stats.generator}, ${stats.family_alloys} known alloys of the family).`;
  }
  const notes = $(".notes", block);
  for (const note of design.notes || []) notes.append(element("li", null, note));
  if (design.not_understood && design.not_understood.length) {
    notes.append(element("li", null, `Not understood (ignored): ${design.not_understood.join(" ")}`));
  }
  const table = $("table.candidates", block);
  fillTable(table, design.candidates);
  wireLogging(block, table);
  drawPlot($("figure.plot", block), design, table);
  return block;
}

function fillTable(table, candidates) {
  const head = $("thead tr", table);
  head.append(element("th", "pick", "Log"));
  for (const column of COLUMNS) {
    const th = element("th");
    th.dataset.key = column.key;
    th.setAttribute("aria-sort", column.key === "rank" ? "ascending" : "none");
    const button = element("button", "sort", column.label);
    button.type = "button";
    button.title = column.title ? `${column.title}; click to sort` : "Click to sort";
    button.addEventListener("click", () => sortTable(table, column));
    th.append(button);
    head.append(th);
  }
  const body = $("tbody", table);
  for (const candidate of candidates) {
    const row = element("tr", candidate.near_miss ? "near-miss" : "");
    row.dataset.rank = candidate.rank;
    row.dataset.formula = candidate.formula;
    const pick = element("td", "pick");
    const box = element("input");
    box.type = "checkbox";
    box.value = candidate.rank;
    box.setAttribute("aria-label", `log candidate ${candidate.rank}`);
    pick.append(box);
    row.append(pick);
    for (const column of COLUMNS) {
      const td = element("td", `col-${column.key}`);
      const value = column.sort(candidate);
      td.dataset.sort = value === null || value === undefined ? "" : String(value);
      const shown = column.cell(candidate);
      if (Array.isArray(shown)) td.append(...shown);
      else if (shown instanceof Node) td.append(shown);
      else td.textContent = shown;
      row.append(td);
    }
    body.append(row);
  }
}

function sortTable(table, column) {
  const th = $(`th[data-key="${column.key}"]`, table);
  const ascending = th.getAttribute("aria-sort") !== "ascending";
  for (const other of table.querySelectorAll("th[data-key]")) other.setAttribute("aria-sort", "none");
  th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const body = $("tbody", table);
  const index = COLUMNS.indexOf(column) + 2; // 1-based, after the checkbox column
  const rows = [...body.rows];
  const key = (row) => row.querySelector(`td:nth-child(${index})`).dataset.sort;
  const numeric = rows.every((row) => key(row) === "" || !Number.isNaN(Number(key(row))));
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    if (x === "" || y === "") return (x === "") - (y === ""); // missing values last, either way
    const order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
    return ascending ? order : -order;
  });
  body.append(...rows);
}

function wireLogging(block, table) {
  const button = $(".log-selected", block);
  const shown = $(".logged", block);
  table.addEventListener("change", () => {
    button.disabled = !table.querySelector("tbody input:checked");
  });
  button.addEventListener("click", async () => {
    const ranks = [...table.querySelectorAll("tbody input:checked")].map((box) => Number(box.value));
    button.disabled = true;
    shown.textContent = "logging…";
    try {
      const response = await fetch("/api/experiments/log", {
        method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({thread, ranks}),
      });
      if (!response.ok) {
        shown.textContent = `Not logged: ${await errorText(response)}`;
        return;
      }
      const body = await response.json();
      const logged = body.logged || [];
      shown.textContent = `Logged as experiment suggestions: ${logged.map((s) => `#${s.id} ${s.formula} (rank ${s.design_rank})`).join(", ")}`;
      shown.dataset.ids = logged.map((s) => s.id).join(",");
    } catch (error) {
      shown.textContent = `Not logged: ${error.message}`;
    } finally {
      button.disabled = !table.querySelector("tbody input:checked");
    }
  });
}

// --- the plots: predicted Trg ± σ against cost over the family's known alloys, and the candidates up close ---
function knownAlloys(family) {
  if (!knownByFamily.has(family)) {
    knownByFamily.set(family, fetch(`/api/known?base=${encodeURIComponent(family)}`)
      .then((r) => (r.ok ? r.json() : []))
      .catch(() => []));
  }
  return knownByFamily.get(family);
}

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceTicks(low, high, count, log) {
  if (log) {
    const ticks = [];
    for (let power = Math.floor(Math.log10(low)); power <= Math.ceil(Math.log10(high)); power++) {
      for (const step of [1, 2, 5]) {
        const tick = step * 10 ** power;
        if (tick >= low && tick <= high) ticks.push(tick);
      }
    }
    return ticks;
  }
  const raw = (high - low) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((s) => s * magnitude).find((s) => s >= raw);
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks = [];
  for (let i = Math.ceil(low / step); i * step <= high + step * 1e-9; i++) ticks.push(Number((i * step).toFixed(digits)));
  return ticks;
}

function padded(low, high, share, least) {
  const margin = Math.max((high - low) * share, least);
  return [low - margin, high + margin];
}

// One scatter panel: axes, grid, labels; returns the svg and its scales.
function panel(title, xDomain, yDomain, log, width, height) {
  const [left, right, top, bottom] = [50, 10, 22, 38];
  const [xLow, xHigh] = xDomain, [yLow, yHigh] = yDomain;
  const x = (value) => left + (width - left - right)
    * (log ? Math.log(value / xLow) / Math.log(xHigh / xLow) : (value - xLow) / (xHigh - xLow));
  const y = (value) => top + (height - top - bottom) * (1 - (value - yLow) / (yHigh - yLow));
  const inside = (cost, trg) => cost >= xLow && cost <= xHigh && trg >= yLow && trg <= yHigh;
  const plot = svg("svg", {viewBox: `0 0 ${width} ${height}`, width, height, role: "img", class: "scatter"});
  plot.append(svg("title", {}, title));
  const axes = svg("g", {class: "axes"});
  for (const tick of niceTicks(xLow, xHigh, 5, log)) {
    axes.append(svg("line", {x1: x(tick), x2: x(tick), y1: top, y2: height - bottom, class: "grid"}));
    axes.append(svg("text", {x: x(tick), y: height - bottom + 13, "text-anchor": "middle"}, String(tick)));
  }
  for (const tick of niceTicks(yLow, yHigh, 5, false)) {
    axes.append(svg("line", {x1: left, x2: width - right, y1: y(tick), y2: y(tick), class: "grid"}));
    axes.append(svg("text", {x: left - 5, y: y(tick) + 3.5, "text-anchor": "end"}, String(tick)));
  }
  axes.append(svg("rect", {x: left, y: top, width: width - left - right, height: height - top - bottom, class: "frame"}));
  axes.append(svg("text", {x: left, y: 13, class: "title"}, title));
  axes.append(svg("text", {x: (left + width - right) / 2, y: height - 5, "text-anchor": "middle", class: "label"},
    `raw-material cost, USD/kg${log ? " (log scale)" : ""}`));
  const middle = (top + height - bottom) / 2;
  axes.append(svg("text", {x: 12, y: middle, "text-anchor": "middle", class: "label",
    transform: `rotate(-90 12 ${middle})`}, "Trg = Tg / Tl"));
  plot.append(axes);
  const area = svg("g", {class: "data"});
  plot.append(area);
  return {plot, area, x, y, inside, left, right: width - right, yLow, yHigh};
}

function goalLines(view, goal) {
  for (const range of ((goal && goal.constraints) || []).filter((c) => c.property === "Trg")) {
    for (const bound of [range.min, range.max]) {
      if (bound === null || bound === undefined || bound <= view.yLow || bound >= view.yHigh) continue;
      view.area.append(svg("line", {x1: view.left, x2: view.right, y1: view.y(bound), y2: view.y(bound),
        class: "goal-line"}));
      view.area.append(svg("text", {x: view.right - 4, y: view.y(bound) - 4, "text-anchor": "end",
        class: "goal-label"}, `goal: Trg ${bound === range.min ? ">" : "<"} ${bound}`));
    }
  }
}

function knownPoints(view, known) {
  const layer = svg("g", {class: "known"});
  for (const alloy of known.filter((k) => view.inside(k.cost_usd_per_kg, k.Trg))) {
    const dot = svg("circle", {cx: view.x(alloy.cost_usd_per_kg), cy: view.y(alloy.Trg), r: 3});
    dot.append(svg("title", {}, `${alloy.formula} (known): Trg ${fixed(alloy.Trg, 3)}, `
      + `${fixed(alloy.cost_usd_per_kg, 1)} USD/kg; ${alloy.source}`));
    layer.append(dot);
  }
  view.area.append(layer);
}

function candidatePoints(view, candidates, labelled) {
  const layer = svg("g", {class: "candidates"});
  for (const candidate of [...candidates].reverse()) { // rank 1 drawn last, on top
    const cx = view.x(candidate.cost_usd_per_kg), std = candidate.Trg.std || 0;
    const point = svg("g", {class: `candidate${candidate.near_miss ? " near-miss" : ""}`,
      "data-rank": candidate.rank});
    point.append(svg("line", {x1: cx, x2: cx, y1: view.y(candidate.Trg.mean - std),
      y2: view.y(candidate.Trg.mean + std), class: "error-bar"}));
    point.append(svg("circle", {cx, cy: view.y(candidate.Trg.mean), r: labelled ? 4.5 : 3.5}));
    if (labelled) point.append(svg("text", {x: cx + 6, y: view.y(candidate.Trg.mean) - 4, class: "rank"},
      String(candidate.rank)));
    point.append(svg("title", {}, `${candidate.rank}. ${candidate.formula}: Trg ${plusMinus(candidate.Trg, 3)}, `
      + `${fixed(candidate.cost_usd_per_kg, 1)} USD/kg`));
    layer.append(point);
  }
  view.area.append(layer);
}

// Two panels of Trg against cost: the family (known alloys in grey, the candidates in colour, the close-up's
// window outlined) and the candidates close up, numbered by rank, with their ±1σ bars.
async function drawPlot(figure, design, table) {
  const candidates = design.candidates.filter((c) => c.cost_usd_per_kg !== null && c.Trg.mean !== null);
  const first = design.candidates[0];
  const family = (design.goal && design.goal.base_element) || (first && first.domain && first.domain.family);
  const known = family ? (await knownAlloys(family)).filter((k) => k.cost_usd_per_kg !== null && k.Trg !== null) : [];
  const caption = $("figcaption", figure);
  if (!candidates.length) {
    caption.textContent = design.candidates.length ? "No candidate has a price: nothing to plot." : "No candidates.";
    return;
  }
  const bars = candidates.flatMap((c) => [c.Trg.mean - (c.Trg.std || 0), c.Trg.mean + (c.Trg.std || 0)]);
  const candidateCosts = candidates.map((c) => c.cost_usd_per_kg);
  const costs = [...candidateCosts, ...known.map((k) => k.cost_usd_per_kg)];
  const trgs = [...bars, ...known.map((k) => k.Trg)];
  const [costLow, costHigh] = [Math.min(...costs), Math.max(...costs)];
  const log = costLow > 0 && costHigh / costLow > 20;
  const wide = {x: log ? [costLow / 1.15, costHigh * 1.15] : padded(costLow, costHigh, 0.05, 0.5),
    y: padded(Math.min(...trgs), Math.max(...trgs), 0.06, 0.005)};
  const overview = panel(`${family || "All"}-based: known alloys and the candidates`, wide.x, wide.y, log, 470, 270);
  const close = {x: padded(Math.min(...candidateCosts), Math.max(...candidateCosts), 0.12, 0.3),
    y: padded(Math.min(...bars), Math.max(...bars), 0.08, 0.002)};
  const closeUp = panel("The candidates close up", close.x, close.y, false, 470, 270);
  for (const [view, labelled] of [[overview, false], [closeUp, true]]) {
    goalLines(view, design.goal);
    knownPoints(view, known);
    candidatePoints(view, candidates, labelled);
  }
  const clamp = (value, [low, high]) => Math.min(Math.max(value, low), high);
  const [x1, x2] = close.x.map((c) => overview.x(clamp(c, wide.x)));
  const [y1, y2] = close.y.map((t) => overview.y(clamp(t, wide.y)));
  overview.area.append(svg("rect", {x: x1 - 3, y: y2 - 3, width: x2 - x1 + 6, height: y1 - y2 + 6, class: "window"}));
  const plots = element("div", "plots");
  plots.append(overview.plot, closeUp.plot);
  figure.prepend(plots);
  const unplotted = design.candidates.length - candidates.length;
  caption.textContent = `Predicted Trg (± 1σ bars) of the candidates (blue; near misses orange) and measured Trg `
    + `of ${known.length} known ${family || ""} alloys (grey), against raw-material cost. Left: the family; `
    + `right: the outlined window, candidates numbered by rank.`
    + (unplotted ? ` ${unplotted} candidate(s) without a price are not drawn.` : "");

  // a row under the pointer marks its point
  for (const row of table.tBodies[0].rows) {
    const mark = (on) => {
      for (const point of figure.querySelectorAll(`g.candidate[data-rank="${row.dataset.rank}"]`)) {
        point.classList.toggle("hot", on);
      }
    };
    row.addEventListener("mouseenter", () => mark(true));
    row.addEventListener("mouseleave", () => mark(false));
  }
}

// --- threads ---------------------------------------------------------------------------------------------
// The conversations this browser started: the server lists only the ids a client names (an id is its key).
const THREADS_KEY = "alloygan.threads";

function knownThreads() {
  try {
    const ids = JSON.parse(localStorage.getItem(THREADS_KEY) || "[]");
    return Array.isArray(ids) ? ids.filter((id) => typeof id === "string") : [];
  } catch {
    return [];
  }
}

function rememberThread(id) {
  const ids = knownThreads().filter((known) => known !== id);
  ids.unshift(id);
  localStorage.setItem(THREADS_KEY, JSON.stringify(ids.slice(0, 200)));
}
async function loadThreads() {
  let threads = [];
  try {
    const ids = knownThreads();
    if (!ids.length) throw new Error("no threads yet");
    const response = await fetch(`/api/threads?ids=${encodeURIComponent(ids.join(","))}`);
    if (response.ok) threads = await response.json();
  } catch {
    return;
  }
  const list = $("#threads");
  list.replaceChildren();
  if (!threads.length) list.append(element("li", "empty", "None yet."));
  for (const item of threads) {
    const button = element("button");
    button.type = "button";
    button.dataset.thread = item.thread;
    button.toggleAttribute("aria-current", item.thread === thread);
    button.append(element("span", "title", item.goal || item.last_message || item.thread));
    button.append(element("span", "when", `${when(item.updated_at)} · ${item.user_turns} message${item.user_turns === 1 ? "" : "s"}`));
    button.addEventListener("click", () => openThread(item.thread));
    const li = element("li");
    li.append(button);
    list.append(li);
  }
}

async function openThread(id) {
  if (busy) return;
  const response = await fetch(`/api/threads/${encodeURIComponent(id)}`);
  if (!response.ok) {
    if (id === thread) setThread(null);
    return;
  }
  const stored = await response.json();
  clearConversation();
  setThread(stored.thread);
  for (const message of stored.messages) {
    if (message.design) addDesign(addMessage(message.role, null), message.design, message.text);
    else addMessage(message.role, message.text);
  }
  if (stored.design && !stored.messages.some((message) => message.design)) {
    addDesign(addMessage("assistant", null, "the conversation's last design"), stored.design, null);
  }
}

function newThread() {
  if (busy) return;
  setThread(null);
  clearConversation();
  $("#message").focus();
}

document.addEventListener("DOMContentLoaded", () => {
  const input = $("#message");
  $("#composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const message = input.value;
    input.value = "";
    send(message);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("#composer").requestSubmit();
    }
  });
  for (const example of document.querySelectorAll("button.example")) {
    example.addEventListener("click", () => { input.value = example.textContent; input.focus(); });
  }
  $("#new-thread").addEventListener("click", newThread);
  loadThreads();
  if (thread) openThread(thread);
});
