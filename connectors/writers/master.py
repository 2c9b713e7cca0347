"""Master data (services, locations): upsert by code within one municipality."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, insert, select, update

from connectors.readers import LINE_COL
from connectors.store import Location, Service
from connectors.tenants import tenant_filter

MODELS = {"services": Service, "locations": Location}


class MasterWriter:
    """Upsert master data by code; small tables, so a comparison in Python is fine."""

    def __init__(self, conn: Connection, run_id: int, source: str, kind: str,
                 ags: str) -> None:
        self.conn, self.model, self.ags = conn, MODELS[kind], ags
        self.rows: dict[str, dict] = {}
        self.seen = 0

    def add(self, frame: pl.DataFrame) -> None:
        for row in frame.drop(LINE_COL).iter_rows(named=True):
            self.seen += 1
            self.rows[row["code"]] = row  # a later row for the same code wins

    def finish(self) -> tuple[int, int, int]:
        table = self.model.__table__
        existing = {r.code: r._asdict() for r in self.conn.execute(
            select(table).where(tenant_filter(table, self.ags)))}
        inserted = updated = 0
        for code, row in self.rows.items():
            old = existing.get(code)
            if old is None:
                self.conn.execute(insert(table).values(ags=self.ags, **row))
                inserted += 1
            elif any(old[k] != v for k, v in row.items()):
                self.conn.execute(update(table).where(
                    tenant_filter(table, self.ags), table.c.code == code).values(**row))
                updated += 1
        return inserted, updated, self.seen - inserted - updated
