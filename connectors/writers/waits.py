"""On-site waits per location, day and hour."""

from __future__ import annotations

import json

import polars as pl
from sqlalchemy import Connection, insert, select

from connectors.readers import LINE_COL
from connectors.store import WaitStat


class WaitWriter:
    """On-site waits per location, day and hour. A slot delivered twice with the same
    value is a duplicate; with a different value in one delivery it is a contradiction
    (quarantined, the first value stays); a later delivery with a new value updates it."""

    def __init__(self, conn: Connection, run_id: int, source: str, kind: str,
                 ags: str) -> None:
        self.conn, self.run_id, self.source, self.ags = conn, run_id, source, ags
        self.rows: dict[tuple, tuple[float, int | None]] = {}
        self.seen = 0

    def add(self, frame: pl.DataFrame) -> list[dict]:
        conflicts = []
        for line, loc, day, hour, wait, visits in frame.select(
                LINE_COL, "location", "day", "hour", "wait_minutes", "visits").iter_rows():
            key, value = (loc, day, hour), (wait, visits)
            first = self.rows.setdefault(key, value)
            if first != value:
                conflicts.append({
                    "row_number": line, "column": "wait_minutes",
                    "reason": f"widerspricht einem früheren Wert für {day:%d.%m.%Y} "
                              f"{hour}:00 Uhr ({first[0]:g} statt {wait:g} Minuten) — der "
                              "erste Wert bleibt; Quelle prüfen",
                    "raw": json.dumps({"day": day.isoformat(), "hour": hour, "wait": wait,
                                       "visits": visits}),
                })
            else:
                self.seen += 1
        return conflicts

    def finish(self) -> tuple[int, int, int]:
        t = WaitStat.__table__
        if not self.rows:
            return 0, 0, self.seen
        days = [k[1] for k in self.rows]
        stored = {(r.location_id, r.day, r.hour): (r.wait_minutes, r.visits) for r in
                  self.conn.execute(select(t).where(t.c.ags == self.ags, t.c.source == self.source,
                                                    t.c.day.between(min(days), max(days))))}
        new = [k for k in self.rows if k not in stored]
        changed = [k for k in self.rows if k in stored and stored[k] != self.rows[k]]
        for loc, day, hour in changed:
            wait, visits = self.rows[(loc, day, hour)]
            self.conn.execute(t.update().where(
                t.c.ags == self.ags, t.c.source == self.source, t.c.location_id == loc,
                t.c.day == day, t.c.hour == hour).values(wait_minutes=wait, visits=visits,
                                         import_run_id=self.run_id))
        if new:
            self.conn.execute(insert(t), [
                {"ags": self.ags, "source": self.source, "location_id": k[0], "day": k[1],
                 "hour": k[2],
                 "wait_minutes": self.rows[k][0], "visits": self.rows[k][1],
                 "import_run_id": self.run_id} for k in new])
        return len(new), len(changed), self.seen - len(new) - len(changed)
