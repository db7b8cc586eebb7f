"""The cases of scripts/real_llm_check.sh against a running LLM server: run, time, check, tabulate.

Run by the .sh (which serves the model and sets ALLOYGAN_HOME and ALLOYGAN_LLM_*); tests/real_llm reads the
results it writes with --results. Each case is one `alloygan` command in a subprocess, timed by the wall clock:

    card       ask --json --thread realcheck "find Zr-based glass with Trg>0.6 avoiding Ag"
    follow-up  ask --json --thread realcheck "now also avoid Be and keep cost under $25/kg"
    frozen     the card request with the server stopped (kill -STOP) and ALLOYGAN_LLM_TIMEOUT=15
    extract    lit extract --llm --json on a one-sentence text file

`failures(cases)` names what a healthy run must not show (the same limits tests/real_llm asserts).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

CARD = "find Zr-based glass with Trg>0.6 avoiding Ag"
FOLLOW_UP = "now also avoid Be and keep cost under $25/kg"
EXTRACT_TEXT = "The Zr65Cu17.5Ni10Al7.5 glass shows Tg = 656 K, Tx = 741 K and Tl = 1168 K.\n"
TURN_SECONDS = 120  # the most one assistant turn may take with the LLM
FROZEN_SECONDS = 60  # the most the frozen-server case may take (a 15 s LLM timeout, then the offline planner)
FROZEN_TIMEOUT = "15"
CASE_LIMIT = 900  # a subprocess still running after this is stopped (the case then fails)
TIMED_OUT = re.compile(r"timed out|did not answer within|time budget", re.IGNORECASE)


def run(command: list[str], env: dict | None = None) -> dict:
    """One command: exit code, wall-clock seconds, stdout, stderr, whether stderr holds a traceback."""
    start = time.monotonic()
    try:
        done = subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=CASE_LIMIT)
        code, out, err = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        code, out, err = -1, expired.stdout or "", (expired.stderr or "") + f"\n(stopped after {CASE_LIMIT} s)"
        out, err = (out.decode() if isinstance(out, bytes) else out), (err.decode() if isinstance(err, bytes) else err)
    return {"command": command, "exit_code": code, "seconds": round(time.monotonic() - start, 1),
            "traceback": "Traceback" in err or "Traceback" in out, "stdout": out, "stderr": err}


def ask_checks(stdout: str) -> dict:
    """What an `ask --json` answer shows: candidates, their base and elements, costs, who answered."""
    try:
        answer = json.loads(stdout)
    except json.JSONDecodeError:
        return {"json": False}
    candidates = answer.get("candidates") or []
    compositions = [c.get("composition") or {} for c in candidates]
    costs = [c.get("cost_usd_per_kg") for c in candidates]
    said = f"{answer.get('answer') or ''} {answer.get('answered_by') or ''}"
    return {"json": True, "n_candidates": len(candidates), "formulas": [c.get("formula") for c in candidates],
            "all_zr_based": bool(compositions) and all(max(c, key=c.get) == "Zr" for c in compositions if c),
            "ag_absent": all("Ag" not in c for c in compositions),
            "be_absent": all("Be" not in c for c in compositions),
            "max_cost": max((c for c in costs if c is not None), default=None),
            "all_costs_known": all(c is not None for c in costs),
            "answered_by": answer.get("answered_by"), "llm_model": answer.get("llm_model"),
            "says_timed_out": bool(TIMED_OUT.search(said)), "goal": answer.get("goal"),
            "answer": answer.get("answer")}


def extract_checks(stdout: str) -> dict:
    """What `lit extract --llm --json` printed: the records and whether the sentence's one was read right."""
    try:
        records = json.loads(stdout)
    except json.JSONDecodeError:
        return {"json": False}
    records = records if isinstance(records, list) else records.get("records", [])
    found = [(r.get("formula"), r.get("Tg"), r.get("Tx"), r.get("Tl")) for r in records]
    return {"json": True, "n_records": len(records), "records": found,
            "methods": sorted({str(r.get("method")) for r in records}),
            "expected_record": ("Zr65Cu17.5Ni10Al7.5", 656, 741, 1168) in found}


def run_cases(alloygan: str, server_pid: int | None, work: Path) -> list[dict]:
    env = dict(os.environ)
    cases = []
    card = run([alloygan, "ask", "--json", "--thread", "realcheck", CARD], env)
    cases.append({"case": "card", **card, "checks": ask_checks(card["stdout"])})
    follow = run([alloygan, "ask", "--json", "--thread", "realcheck", FOLLOW_UP], env)
    cases.append({"case": "follow-up", **follow, "checks": ask_checks(follow["stdout"])})
    if server_pid:
        os.kill(server_pid, signal.SIGSTOP)
    try:
        frozen = run([alloygan, "ask", "--json", CARD], {**env, "ALLOYGAN_LLM_TIMEOUT": FROZEN_TIMEOUT})
    finally:
        if server_pid:
            os.kill(server_pid, signal.SIGCONT)
    cases.append({"case": "frozen", **frozen, "checks": ask_checks(frozen["stdout"])})
    paper = work / "paper.txt"
    paper.write_text(EXTRACT_TEXT, encoding="utf-8")
    extract = run([alloygan, "lit", "extract", "--llm", "--json", str(paper)], env)
    cases.append({"case": "extract", **extract, "checks": extract_checks(extract["stdout"])})
    return cases


def outcome(case: dict) -> str:
    checks = case["checks"]
    if case["exit_code"] != 0:
        last = (case["stderr"].strip().splitlines() or ["?"])[-1]
        return f"exit {case['exit_code']}: {last[:90]}"
    if not checks.get("json"):
        return "no JSON on stdout"
    if case["case"] == "extract":
        found = "found" if checks["expected_record"] else "MISSING"
        return f"{checks['n_records']} records by {'/'.join(checks['methods']) or '-'}; the sentence's record {found}"
    parts = [f"{checks['n_candidates']} candidates", "all Zr-based" if checks["all_zr_based"] else "NOT all Zr-based",
             "no Ag" if checks["ag_absent"] else "Ag PRESENT"]
    if case["case"] == "follow-up":
        parts.append("no Be" if checks["be_absent"] else "Be PRESENT")
        parts.append(f"max cost {checks['max_cost']} USD/kg")
    if case["case"] == "frozen":
        parts.append("says timed out" if checks["says_timed_out"] else "does NOT say timed out")
    parts.append(f"answered_by: {checks['answered_by']}")
    return "; ".join(parts)


def failures(cases: list[dict]) -> list[str]:
    """Every limit a case broke (empty: the run is healthy)."""
    found = []
    for case in cases:
        name, checks = case["case"], case["checks"]
        if case["traceback"]:
            found.append(f"{name}: a traceback")
        if case["exit_code"] != 0:
            found.append(f"{name}: exit code {case['exit_code']}")
            continue
        if not checks.get("json"):
            found.append(f"{name}: no JSON on stdout")
            continue
        least = {"card": 3, "frozen": 3, "follow-up": 1}.get(name, 0)
        if checks.get("n_candidates", least) < least:
            found.append(f"{name}: {checks['n_candidates']} candidates (< {least})")
        if name in ("card", "frozen") and not checks["all_zr_based"]:
            found.append(f"{name}: a candidate is not Zr-based")
        if name != "extract" and not checks["ag_absent"]:
            found.append(f"{name}: a candidate contains Ag")
        if name in ("card", "follow-up") and case["seconds"] > TURN_SECONDS:
            found.append(f"{name}: {case['seconds']} s (> {TURN_SECONDS} s)")
        if name == "follow-up":
            if not checks["be_absent"]:
                found.append("follow-up: a candidate contains Be")
            if not checks["all_costs_known"] or (checks["max_cost"] or 0) > 25:
                found.append(f"follow-up: a candidate costs more than 25 USD/kg (max {checks['max_cost']})")
        if name == "frozen":
            if case["seconds"] > FROZEN_SECONDS:
                found.append(f"frozen: {case['seconds']} s (> {FROZEN_SECONDS} s)")
            if not checks["says_timed_out"]:
                found.append("frozen: the answer does not say the LLM timed out")
    return found


def table(cases: list[dict], label: str) -> str:
    rows = [("case", "outcome", "seconds", "traceback")]
    rows += [(c["case"], outcome(c), f"{c['seconds']:.1f}", "yes" if c["traceback"] else "no") for c in cases]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [f"real LLM check ({label})"]
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[j]) if j < 3 else cell for j, cell in enumerate(row)))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alloygan", required=True, help="the alloygan command to check")
    parser.add_argument("--server-pid", type=int, default=None, help="the server's process (stopped for 'frozen')")
    parser.add_argument("--work", type=Path, required=True, help="a scratch directory")
    parser.add_argument("--label", default="", help="the model and chat format, for the table's title")
    parser.add_argument("--results", type=Path, default=None, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    cases = run_cases(args.alloygan, args.server_pid, args.work)
    broken = failures(cases)
    print(table(cases, args.label))
    for case in cases:
        if case["traceback"] or case["exit_code"] != 0:
            print(f"\n--- {case['case']}: stderr (last lines)\n" + "\n".join(case["stderr"].splitlines()[-15:]))
    print("\nall checks passed" if not broken else "\nchecks failed:\n  " + "\n  ".join(broken))
    if args.results:
        args.results.write_text(json.dumps({"label": args.label, "cases": cases, "failures": broken}, indent=2),
                                encoding="utf-8")
    return 0 if not broken else 1


if __name__ == "__main__":
    sys.exit(main())
