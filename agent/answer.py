"""Deterministic answer text from this turn's tool results (the offline planner's voice, and the fallback).

Built only from the tool messages' JSON content, so every number in it is a number a
tool computed. One paragraph per tool call, in call order.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from langchain_core.messages import ToolMessage

from alloygan.agent.formatting import fmt, plus_minus
from alloygan.agent.state import tool_payload

MAX_LINES = 10

CAPABILITIES = """I can:
- design alloys for a goal: "find Zr-based glass with Trg>0.6 avoiding Ag", then refine it: "now also avoid Be and keep cost under $25/kg"
- predict properties of formulas: "predict Zr65Cu17.5Ni10Al7.5"
- list measured alloys: "list known Cu alloys with Al and Trg>0.6"
- describe formulas (descriptors, cost): "describe Cu46Zr46Al8"
- search the ingested literature: "search papers for Zr-based glasses with high Trg"
- log the last candidates as experiment suggestions: "log the top 3"; retrain models: "retrain the models\""""




def _design(data: dict, show_candidates: bool) -> list[str]:
    unknown = [f"Not understood (ignored): {' '.join(data['not_understood'])}"] if data["not_understood"] else []
    if not show_candidates:  # the screen shows the goal, the candidate table and the notes itself
        return unknown
    stats = data["stats"]
    lines = [f"Goal: {data['goal_description']}"]
    constrained = [c["property"] for c in data["goal"].get("constraints", [])
                   if c["property"] not in ("Trg", "Tg", "Tx", "Tl")]
    lines.append(f"{stats['returned']} candidates ranked; {stats['passing']:,} of {stats['unique_valid']:,} unique "
                 f"generated compositions meet the goal by the forward model ({stats['generator']}).")
    for c in data["candidates"][:MAX_LINES]:
        extra = "".join(f", {name} {plus_minus(c.get(name), 3)}" for name in constrained if name not in ("gamma", "dTx"))
        near = c["nearest_known"][0] if c["nearest_known"] else None
        nearest = f"; nearest known {near['formula']} ({near['distance_at_pct']:g} at.%)" if near else ""
        lines.append(
            f"{c['rank']:>2}. {c['formula']}{' (near miss)' if c['near_miss'] else ''}: Trg {plus_minus(c['Trg'], 3)}, "
            f"Tg {plus_minus(c['Tg'], 0, ' K')}, Tx {plus_minus(c['Tx'], 0, ' K')}, Tl {plus_minus(c['Tl'], 0, ' K')}, "
            f"γ {plus_minus(c['gamma'], 3)}, ΔTx {plus_minus(c['dTx'], 0, ' K')}{extra}, P(goal) {fmt(c['p_meets_goal'], 2)}, "
            f"{fmt(c['cost_usd_per_kg'], 1)} USD/kg{nearest}")
    if len(data["candidates"]) > MAX_LINES:
        lines.append(f"    (the first {MAX_LINES} of {len(data['candidates'])} shown)")
    lines.append("Predictions are forward-model mean ± 1σ.")
    return lines + unknown + [f"Note: {note}" for note in data["notes"]]


def _predictions(data: dict, _show: bool) -> list[str]:
    lines = []
    for p in data["predictions"]:
        if "error" in p:
            lines.append(f"{p['input']}: cannot predict ({p['error']})")
            continue
        near = p["nearest_known"][0] if p["nearest_known"] else None
        nearest = (f"; nearest known {near['formula']} ({near['distance_at_pct']:g} at.%: Tg {near['Tg']:g} K, "
                   f"Tx {near['Tx']:g} K, Tl {near['Tl']:g} K)") if near else ""
        lines.append(f"{p['formula']} (predicted): Tg {plus_minus(p['Tg'], 0, ' K')}, Tx {plus_minus(p['Tx'], 0, ' K')}, "
                     f"Tl {plus_minus(p['Tl'], 0, ' K')}, Trg {plus_minus(p['Trg'], 3)}, γ {plus_minus(p['gamma'], 3)}, "
                     f"ΔTx {plus_minus(p['dTx'], 0, ' K')}, P(good GFA) {fmt(p['p_good_gfa'], 2)}{nearest}")
    return lines


def _alloys(data: dict, _show: bool) -> list[str]:
    shown = data["alloys"]
    lines = [f"{data['n_found']} known alloys match" + (f"; the first {len(shown)} by Trg:" if shown else ".")]
    lines += [f"- {a['formula']}: Tg {a['Tg']:g} K, Tx {a['Tx']:g} K, Tl {a['Tl']:g} K, Trg {fmt(a['Trg'], 3)} "
              f"({a['source']})" for a in shown[:MAX_LINES]]
    return lines


def _described(data: dict, _show: bool) -> list[str]:
    lines = []
    for a in data["alloys"]:
        known = a["known"]
        measured = (f"measured Tg {known['Tg']:g} K, Tx {known['Tx']:g} K, Tl {known['Tl']:g} K, "
                    f"Trg {fmt(known['Trg'], 3)} ({known['source']})") if known else "not in the knowledge base"
        descriptors = ", ".join(f"{k} {v:g}" for k, v in list(a["descriptors"].items())[:6] if v is not None)
        lines.append(f"{a['formula']}: {fmt(a['cost_usd_per_kg'], 2)} USD/kg; {measured}; {descriptors}")
    return lines


def _passages(data: dict, _show: bool) -> list[str]:
    if not data["passages"]:
        return ["No passages found."]
    return [f"- {p['document']}, p. {p['page']} (score {p['score']:.3f}): {' '.join(p['text'].split())[:200]}"
            for p in data["passages"]]


def _extracted(data: dict, _show: bool) -> list[str]:
    lines = [f"{data['n_records']} alloy records extracted ({data['method']}), {data['n_rejected']} rejected."]
    lines += [f"- {r['formula']}: Tg {r['Tg']:g} K, Tx {r['Tx']:g} K, Tl {r['Tl']:g} K ({r['document']}, p. {r['page']})"
              for r in data["records"][:MAX_LINES]]
    if data.get("committed"):
        lines.append(f"Added {data['committed']['added']} to the knowledge base.")
    return lines


def _logged(data: dict, _show: bool) -> list[str]:
    ids = ", ".join(f"#{s['id']} {s['formula']}" for s in data["logged"])
    return [f"Logged {len(data['logged'])} experiment suggestions: {ids} (models {data['generator']}, "
            f"{data['forward_model']}). Record results with `alloygan experiments record ID --tg … --tx … --tl …`."]


def _recorded(data: dict, _show: bool) -> list[str]:
    m = data["measured"]
    where = "added to the knowledge base" if data["added_to_knowledge_base"] else "kept in the log only"
    values = f": Tg {m['Tg']:g} K, Tx {m['Tx']:g} K, Tl {m['Tl']:g} K" if m["Tg"] is not None else ""
    return [f"Recorded suggestion #{data['id']} {data['formula']} ({data['status']}){values}; {where}."]


def _trained(data: dict, _show: bool) -> list[str]:
    forward = data.get("forward_model") or {}
    lines = [f"Forward model {'retrained' if forward.get('trained') else 'up to date'} "
             f"({data.get('alloys')} alloys in the knowledge base)."]
    lines += [f"Generator {g['model']} for {g['family']}: {'retrained' if g.get('trained') else 'up to date'}."
              for g in data.get("generators", [])]
    return lines


_FORMATTERS: dict[str, Callable[[dict, bool], list[str]]] = {
    "design_alloys": _design, "predict_properties": _predictions, "query_alloys": _alloys,
    "describe_alloy": _described, "search_literature": _passages, "extract_alloy_data": _extracted,
    "log_experiment_suggestion": _logged, "record_experiment_result": _recorded, "train_models": _trained,
}


def summarize(tool_messages: Sequence[ToolMessage], show_candidates: bool = True) -> str:
    """The answer for this turn's tool results (errors named with the tool that raised them)."""
    paragraphs = []
    for message in tool_messages:
        data = tool_payload(message)
        if message.status == "error" or not isinstance(data, dict):
            paragraphs.append(f"{message.name} failed: {str(data).removeprefix('error: ')}")
            continue
        formatter = _FORMATTERS.get(message.name or "")
        try:
            lines = formatter(data, show_candidates) if formatter else [message.text]
        except (KeyError, TypeError, ValueError):  # an unexpected shape: show the data rather than nothing
            lines = [message.text]
        paragraphs.append("\n".join(lines))
    if not tool_messages:
        return "No tool was run."
    return "\n\n".join(p for p in paragraphs if p)


def help_answer(not_understood: Sequence[str] = ()) -> str:
    intro = "I could not tell what to do with that."
    if not_understood:
        intro += f" Words I did not understand: {' '.join(not_understood)}."
    return f"{intro}\n{CAPABILITIES}"
