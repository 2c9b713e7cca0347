"""Master data (services, locations): upsert by code."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, insert, select, update

from connectors.readers import LINE_COL
from connectors.store import Location, Service

MODELS = {"services": Service, "locations": Location}


class MasterWriter:
    """Upsert master data by code; small tables, so a comparison in Python is fine."""

    def __init__(self, conn: Connection, run_id: int, source: str, kind: str) -> None:
        self.conn, self.model = conn, MODELS[kind]
        self.rows: dict[str, dict] = {}
        self.seen = 0

    def add(self, frame: pl.DataFrame) -> None:
        for row in frame.drop(LINE_COL).iter_rows(named=True):
            self.seen += 1
            self.rows[row["code"]] = row  # a later row for the same code wins

    def finish(self) -> tuple[int, int, int]:
        table = self.model.__table__
        existing = {r.code: r._asdict() for r in self.conn.execute(select(table))}
        inserted = updated = 0
        for code, row in self.rows.items():
            old = existing.get(code)
            if old is None:
                self.conn.execute(insert(table).values(**row))
                inserted += 1
            elif any(old[k] != v for k, v in row.items()):
                self.conn.execute(update(table).where(table.c.code == code).values(**row))
                updated += 1
        return inserted, updated, self.seen - inserted - updated
