"""The warm service every interface of the server shares: the store, the models and the assistant, loaded once.

One process owns the stores (SQLite, Chroma, the model files): every request of every
interface goes through this object, so writes are serialised here (`writing`) and a long
design runs beside a short prediction (each request in its own worker thread; the models are
read-only once loaded). Conversations are keyed by thread ids the server issues
(`new_thread`: 128 random bits), so one client cannot read another's by guessing; two turns of
one thread never run at once (a lock per thread).
"""
from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alloygan.agent.assistant import Assistant, TurnResult
    from alloygan.knowledge_base.progress import ProgressCallback
    from alloygan.tools.results import DesignAnswer, GoalParse, Predictions

THREAD_PREFIX = "web-"


def new_thread() -> str:
    """An unguessable conversation id (128 random bits)."""
    return THREAD_PREFIX + secrets.token_urlsafe(16)


class Service:
    """The store, models and assistant of one server process."""

    def __init__(self, planner: str | None = None, checkpoint_path=None):
        from alloygan.agent.assistant import Assistant

        self.assistant: Assistant = Assistant(planner=planner, checkpoint_path=checkpoint_path)
        self.writing = threading.Lock()  # state-changing requests one at a time
        self._threads: dict[str, threading.Lock] = {}
        self._threads_lock = threading.Lock()
        self.started = time.time()
        self.warm_seconds: float | None = None

    def close(self) -> None:
        self.assistant.close()

    # --- start-up ---------------------------------------------------------------------------------------------
    def warm_up(self, families: Sequence[str] = ("Zr",), on_progress: ProgressCallback | None = None) -> float:
        """Load (training if missing) the forward model and the generators of `families`, so that the first
        request is as fast as the next: a one-candidate design per family and a prediction."""
        from alloygan.api import design, predict

        start = time.perf_counter()
        for family in families:
            design({"base_element": family, "n_candidates": 1}, on_progress=on_progress or _quiet)
        predict(["Zr55Cu30Al10Ni5"], on_progress=on_progress or _quiet)
        self.warm_seconds = time.perf_counter() - start
        return self.warm_seconds

    # --- the science (the Python API's functions: one implementation) -----------------------------------------
    def design(self, goal: str | dict, n: int | None = None, seed: int | None = None,
               on_progress: ProgressCallback | None = None) -> DesignAnswer:
        from alloygan.api import design

        return design(goal, n=n, seed=seed, on_progress=on_progress or _quiet)

    def predict(self, formulas: Sequence[str]) -> Predictions:
        from alloygan.api import predict

        return predict(list(formulas), on_progress=_quiet)

    def parse_goal(self, text: str) -> GoalParse:
        from alloygan.api import parse_goal

        return parse_goal(text)

    def search(self, query: str, k: int = 5):
        from alloygan.api import search_literature

        return search_literature(query, k)

    def query_alloys(self, **fields: Any):
        from alloygan.tools.arguments import validated
        from alloygan.tools.knowledge import AlloyQuery, query_alloys

        return query_alloys(validated(AlloyQuery, **fields))

    def describe(self, formulas: Sequence[str]):
        from alloygan.tools.arguments import validated
        from alloygan.tools.knowledge import DescribeArgs, describe_alloys

        return describe_alloys(validated(DescribeArgs, formulas=list(formulas)))

    def experiments(self):
        from alloygan.tools.experiments import list_suggestions

        return list_suggestions()

    def log_suggestions(self, thread: str, ranks: Sequence[int] | None = None):
        """Log candidates of a conversation's last design as experiment suggestions (a write: serialised)."""
        from alloygan.tools.experiments import log_suggestions

        with self.writing:
            return log_suggestions(self.assistant.last_design(thread), list(ranks) if ranks else None, thread)

    def record_result(self, **fields: Any):
        from alloygan.tools.arguments import validated
        from alloygan.tools.experiments import RecordResultArgs, record_result

        with self.writing:
            return record_result(validated(RecordResultArgs, **fields))

    def suggest(self, **fields: Any):
        """The next experiments for a goal (`alloygan suggest`); logging them is a write: serialised."""
        from alloygan.tools.arguments import validated
        from alloygan.tools.suggest import SuggestArgs, suggest_experiments

        args = validated(SuggestArgs, **fields)
        if not args.log:
            return suggest_experiments(args, on_progress=_quiet)
        with self.writing:
            return suggest_experiments(args, on_progress=_quiet)

    def experiments_report(self, objective: str = "Trg", lowest: bool = False):
        from alloygan.tools.experiments import experiments_report

        return experiments_report(objective=objective, lowest=lowest)

    # --- conversations ----------------------------------------------------------------------------------------
    def _thread_lock(self, thread: str) -> threading.Lock:
        with self._threads_lock:
            return self._threads.setdefault(thread, threading.Lock())

    def turn(self, text: str, thread: str | None = None, on_progress: ProgressCallback | None = None
             ) -> TurnResult:
        """One message of a conversation (a new one when `thread` is None); the thread's turns run one at a time,
        and turns that may write (the user asked to log, record or train) one at a time across threads."""
        from alloygan.agent.planners.offline import STATE_CHANGING, asks_for_change

        thread = thread or new_thread()
        writes = any(asks_for_change(text, tool) for tool in STATE_CHANGING)
        with self._thread_lock(thread):
            if writes:
                with self.writing:
                    return self.assistant.turn(text, thread, on_progress=on_progress)
            return self.assistant.turn(text, thread, on_progress=on_progress)

    def has_thread(self, thread: str) -> bool:
        return self.assistant.thread_exists(thread)

    def is_served_thread(self, thread: str) -> bool:
        """Whether a client may continue `thread`: an id this server issued that holds a conversation (a CLI's
        named thread, which a person could guess, is not one)."""
        return thread.startswith(THREAD_PREFIX) and self.has_thread(thread)


def _quiet(progress) -> None:
    """Progress of work nobody watches (a request without a live view)."""
