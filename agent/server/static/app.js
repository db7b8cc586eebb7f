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
  if (id) localStorage.setItem(THREAD_KEY, id);
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
  const box = addMessage("assistant", answer.text, `answered by: ${answer.answered_by}`);
  if (answer.design) box.append(designBlock(answer.design));
  box.scrollIntoView({block: "start"});
}

// --- a design: summary, plot, table, log button --------------------------------------------------------
const COLUMNS = [
  {key: "rank", label: "Rank", sort: (c) => c.rank, cell: rankCell},
  {key: "formula", label: "Composition", sort: (c) => c.formula, cell: (c) => c.formula},
  {key: "Trg", label: "Trg", sort: (c) => c.Trg.mean, cell: (c) => plusMinus(c.Trg, 3)},
  {key: "Tg", label: "Tg (K)", sort: (c) => c.Tg.mean, cell: (c) => plusMinus(c.Tg, 0)},
  {key: "Tx", label: "Tx (K)", sort: (c) => c.Tx.mean, cell: (c) => plusMinus(c.Tx, 0)},
  {key: "Tl", label: "Tl (K)", sort: (c) => c.Tl.mean, cell: (c) => plusMinus(c.Tl, 0)},
  {key: "gamma", label: "γ", sort: (c) => c.gamma.mean, cell: (c) => plusMinus(c.gamma, 3)},
  {key: "p_meets_goal", label: "P(goal)", sort: (c) => c.p_meets_goal, cell: (c) => fixed(c.p_meets_goal, 2)},
  {key: "domain", label: "Domain", sort: (c) => (c.domain ? c.domain.distance_at_pct : null), cell: domainCell},
  {key: "cost", label: "Cost (USD/kg)", sort: (c) => c.cost_usd_per_kg, cell: (c) => fixed(c.cost_usd_per_kg, 1)},
  {key: "nearest", label: "Nearest known alloy (source)", sort: (c) => nearest(c)?.distance_at_pct ?? null,
   cell: nearestCell},
];

function nearest(candidate) {
  return candidate.nearest_known && candidate.nearest_known.length ? candidate.nearest_known[0] : null;
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
  const source = [near.source.document, near.source.location].filter(Boolean).join(", ");
  const name = element("span", "near", `${near.formula} (${near.distance_at_pct} at.%)`);
  const cite = element("span", "source", source);
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

// --- the plot: predicted Trg ± σ against cost, over the family's known alloys ---------------------------
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
  const ticks = [];
  for (let tick = Math.ceil(low / step) * step; tick <= high + step * 1e-9; tick += step) ticks.push(tick);
  return ticks;
}

async function drawPlot(figure, design, table) {
  const candidates = design.candidates.filter((c) => c.cost_usd_per_kg !== null && c.Trg.mean !== null);
  const family = (design.goal && design.goal.base_element)
    || (design.candidates[0] && design.candidates[0].domain && design.candidates[0].domain.family);
  const known = family ? (await knownAlloys(family)).filter((k) => k.cost_usd_per_kg !== null && k.Trg !== null) : [];
  const caption = $("figcaption", figure);
  if (!candidates.length) {
    caption.textContent = "No candidate has a cost to plot.";
    return;
  }
  const width = 560, height = 290, left = 52, right = 12, top = 12, bottom = 40;
  const costs = [...candidates.map((c) => c.cost_usd_per_kg), ...known.map((k) => k.cost_usd_per_kg)];
  const trgs = [...candidates.flatMap((c) => [c.Trg.mean - (c.Trg.std || 0), c.Trg.mean + (c.Trg.std || 0)]),
    ...known.map((k) => k.Trg)];
  let [xLow, xHigh] = [Math.min(...costs), Math.max(...costs)];
  const log = xLow > 0 && xHigh / xLow > 20;
  const pad = (low, high, share) => [low - (high - low || 1) * share, high + (high - low || 1) * share];
  if (log) [xLow, xHigh] = [xLow / 1.15, xHigh * 1.15];
  else [xLow, xHigh] = pad(xLow, xHigh, 0.05);
  const [yLow, yHigh] = pad(Math.min(...trgs), Math.max(...trgs), 0.06);
  const x = (value) => left + (width - left - right)
    * (log ? Math.log(value / xLow) / Math.log(xHigh / xLow) : (value - xLow) / (xHigh - xLow));
  const y = (value) => top + (height - top - bottom) * (1 - (value - yLow) / (yHigh - yLow));

  const plot = svg("svg", {viewBox: `0 0 ${width} ${height}`, role: "img", class: "scatter",
    "aria-label": `Predicted Trg against raw-material cost of the candidates, over the known ${family || ""} alloys`});
  const axes = svg("g", {class: "axes"});
  for (const tick of niceTicks(xLow, xHigh, 6, log)) {
    axes.append(svg("line", {x1: x(tick), x2: x(tick), y1: top, y2: height - bottom, class: "grid"}));
    axes.append(svg("text", {x: x(tick), y: height - bottom + 14, "text-anchor": "middle"}, String(tick)));
  }
  for (const tick of niceTicks(yLow, yHigh, 5, false)) {
    axes.append(svg("line", {x1: left, x2: width - right, y1: y(tick), y2: y(tick), class: "grid"}));
    axes.append(svg("text", {x: left - 6, y: y(tick) + 4, "text-anchor": "end"}, tick.toFixed(2)));
  }
  axes.append(svg("rect", {x: left, y: top, width: width - left - right, height: height - top - bottom,
    class: "frame"}));
  axes.append(svg("text", {x: (left + width - right) / 2, y: height - 6, "text-anchor": "middle", class: "label"},
    `raw-material cost, USD/kg${log ? " (log scale)" : ""}`));
  axes.append(svg("text", {x: 14, y: (top + height - bottom) / 2, "text-anchor": "middle", class: "label",
    transform: `rotate(-90 14 ${(top + height - bottom) / 2})`}, "Trg = Tg / Tl"));
  plot.append(axes);

  // the goal's Trg bounds, as the server's goal states them
  for (const range of (design.goal.constraints || []).filter((c) => c.property === "Trg")) {
    for (const bound of [range.min, range.max].filter((b) => b !== null && b !== undefined && b > yLow && b < yHigh)) {
      plot.append(svg("line", {x1: left, x2: width - right, y1: y(bound), y2: y(bound), class: "goal-line"}));
      plot.append(svg("text", {x: width - right - 4, y: y(bound) - 4, "text-anchor": "end", class: "goal-label"},
        `goal Trg ${bound === range.min ? ">" : "<"} ${bound}`));
    }
  }
  const knownLayer = svg("g", {class: "known"});
  for (const alloy of known) {
    const dot = svg("circle", {cx: x(alloy.cost_usd_per_kg), cy: y(alloy.Trg), r: 3});
    dot.append(svg("title", {}, `${alloy.formula} (known): Trg ${fixed(alloy.Trg, 3)}, `
      + `${fixed(alloy.cost_usd_per_kg, 1)} USD/kg; ${alloy.source}`));
    knownLayer.append(dot);
  }
  plot.append(knownLayer);
  const candidateLayer = svg("g", {class: "candidates"});
  for (const candidate of [...candidates].reverse()) { // rank 1 drawn last, on top
    const cx = x(candidate.cost_usd_per_kg), std = candidate.Trg.std || 0;
    const point = svg("g", {class: `candidate${candidate.near_miss ? " near-miss" : ""}`, "data-rank": candidate.rank});
    point.append(svg("line", {x1: cx, x2: cx, y1: y(candidate.Trg.mean - std), y2: y(candidate.Trg.mean + std),
      class: "error-bar"}));
    point.append(svg("circle", {cx, cy: y(candidate.Trg.mean), r: 4.5}));
    point.append(svg("text", {x: cx + 6, y: y(candidate.Trg.mean) - 5, class: "rank"}, String(candidate.rank)));
    point.append(svg("title", {}, `${candidate.rank}. ${candidate.formula}: Trg ${plusMinus(candidate.Trg, 3)}, `
      + `${fixed(candidate.cost_usd_per_kg, 1)} USD/kg`));
    candidateLayer.append(point);
  }
  plot.append(candidateLayer);
  figure.prepend(plot);
  const unplotted = design.candidates.length - candidates.length;
  caption.textContent = `Candidates (numbered by rank; bars: predicted Trg ± 1σ) and ${known.length} known `
    + `${family || ""} alloys (grey: measured Trg) by raw-material cost.`
    + (unplotted ? ` ${unplotted} candidate(s) without a price are not drawn.` : "");

  // a row under the pointer marks its point
  for (const row of table.tBodies[0].rows) {
    const mark = (on) => plot.querySelector(`g.candidate[data-rank="${row.dataset.rank}"]`)?.classList.toggle("hot", on);
    row.addEventListener("mouseenter", () => mark(true));
    row.addEventListener("mouseleave", () => mark(false));
  }
}

// --- threads ---------------------------------------------------------------------------------------------
async function loadThreads() {
  let threads = [];
  try {
    const response = await fetch("/api/threads");
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
  for (const message of stored.messages) addMessage(message.role, message.text);
  if (stored.design) {
    const box = addMessage("assistant", null, "the conversation's last design");
    box.append(designBlock(stored.design));
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
