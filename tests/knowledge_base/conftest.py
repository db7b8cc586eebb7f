"""Fixtures of the data-core tests."""
from __future__ import annotations

import pytest

from alloygan.knowledge_base.store import AlloyStore
from alloygan.knowledge_base.table_miner import shipped_table


@pytest.fixture
def store(tmp_path):
    """A store in a temporary file holding the shipped published table."""
    with AlloyStore(tmp_path / "store.sqlite") as store:
        table = shipped_table()
        store.replace_source(table.source, table.reports, table.quarantined)
        yield store
