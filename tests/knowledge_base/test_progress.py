"""The progress protocol: one `Progress(stage, done, total, unit)`, its text, and the helpers."""
from __future__ import annotations

import pytest

from alloygan.knowledge_base.progress import Progress, prefixed, report


def test_text_of_a_report():
    assert str(Progress("training the ours generator for Zr", 12, 600, "epoch")) == \
        "training the ours generator for Zr: epoch 12/600"
    assert str(Progress("mining table.pdf", 3, 9)) == "mining table.pdf: 3/9"
    assert str(Progress("sampling target conditions")) == "sampling target conditions"
    assert str(Progress("embedding", 40, None, "chunk")) == "embedding: chunk 40"


def test_report_and_prefixed():
    events: list[Progress] = []
    report(None, "nobody listens")  # no callback: nothing happens
    report(events.append, "reading a.pdf", 1, 2, "page")
    goal = prefixed(events.append, "goal 2/5 (zr)")
    goal(Progress("generating 100,000 compositions"))
    assert events == [Progress("reading a.pdf", 1, 2, "page"), Progress("goal 2/5 (zr): generating 100,000 compositions")]
    assert prefixed(None, "x") is None


def test_a_report_is_a_frozen_value():
    progress = Progress("stage", 1, 2)
    with pytest.raises(AttributeError):
        progress.done = 2  # type: ignore[misc]
    assert progress == Progress("stage", 1, 2) and hash(progress) == hash(Progress("stage", 1, 2))
