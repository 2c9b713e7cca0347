"""Writers: one per record kind, each in its own module, all listed here.

A writer receives validated batches (``add``; it may return rows it refuses as
contradictory, which go to the quarantine) and at the end writes them inside the file's
transaction (``finish`` → inserted, updated, duplicate). A writer that can only judge
contradictions once it has seen every row has ``settle`` (called after the last batch,
before ``finish``), returning those rows for the quarantine as well. Constructor:
``Writer(conn, run_id, source, kind, ags)`` — ``ags`` the municipality written into,
part of every key the writer matches on. Built-in writers are registered exactly like a new
one would be: by a "module:Class" entry below, imported only when used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Protocol

import polars as pl
from sqlalchemy import Connection


class Writer(Protocol):
    def add(self, frame: pl.DataFrame) -> list[dict] | None: ...

    def finish(self) -> tuple[int, int, int]: ...

    # optional: def settle(self) -> list[dict]  (rows refused once all are seen)


WRITERS: dict[str, str] = {
    "services": "connectors.writers.master:MasterWriter",
    "locations": "connectors.writers.master:MasterWriter",
    "cases": "connectors.writers.cases:CaseWriter",
    "usage": "connectors.writers.usage:UsageWriter",
    "waits": "connectors.writers.waits:WaitWriter",
    "standards": "connectors.writers.usage:StandardWriter",
    "feedback": "connectors.writers.feedback:FeedbackWriter",
    "appointments": "connectors.writers.appointments:AppointmentWriter",
    "funnel": "connectors.writers.funnel:FunnelWriter",
}


def writer_for(kind: str, conn: Connection, run_id: int, source: str, ags: str) -> Any:
    module, name = WRITERS[kind].split(":")
    return getattr(import_module(module), name)(conn, run_id, source, kind, ags)
