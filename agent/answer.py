"""Deterministic answer text from this turn's tool results (the offline planner's voice, and the fallback).

Built only from the tools' results (the typed result a message carries as its artifact, or
its JSON content), so every number in it is a number a tool computed. One paragraph per
tool call, in call order.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import ToolMessage

from alloygan.agent.formatting import fmt, plus_minus
from alloygan.agent.state import tool_payload

if TYPE_CHECKING:
    from alloygan.tools.results import (
        AlloyDescriptions, AlloyQueryResult, DesignAnswer, Experiment, Extraction, KnownAlloy, LiteratureSearch,
        LoggedSuggestions, NextExperiments, Predictions, Result, TrainingReport,
    )

MAX_LINES = 10

CAPABILITIES = """I can:
- design alloys for a goal: "find Zr-based glass with Trg>0.6 avoiding Ag", then refine it: "now also avoid Be and keep cost under $25/kg"
- predict properties of formulas: "predict Zr65Cu17.5Ni10Al7.5"
- list measured alloys: "list known Cu alloys with Al and Trg>0.6"
- describe formulas (descriptors, cost): "describe Cu46Zr46Al8"
- search the ingested literature: "search papers for Zr-based glasses with high Trg"
- log the last candidates as experiment suggestions: "log the top 3"; retrain models: "retrain the models"
- choose the next experiments: "what should I cast next for Zr-based glass with the highest Trg?\""""




def _design(answer: DesignAnswer, show_candidates: bool) -> list[str]:
    from alloygan.tools.results import SHOWN_PROPERTIES

    unknown = [f"Not understood (ignored): {' '.join(answer.not_understood)}"] if answer.not_understood else []
    if not show_candidates:  # the screen shows the goal, the candidate table and the notes itself
        return unknown
    stats, candidates = answer.stats, answer.candidates
    lines = [f"Goal: {answer.goal.describe()}",
             f"{stats.returned} candidates ranked; {stats.passing:,} of {stats.unique_valid:,} unique generated "
             f"compositions meet the goal by the forward model ({stats.generator})."]
    constrained = [c.property for c in answer.goal.constraints if c.property not in SHOWN_PROPERTIES]
    for c in candidates[:MAX_LINES]:
        extra = "".join(f", {name} {plus_minus(c.estimate(name), 3)}" for name in constrained)
        near = c.nearest_known[0] if c.nearest_known else None
        nearest = f"; nearest known {near.formula} ({near.distance_at_pct:g} at.%)" if near else ""
        if c.domain is not None:
            nearest += f"; {'EXTRAPOLATION, outside the domain' if c.extrapolation else c.domain.label}"
        lines.append(
            f"{c.rank:>2}. {c.formula}{' (near miss)' if c.near_miss else ''}: Trg {plus_minus(c.Trg, 3)}, "
            f"Tg {plus_minus(c.Tg, 0, ' K')}, Tx {plus_minus(c.Tx, 0, ' K')}, Tl {plus_minus(c.Tl, 0, ' K')}, "
            f"γ {plus_minus(c.gamma, 3)}, ΔTx {plus_minus(c.dTx, 0, ' K')}{extra}, P(goal) {fmt(c.p_meets_goal, 2)}, "
            f"{fmt(c.cost_usd_per_kg, 1)} USD/kg{nearest}")
    if len(candidates) > MAX_LINES:
        lines.append(f"    (the first {MAX_LINES} of {len(candidates)} shown)")
    lines.append("Predictions are forward-model mean ± 1σ; domain of applicability: in-domain ≤ 8 at.% from a known "
                 "alloy, edge ≤ 15 at.%, outside beyond (an extrapolation).")
    return lines + unknown + [f"Note: {note}" for note in answer.notes]


def _predictions(result: Predictions, _show: bool) -> list[str]:
    from alloygan.tools.results import PredictionError

    lines = []
    for p in result.predictions:
        if isinstance(p, PredictionError):
            lines.append(f"{p.input}: cannot predict ({p.error})")
            continue
        near = p.nearest_known[0] if p.nearest_known else None
        if p.measured and near is not None:
            lines.append(f"{p.formula} (known, measured; {near.n_reports} report(s), source {near.source.text()}): "
                         f"Tg {plus_minus(p.Tg, 0, ' K')}, Tx {plus_minus(p.Tx, 0, ' K')}, Tl {plus_minus(p.Tl, 0, ' K')}, "
                         f"Trg {plus_minus(p.Trg, 3)}, γ {plus_minus(p.gamma, 3)}, P(good GFA) {fmt(p.p_good_gfa, 2)} "
                         "(± the measurement uncertainty)")
            if near.conflict:
                lines.append(f"  note: {near.conflict}")
            continue
        nearest = (f"; nearest known {near.formula} ({near.distance_at_pct:g} at.%: Tg {near.Tg:g} K, "
                   f"Tx {near.Tx:g} K, Tl {near.Tl:g} K)") if near else ""
        if p.domain is not None:
            nearest += f"; {p.domain.label}" + (" (an extrapolation)" if p.domain.label == "outside" else "")
        lines.append(f"{p.formula} (predicted): Tg {plus_minus(p.Tg, 0, ' K')}, Tx {plus_minus(p.Tx, 0, ' K')}, "
                     f"Tl {plus_minus(p.Tl, 0, ' K')}, Trg {plus_minus(p.Trg, 3)}, γ {plus_minus(p.gamma, 3)}, "
                     f"ΔTx {plus_minus(p.dTx, 0, ' K')}, P(good GFA) {fmt(p.p_good_gfa, 2)}{nearest}")
    return lines


def _alloys(result: AlloyQueryResult, _show: bool) -> list[str]:
    shown = result.alloys[:MAX_LINES]
    lines = [f"{result.n_found} known alloys match" + (f"; the first {len(shown)} by Trg:" if shown else ".")]
    lines += [f"- {a.formula}: Tg {a.Tg:g} K, Tx {a.Tx:g} K, Tl {a.Tl:g} K, Trg {fmt(a.Trg, 3)} ({_cited(a)})"
              for a in shown]
    return lines


def _cited(alloy: KnownAlloy) -> str:
    return alloy.sources[0].text() if alloy.sources else ""


def _described(result: AlloyDescriptions, _show: bool) -> list[str]:
    lines = []
    for a in result.alloys:
        known = a.known
        measured = (f"measured Tg {known.Tg:g} K, Tx {known.Tx:g} K, Tl {known.Tl:g} K, Trg {fmt(known.Trg, 3)} "
                    f"({_cited(known)})") if known else "not in the knowledge base"
        descriptors = ", ".join(f"{k} {v:g}" for k, v in list(a.alloy_descriptors().items())[:6] if v is not None)
        lines.append(f"{a.formula}: {fmt(a.cost_usd_per_kg, 2)} USD/kg; {measured}; {descriptors}")
        if known is not None and known.conflict:
            lines.append(f"  note: {known.conflict}")
    return lines


def _passages(result: LiteratureSearch, _show: bool) -> list[str]:
    if not result.passages:
        return ["No passages found."]
    return [f"- {p.document}, p. {p.page} (score {p.score:.3f}): {' '.join(p.text.split())[:200]}"
            for p in result.passages]


def _extracted(result: Extraction, _show: bool) -> list[str]:
    lines = [f"{len(result.records)} alloy records extracted ({result.method}), {len(result.rejected)} rejected."]
    lines += [f"- {r.formula}: Tg {r.Tg:g} K, Tx {r.Tx:g} K, Tl {r.Tl:g} K ({r.source.document}, p. {r.source.page})"
              for r in result.records[:MAX_LINES]]
    if result.committed:
        lines.append(f"Added {result.committed.added} to the knowledge base.")
    return lines


def _logged(result: LoggedSuggestions, _show: bool) -> list[str]:
    lines = [note] if (note := result.already_note()) else []
    if not result.logged:
        return lines
    ids = ", ".join(f"#{s.id} {s.formula}" for s in result.logged)
    first = result.logged[0]
    return [f"Logged {len(result.logged)} experiment suggestions: {ids} (models {first.generator}, "
            f"{first.forward_model}). Record results with `alloygan experiments record ID --tg … --tx … --tl …`.",
            *lines]


def _recorded(experiment: Experiment, _show: bool) -> list[str]:
    m = experiment.measurement
    where = "added to the knowledge base" if m.in_knowledge_base else "kept in the log only"
    values = f": Tg {m.Tg:g} K, Tx {m.Tx:g} K, Tl {m.Tl:g} K" if m.Tg is not None else ""
    what = "your alloy" if experiment.acquisition == "user" else "suggestion"
    return [f"Recorded {what} #{experiment.id} {experiment.formula} ({experiment.status}){values}; {where}."]


def _next_experiments(result: NextExperiments, _show: bool) -> list[str]:
    from alloygan.tools.results.suggestions import value_text

    objective = result.objective
    best = result.incumbent
    lines = [f"Goal: {result.goal_text}",
             f"Next {len(result.suggestions)} experiments for the {objective.describe()} ({result.acquisition} over "
             f"{result.candidates_considered} designed candidates); best measured: "
             + (f"{best.alloy.formula}, {objective.property} {value_text(objective.property, best.value)} "
                f"({best.alloy.source.text()})." if best else "none for this family.")]
    for s in result.suggestions:
        logged = f" [#{s.experiment_id}]" if s.experiment_id is not None else ""
        lines.append(f"{s.order}. {s.candidate.formula}{logged}: {s.reason}")
    if result.logged:
        lines.append("Logged as experiment suggestions; record results with `alloygan experiments record ID --tg … "
                     "--tx … --tl …`.")
    unknown = [f"Not understood (ignored): {' '.join(result.not_understood)}"] if result.not_understood else []
    return lines + unknown + [f"Note: {note}" for note in result.notes]


def _trained(report: TrainingReport, _show: bool) -> list[str]:
    lines = [f"Forward model {'retrained' if report.forward_model.trained else 'up to date'} "
             f"({report.alloys} alloys in the knowledge base)."]
    lines += [f"Generator {g.model} for {g.family}: {'retrained' if g.trained else 'up to date'}."
              for g in report.generators]
    return lines


def _typed_formatters() -> dict[str, tuple[type[Result], Callable[[Any, bool], list[str]]]]:
    """Tools whose paragraph is written from the typed result (the message's artifact)."""
    from alloygan.tools import results

    return {"design_alloys": (results.DesignAnswer, _design), "predict_properties": (results.Predictions, _predictions),
            "query_alloys": (results.AlloyQueryResult, _alloys), "describe_alloy": (results.AlloyDescriptions, _described),
            "search_literature": (results.LiteratureSearch, _passages),
            "extract_alloy_data": (results.Extraction, _extracted),
            "log_experiment_suggestion": (results.LoggedSuggestions, _logged),
            "record_experiment_result": (results.Experiment, _recorded), "train_models": (results.TrainingReport, _trained),
            "suggest_experiments": (results.NextExperiments, _next_experiments)}


def summarize(tool_messages: Sequence[ToolMessage], show_candidates: bool = True) -> str:
    """The answer for this turn's tool results (errors named with the tool that raised them)."""
    paragraphs = []
    for message in tool_messages:
        data = tool_payload(message)
        if message.status == "error" or not isinstance(data, dict):
            paragraphs.append(f"{message.name} failed: {str(data).removeprefix('error: ')}")
            continue
        typed = _typed_formatters().get(message.name or "")
        try:
            if typed is not None:
                result_type, write = typed
                lines = write(result_type.model_validate(message.artifact), show_candidates)
            else:
                lines = [message.text]
        except (KeyError, TypeError, ValueError):  # an unexpected shape: show the data rather than nothing
            lines = [message.text]
        paragraphs.append("\n".join(lines))
    if not tool_messages:
        return "No tool was run."
    return "\n\n".join(p for p in paragraphs if p)


def attribution(model: str, computed: bool) -> str:
    """The line under the LLM's prose saying which part it wrote."""
    who = f"the LLM ({model})" if model else "the LLM"
    if computed:
        return (f"(The text above was written by {who}; the candidates, predictions and every other number below "
                "were computed by alloygan's tools.)")
    return f"(Written by {who}; no tool was run for it.)"


def compose(tool_messages: Sequence[ToolMessage], llm_text: str = "", model: str = "", note: str = "",
            show_candidates: bool = True) -> str:
    """A turn's answer: the LLM's prose (attributed) if it wrote any, then the tools' results written by code,
    then the note (e.g. why the LLM was not used)."""
    parts = [f"{llm_text.strip()}\n\n{attribution(model, bool(tool_messages))}"] if llm_text.strip() else []
    if tool_messages:
        parts.append(summarize(tool_messages, show_candidates))
    if note:
        parts.append(f"({note})")
    return "\n\n".join(part for part in parts if part.strip())


def help_answer(not_understood: Sequence[str] = ()) -> str:
    intro = "I could not tell what to do with that."
    if not_understood:
        intro += f" Words I did not understand: {' '.join(not_understood)}."
    return f"{intro}\n{CAPABILITIES}"
