"""Online form funnel per service and day: upsert by (source, service, day)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
from sqlalchemy import Connection, bindparam, insert, select, update

from connectors.readers import LINE_COL
from connectors.store import FunnelStat

CHUNK_ROWS = 5_000  # rows per INSERT / UPDATE statement

Key = tuple[int, dt.date]  # service id, day
Counts = tuple[int, int, int | None]  # started, submitted, abandoned


class FunnelWriter:
    """A day of a form delivered again with the same counts is a duplicate, with changed
    counts an update (portals recount late sessions). The same day twice with different
    counts in one delivery is a contradiction: quarantined, the first row stays. A delivery
    never deletes days it does not contain (a portal exports any range of days)."""

    def __init__(self, conn: Connection, run_id: int, source: str, kind: str,
                 ags: str) -> None:
        self.conn, self.run_id, self.source, self.ags = conn, run_id, source, ags
        self.rows: dict[Key, Counts] = {}
        self.seen = 0

    def add(self, frame: pl.DataFrame) -> list[dict]:
        conflicts = []
        for line, day, service, *counts in frame.select(
                LINE_COL, "day", "service", "started", "submitted", "abandoned").iter_rows():
            value: Counts = tuple(counts)  # type: ignore[assignment]
            first = self.rows.setdefault((service, day), value)
            if first != value:
                conflicts.append({
                    "row_number": line, "column": "started",
                    "reason": f"widerspricht einer früheren Zeile für denselben Tag "
                              f"{day:%d.%m.%Y} und dieselbe Leistung (gestartet/abgeschickt/"
                              f"abgebrochen {_show(first)} statt {_show(value)}) — die erste "
                              "Zeile bleibt; Export des Portals prüfen",
                    "raw": json.dumps({"day": day.isoformat(), "service_id": service,
                                       "started": value[0], "submitted": value[1],
                                       "abandoned": value[2]}),
                })
            else:
                self.seen += 1
        return conflicts

    def finish(self) -> tuple[int, int, int]:
        if not self.rows:
            return 0, 0, self.seen
        t = FunnelStat.__table__
        days = [day for _, day in self.rows]
        stored: dict[Key, tuple[int, Counts]] = {
            (r.service_id, r.day): (r.id, (r.started, r.submitted, r.abandoned))
            for r in self.conn.execute(
                select(t.c.id, t.c.service_id, t.c.day, t.c.started, t.c.submitted,
                       t.c.abandoned)
                .where(t.c.ags == self.ags, t.c.source == self.source,
                       t.c.day.between(min(days), max(days))))
        }
        new = [k for k in self.rows if k not in stored]
        changed = [k for k in self.rows if k in stored and stored[k][1] != self.rows[k]]
        change = (update(t).where(t.c.id == bindparam("b_id"))
                  .values(started=bindparam("b_started"), submitted=bindparam("b_submitted"),
                          abandoned=bindparam("b_abandoned"), import_run_id=self.run_id))
        for chunk in _chunks(changed):
            self.conn.execute(change, [
                {"b_id": stored[k][0], **_values(self.rows[k], "b_")} for k in chunk])
        for chunk in _chunks(new):
            self.conn.execute(insert(t), [
                {"ags": self.ags, "source": self.source, "service_id": k[0], "day": k[1],
                 "import_run_id": self.run_id, **_values(self.rows[k])} for k in chunk])
        return len(new), len(changed), self.seen - len(new) - len(changed)


def _chunks(keys: list[Key]) -> list[list[Key]]:
    return [keys[i:i + CHUNK_ROWS] for i in range(0, len(keys), CHUNK_ROWS)]


def _values(counts: Counts, prefix: str = "") -> dict[str, int | None]:
    started, submitted, abandoned = counts
    return {f"{prefix}started": started, f"{prefix}submitted": submitted,
            f"{prefix}abandoned": abandoned}


def _show(counts: Counts) -> str:
    return "/".join("–" if c is None else str(c) for c in counts)
