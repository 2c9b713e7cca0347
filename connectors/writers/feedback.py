"""Survey feedback: one record per response and topic, upserted by (source, response, topic)."""

from __future__ import annotations

import json

import polars as pl
from sqlalchemy import Connection, bindparam, insert, select

from connectors.readers import LINE_COL
from connectors.store import Feedback, Topic

# Which record of a response keeps its comment: "overall" first, then the enum's order.
TOPIC_ORDER = {t.value: i for i, t in enumerate(Topic)}
_FIELDS = ("submitted_on", "service_id", "location_id", "channel", "rating", "comment")
_IN_CHUNK = 500  # response keys per IN (…) when reading what is stored


class FeedbackWriter:
    """Survey feedback. A record is one response × topic; the same record again with the
    same values is a duplicate, with changed values (a corrected export) an update.

    Refused into the quarantine, with the reason (a rating outside 1–5 or a code missing
    from ``[values.rating]`` is already rejected by the mapping): the same response and topic
    twice in one delivery with different values (the first one stays).

    The comment belongs to the response, not to a topic. A wide survey export copies it to
    every topic it unpivots; this writer keeps it on one record per response — "overall" if
    that was answered, else the first answered topic — so it is stored and counted once.
    Responses without any answered question produce no record (the unpivot drops empty
    cells), so their comment is not imported either.

    Rows are compared in Python, one dict entry per record: a survey has thousands to a few
    hundred thousand ratings, not the millions of a case export.
    """

    def __init__(self, conn: Connection, run_id: int, source: str, kind: str,
                 ags: str) -> None:
        self.conn, self.run_id, self.source, self.ags = conn, run_id, source, ags
        self.rows: dict[tuple[str, str], tuple] = {}
        self.seen = 0

    def add(self, frame: pl.DataFrame) -> list[dict]:
        if frame.is_empty():
            return []
        rank = pl.col("topic").replace_strict(TOPIC_ORDER, return_dtype=pl.Int32)
        frame = frame.with_columns(
            comment=pl.when(rank == rank.min().over("response")).then(pl.col("comment")))
        conflicts = []
        for line, key, topic, *values in frame.select(
                LINE_COL, "response", "topic", "submitted_on", "service", "location",
                "channel", "rating", "comment").iter_rows():
            values = tuple(values)
            first = self.rows.setdefault((key, topic), values)
            if first != values:
                changed = [f for f, a, b in zip(_FIELDS, first, values, strict=True) if a != b]
                conflicts.append(self._refused(line, key, topic, values, "response", (
                    f"Antwort und Thema '{topic}' kommen in dieser Lieferung mehrfach vor, "
                    f"mit anderen Werten ({', '.join(changed)}) — die erste Zeile bleibt; "
                    "Export auf doppelte Antwort-IDs prüfen")))
            else:
                self.seen += 1
        return conflicts

    @staticmethod
    def _refused(line: int, key: str, topic: str, values: tuple, column: str,
                 reason: str) -> dict:
        raw = dict(zip(_FIELDS, values, strict=True)) | {"response": key, "topic": topic}
        raw["submitted_on"] = raw["submitted_on"].isoformat()
        return {"row_number": line, "column": column,
                "reason": reason, "raw": json.dumps(raw, ensure_ascii=False)}

    def finish(self) -> tuple[int, int, int]:
        t = Feedback.__table__
        stored: dict[tuple[str, str], tuple] = {}
        keys = sorted({k for k, _ in self.rows})
        for i in range(0, len(keys), _IN_CHUNK):
            query = select(t.c.response_key, t.c.topic, *(t.c[f] for f in _FIELDS)).where(
                t.c.ags == self.ags, t.c.source == self.source,
                t.c.response_key.in_(keys[i:i + _IN_CHUNK]))
            for r in self.conn.execute(query):
                stored[(r[0], r[1])] = tuple(r[2:])
        new = [k for k in self.rows if k not in stored]
        changed = [k for k in self.rows if k in stored and stored[k] != self.rows[k]]
        if changed:
            self.conn.execute(
                t.update().where(t.c.ags == self.ags, t.c.source == self.source,
                                 t.c.response_key == bindparam("b_key"),
                                 t.c.topic == bindparam("b_topic"))
                .values(**{f: bindparam(f"b_{f}") for f in _FIELDS},
                        import_run_id=self.run_id),
                [{"b_key": k, "b_topic": topic,
                  **{f"b_{f}": v for f, v in zip(_FIELDS, self.rows[(k, topic)], strict=True)}}
                 for k, topic in changed])
        if new:
            self.conn.execute(insert(t), [
                {"ags": self.ags, "source": self.source, "response_key": k, "topic": topic,
                 **dict(zip(_FIELDS, self.rows[(k, topic)], strict=True)),
                 "import_run_id": self.run_id}
                for k, topic in new])
        return len(new), len(changed), self.seen - len(new) - len(changed)
