"""Period statistics (usage, service standards): a delivery replaces the periods it holds.

Aggregated files are small (one row per period × service × …), so the comparison with what
is stored runs in Python: a cell with the stored values is a duplicate, changed values an
update, a new cell an insert; cells of a re-delivered period that the new delivery no
longer has are removed. Subclasses name the table, the key and the value fields.
"""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from sqlalchemy import Connection, Table, insert, select

from connectors.store import StandardStat, UsageStat


class PeriodWriter:
    TABLE: ClassVar[Table]
    # record field → table column; the first two are always the period
    KEY: ClassVar[dict[str, str]]
    VALUES: ClassVar[dict[str, str]]

    def __init__(self, conn: Connection, run_id: int, source: str, kind: str,
                 ags: str) -> None:
        self.conn, self.run_id, self.source, self.ags = conn, run_id, source, ags
        self.rows: dict[tuple, tuple] = {}
        self.seen = 0

    def add(self, frame: pl.DataFrame) -> None:
        width = len(self.KEY)
        for row in frame.select(*self.KEY, *self.VALUES).iter_rows():
            self.seen += 1
            self.rows[row[:width]] = row[width:]  # the same cell twice: the later one counts

    def finish(self) -> tuple[int, int, int]:
        t = self.TABLE
        keys = [t.c[c] for c in self.KEY.values()]
        values = [t.c[c] for c in self.VALUES.values()]
        stored: dict[tuple, tuple] = {}
        for start, end in {k[:2] for k in self.rows}:
            where = (t.c.ags == self.ags, t.c.source == self.source, t.c.period_start == start,
                     t.c.period_end == end)
            for r in self.conn.execute(select(*keys, *values).where(*where)):
                stored[tuple(r[:len(keys)])] = tuple(r[len(keys):])
            self.conn.execute(t.delete().where(*where))
        if self.rows:
            columns = [*self.KEY.values(), *self.VALUES.values()]
            self.conn.execute(insert(t), [
                {"ags": self.ags, "source": self.source, "import_run_id": self.run_id,
                 **dict(zip(columns, (*k, *v), strict=True))}
                for k, v in self.rows.items()
            ])
        inserted = sum(1 for k in self.rows if k not in stored)
        updated = sum(1 for k, v in self.rows.items() if k in stored and stored[k] != v)
        return inserted, updated, self.seen - inserted - updated


class UsageWriter(PeriodWriter):
    TABLE = UsageStat.__table__
    KEY = {"period_start": "period_start", "period_end": "period_end",
           "service": "service_id", "location": "location_id", "channel": "channel"}
    VALUES = {"volume": "volume"}


class StandardWriter(PeriodWriter):
    TABLE = StandardStat.__table__
    KEY = {"period_start": "period_start", "period_end": "period_end",
           "service": "service_id", "standard": "standard_code", "channel": "channel"}
    VALUES = {"description": "description", "target": "target_share",
              "volume_meeting": "volume_meeting", "volume_total": "volume_total"}
