"""Record kinds: the canonical fields a profile can map to, one registry for all of them.

A field's type decides how raw text is parsed and validated; ``ref`` fields are resolved
against master data; the ``key`` field is pseudonymised and never stored in clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from connectors.store import CaseStatus, Channel, LocationKind, Outcome, Topic

FieldType = Literal["str", "int", "float", "date", "datetime", "enum", "service_ref",
                    "location_ref", "key", "period", "attributes", "text"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    required: bool = False
    allowed: tuple[str, ...] = ()  # canonical values of an enum field
    default: object = None
    pattern: str | None = None  # regex a str field must match
    hint: str = ""  # what a valid value looks like, for error messages
    max_length: int | None = None  # the store column's length (str fields)
    minimum: float | None = None  # numeric bounds; without them an int must not be negative
    maximum: float | None = None


@dataclass(frozen=True)
class RecordKind:
    name: str
    fields: tuple[FieldSpec, ...]
    natural_key: str  # field that identifies a record within one source

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def output_names(self) -> list[str]:
        """Canonical columns after mapping: a ``period`` becomes its start and end."""
        out = []
        for f in self.fields:
            out += ["period_start", "period_end"] if f.type == "period" else [f.name]
        return out


RECORD_KINDS: dict[str, RecordKind] = {
    "services": RecordKind(
        name="services",
        natural_key="code",
        fields=(
            FieldSpec("code", "str", required=True, max_length=40),
            FieldSpec("name", "str", required=True, max_length=500),
            FieldSpec("leika_key", "str", pattern=r"^\d{14}$", hint="14 Ziffern", max_length=14),
            FieldSpec("department", "str", max_length=200),
            FieldSpec("ozg_service", "str", max_length=200),
            FieldSpec("online_since", "date"),
            FieldSpec("attributes", "attributes"),  # from the profile's [attributes]
        ),
    ),
    "locations": RecordKind(
        name="locations",
        natural_key="code",
        fields=(
            FieldSpec("code", "str", required=True, max_length=40),
            FieldSpec("name", "str", required=True, max_length=200),
            FieldSpec("district", "str", max_length=200),
            FieldSpec("kind", "enum", allowed=tuple(k.value for k in LocationKind),
                      default=LocationKind.OFFICE.value),
            FieldSpec("latitude", "float"),
            FieldSpec("longitude", "float"),
        ),
    ),
    "cases": RecordKind(
        name="cases",
        natural_key="case_number",
        fields=(
            FieldSpec("case_number", "key", required=True),
            FieldSpec("service", "service_ref", required=True),
            FieldSpec("location", "location_ref"),
            FieldSpec("channel", "enum", required=True, allowed=tuple(c.value for c in Channel)),
            FieldSpec("received_at", "datetime", required=True),
            FieldSpec("completed_at", "datetime"),
            FieldSpec("status", "enum", allowed=tuple(s.value for s in CaseStatus)),
            FieldSpec("follow_up_count", "int", default=0),
        ),
    ),
    "usage": RecordKind(
        name="usage",
        natural_key="period",
        fields=(
            FieldSpec("period", "period", required=True),
            FieldSpec("service", "service_ref", required=True),
            FieldSpec("location", "location_ref"),
            FieldSpec("channel", "enum", required=True, allowed=tuple(c.value for c in Channel)),
            FieldSpec("volume", "int", required=True),
        ),
    ),
    "waits": RecordKind(
        name="waits",
        natural_key="day",
        fields=(
            FieldSpec("location", "location_ref", required=True),
            FieldSpec("day", "date", required=True),
            FieldSpec("hour", "int", required=True, minimum=0, maximum=23),
            FieldSpec("wait_minutes", "float", required=True, minimum=0),
            FieldSpec("visits", "int"),
        ),
    ),
    "standards": RecordKind(
        name="standards",
        natural_key="standard",
        fields=(
            FieldSpec("period", "period", required=True),
            FieldSpec("service", "service_ref", required=True),
            FieldSpec("standard", "str", required=True, max_length=40),
            FieldSpec("description", "str", max_length=500),
            FieldSpec("channel", "enum", allowed=tuple(c.value for c in Channel)),
            FieldSpec("target", "float", minimum=0, maximum=1),  # share
            FieldSpec("volume_meeting", "int"),  # empty: reported without figures
            FieldSpec("volume_total", "int"),
        ),
    ),
    "feedback": RecordKind(
        name="feedback",
        natural_key="response",
        fields=(
            FieldSpec("response", "key", required=True),
            FieldSpec("submitted_on", "date", required=True),
            FieldSpec("topic", "enum", required=True, allowed=tuple(t.value for t in Topic)),
            FieldSpec("service", "service_ref"),
            FieldSpec("location", "location_ref"),
            FieldSpec("channel", "enum", allowed=tuple(c.value for c in Channel)),
            FieldSpec("rating", "int", minimum=1, maximum=5),  # 5 = sehr zufrieden
            FieldSpec("comment", "text"),  # personal data removed before it is stored
        ),
    ),
    "funnel": RecordKind(
        name="funnel",
        natural_key="day",
        fields=(
            FieldSpec("day", "date", required=True),
            FieldSpec("service", "service_ref", required=True),
            FieldSpec("started", "int", required=True),
            FieldSpec("submitted", "int", required=True),
            FieldSpec("abandoned", "int"),
        ),
    ),
    "appointments": RecordKind(
        name="appointments",
        natural_key="appointment",
        fields=(
            FieldSpec("appointment", "key", required=True),
            FieldSpec("location", "location_ref", required=True),
            FieldSpec("service", "service_ref"),
            FieldSpec("booked_at", "datetime", required=True),
            FieldSpec("slot_at", "datetime", required=True),
            FieldSpec("channel", "enum", allowed=tuple(c.value for c in Channel)),
            FieldSpec("outcome", "enum", required=True, allowed=tuple(o.value for o in Outcome)),
            FieldSpec("wait_minutes", "int"),
        ),
    ),
}

# Master data first, so the facts that refer to it can be resolved in the same run.
IMPORT_ORDER = {"services": 0, "locations": 1, "cases": 2, "usage": 3, "waits": 4,
                "standards": 5, "feedback": 6, "funnel": 7, "appointments": 8}
