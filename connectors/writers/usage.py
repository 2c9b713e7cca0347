"""Usage statistics: a delivery replaces the periods it contains."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, insert, select

from connectors.store import UsageStat


class UsageWriter:
    """Usage statistics: a delivery replaces the periods it contains for its source.

    Aggregated files are small (one row per period × service × channel), so the comparison
    with what is stored runs in Python: a cell with the stored value is a duplicate, a
    changed value an update, a new cell an insert; cells of a re-delivered period that the
    new delivery no longer has are removed.
    """

    KEY = ("period_start", "period_end", "service", "location", "channel")

    def __init__(self, conn: Connection, run_id: int, source: str, kind: str) -> None:
        self.conn, self.run_id, self.source = conn, run_id, source
        self.rows: dict[tuple, int] = {}
        self.seen = 0

    def add(self, frame: pl.DataFrame) -> None:
        for row in frame.select(*self.KEY, "volume").iter_rows():
            self.seen += 1
            self.rows[row[:-1]] = row[-1]  # the same cell twice: the later one counts

    def finish(self) -> tuple[int, int, int]:
        t = UsageStat.__table__
        periods = {(k[0], k[1]) for k in self.rows}
        stored: dict[tuple, int] = {}
        for start, end in periods:
            where = (t.c.source == self.source, t.c.period_start == start,
                     t.c.period_end == end)
            for r in self.conn.execute(select(t.c.period_start, t.c.period_end, t.c.service_id,
                                              t.c.location_id, t.c.channel, t.c.volume)
                                       .where(*where)):
                stored[tuple(r[:-1])] = r[-1]
            self.conn.execute(t.delete().where(*where))
        if self.rows:
            self.conn.execute(insert(t), [
                {"source": self.source, "period_start": k[0], "period_end": k[1],
                 "service_id": k[2], "location_id": k[3], "channel": k[4], "volume": v,
                 "import_run_id": self.run_id}
                for k, v in self.rows.items()
            ])
        inserted = sum(1 for k in self.rows if k not in stored)
        updated = sum(1 for k, v in self.rows.items() if k in stored and stored[k] != v)
        return inserted, updated, self.seen - inserted - updated
