"""`alloygan ask`, `alloygan chat` and `alloygan batch`: the assistant from the shell."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from alloygan.agent.cli.output import console, err_console, fail, print_json, progress
from alloygan.agent.cli.threads import start_or_continue

THREAD_HELP = ("Continue this conversation (its id is printed after each answer), or start one of this name "
               "(1-64 letters, digits, _ - .).")
OFFLINE_HELP = "Use the offline planner even when an LLM is configured."


def _assistant(offline: bool):
    from alloygan.agent.assistant import Assistant

    return Assistant(planner="offline" if offline else None)


def ask(
    text: str = typer.Argument(..., help='A request or question, e.g. "find Zr-based glass with Trg>0.6 avoiding Ag".'),
    thread: Optional[str] = typer.Option(None, "--thread", help=THREAD_HELP),
    json_out: bool = typer.Option(False, "--json", help='Print {"answer", "answered_by", "llm_text", "llm_model", "goal", "candidates", "thread"} as JSON.'),
    offline: bool = typer.Option(False, "--offline", help=OFFLINE_HELP),
) -> None:
    """One turn with the assistant (LLM planner when configured, else offline rules), printed."""
    from alloygan.agent.assistant import TurnCancelled, new_thread_id
    from alloygan.agent.repl import render_turn, run_turn

    if not text.strip():
        fail('the request is empty; e.g. alloygan ask "find Zr-based glass with Trg>0.6 avoiding Ag"')
    with _assistant(offline) as assistant:
        thread_id = start_or_continue(assistant, thread) if thread is not None else new_thread_id()
        err_console.print(assistant.description, style="dim", markup=False)
        try:
            result = run_turn(assistant, text, thread_id, err_console if json_out else console)
        except TurnCancelled:
            err_console.print("cancelled")
            raise typer.Exit(130)
    if json_out:
        from alloygan.tools.results import GoalParse

        design = result.design
        # the goal as `parse-goal --json` shows it, with the words of this turn's design request not understood
        unused = design.not_understood if design else []
        goal = GoalParse(goal=result.goal, not_understood=unused) if result.goal else None
        print_json({"answer": result.answer, "answered_by": result.answered_by, "llm_text": result.llm_text or None,
                    "llm_model": result.llm_model or None, "goal": goal.to_json() if goal else None,
                    "candidates": [c.to_json() for c in design.candidates] if design else [], "thread": thread_id})
        return
    render_turn(result, console)
    console.print(f"thread {thread_id} — continue with: alloygan ask --thread {thread_id} \"…\"", style="dim",
                  markup=False)


def chat(
    thread: Optional[str] = typer.Option(None, "--thread", help=THREAD_HELP),
    offline: bool = typer.Option(False, "--offline", help=OFFLINE_HELP),
) -> None:
    """A conversation in the terminal: goals, follow-ups that refine them, /candidates, /log, /quit."""
    from alloygan.agent.assistant import new_thread_id
    from alloygan.agent.repl import ChatSession

    with _assistant(offline) as assistant:
        thread_id = start_or_continue(assistant, thread) if thread is not None else new_thread_id()
        ChatSession(assistant, thread_id, console).run()


def batch(
    goals: Path = typer.Argument(..., help="YAML or JSON list of goals: strings, or mappings with `goal:` text "
                                           "and/or design-goal fields and an optional `id`."),
    out: Path = typer.Option(..., "--out", help="Directory for one result JSON per goal and summary.csv."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary rows as JSON."),
) -> None:
    """Design for many goals; resumable (finished goals are skipped); exit 1 if any goal failed."""
    from alloygan.agent.batch import load_goals, run_batch

    load_goals(goals)  # a bad file stops here, before anything is written

    def on_result(record: dict, skipped: bool) -> None:
        if json_out:
            return
        state = "skipped (finished earlier)" if skipped else record["status"]
        line = Text(f"{record['id']}: {state}", style="red" if record["status"] != "ok" else "green")
        if record["status"] != "ok":
            line.append(f" — {record.get('error', '')}", style="red")
        console.print(line, soft_wrap=True)

    try:  # on a terminal the live line is drawn on stdout's console, below the per-goal lines printed there
        with progress("batch", console=console if console.is_terminal else None) as on_progress:
            report = run_batch(goals, out, on_progress=on_progress, on_result=on_result)
    except KeyboardInterrupt:
        err_console.print(f"interrupted; finished goals are kept in {out}; rerun the same command to resume")
        raise typer.Exit(130)
    if json_out:
        print_json(report.rows)
    else:
        _print_summary(report)
    if report.failed:
        raise typer.Exit(1)


def _print_summary(report) -> None:
    table = Table(title=f"{len(report.rows)} goals: {report.ran} run, {report.skipped} skipped, "
                        f"{report.failed} failed", title_justify="left")
    for column in ("id", "status", "best composition", "Trg", "P(goal)", "USD/kg", "goal / error"):
        table.add_column(column, justify="right" if column in ("Trg", "P(goal)", "USD/kg") else "left")
    for r in report.rows:
        ok = r["status"] == "ok"
        table.add_row(r["id"], r["status"], r.get("best_formula", "") or "",
                      f"{r['best_Trg']:.3f}" if ok and r.get("best_Trg") is not None else "",
                      f"{r['best_p_meets_goal']:.2f}" if ok and r.get("best_p_meets_goal") is not None else "",
                      f"{r['best_cost_usd_per_kg']:.1f}" if ok and r.get("best_cost_usd_per_kg") is not None else "",
                      r["goal"] if ok else r["error"], style=None if ok else "red")
    console.print(table)
    console.print(f"Summary written to {report.summary_path}", markup=False)
