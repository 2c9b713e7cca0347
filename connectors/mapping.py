"""Map raw text columns to canonical fields and validate them, a whole batch at a time.

Each check yields an error text per row (or null); a row with any error is rejected with
all its reasons, the first failing column and its raw values. Nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

import polars as pl

from connectors.profiles import Profile
from connectors.readers import LINE_COL
from connectors.records import FieldSpec
from connectors.store import NEVER_ONLINE

ERR = "__err_"
RAW = "__raw:"
UNPIVOT_NAME = "Spalte"  # the wide layout's column a value came from (shown in quarantine)
UNPIVOT_VALUE = "Wert"
# words a master-data column "Online seit" may hold instead of a date (case and blanks do
# not matter): never online, and no date known (the same as an empty cell)
ONLINE_NEVER = ("nie", "nicht online", "never", "not online")
ONLINE_UNKNOWN = ("unbekannt", "unknown")


@dataclass(frozen=True)
class Lookups:
    """Master data codes → ids, loaded once per import."""

    services: dict[str, int]
    locations: dict[str, int]


@dataclass(frozen=True)
class Mapped:
    valid: pl.DataFrame  # canonical fields + LINE_COL
    rejected: pl.DataFrame  # LINE_COL, column, reason, raw (JSON)


def pseudonymise(values: pl.Series, key: bytes, source: str) -> pl.Series:
    """Keyed BLAKE2b (128 bit) of source + case number: stable per key, not reversible."""
    keyed = hashlib.blake2b(source.encode("utf-8") + b"\x1f", key=key[:64], digest_size=16)

    def digest(v: str) -> str:  # copying the keyed state is cheaper than re-keying
        h = keyed.copy()
        h.update(v.encode("utf-8"))
        return h.hexdigest()

    out = [None if v is None else digest(v) for v in values.to_list()]
    return pl.Series(values.name, out, dtype=pl.String)


def _human(fmt: str) -> str:
    return (fmt.replace("%d", "TT").replace("%m", "MM").replace("%Y", "JJJJ")
            .replace("%H", "hh").replace("%M", "mm").replace("%S", "ss"))


def _parse(spec: FieldSpec, raw: pl.Expr, profile: Profile, lookups: Lookups) -> pl.Expr:
    r = profile.read
    values = profile.values.get(spec.name)
    if values and spec.type != "enum":  # codes → values, e.g. LimeSurvey "A4" → "4"
        raw = raw.replace(values)
    match spec.type:
        case "str" | "key":
            return raw
        case "text":
            from connectors.scrub import scrub

            return scrub(raw)
        case "int":
            return raw.str.replace_all(re.escape(r.thousands), "").cast(pl.Int64, strict=False)
        case "float":
            cleaned = raw.str.replace_all(re.escape(r.thousands), "")
            return cleaned.str.replace(re.escape(r.decimal), ".").cast(pl.Float64, strict=False)
        case "date":
            return raw.str.strptime(pl.Date, r.date_format, strict=False)
        case "datetime":
            return pl.coalesce(
                raw.str.strptime(pl.Datetime("us"), r.datetime_format, strict=False),
                raw.str.strptime(pl.Date, r.date_format, strict=False).cast(pl.Datetime("us")),
            )
        case "enum":
            values = profile.values.get(spec.name, {})
            mapping = {**{v: v for v in spec.allowed}, **values}
            if profile.unpivot and profile.unpivot.name_field == spec.name:
                mapping |= {h: values.get(v, v) for h, v in profile.unpivot.columns.items()}
            return raw.replace_strict(mapping, default=None, return_dtype=pl.String)
        case "service_ref":
            return raw.replace_strict(lookups.services, default=None, return_dtype=pl.Int64)
        case "location_ref":
            return raw.replace_strict(lookups.locations, default=None, return_dtype=pl.Int64)
    raise AssertionError(spec.type)  # pragma: no cover


def _type_error(spec: FieldSpec, raw_value: str, profile: Profile) -> pl.Expr:
    r = profile.read
    v = pl.lit("'") + raw_value + pl.lit("'")
    match spec.type:
        case "int":
            return v + pl.lit(" ist keine ganze Zahl")
        case "float":
            return v + pl.lit(f" ist keine Zahl (Dezimalzeichen '{r.decimal}')")
        case "date" if spec.name == "online_since":
            return v + pl.lit(f" ist kein gültiges Datum ({_human(r.date_format)}) — oder "
                              "'nie' (nie online) bzw. 'unbekannt' schreiben")
        case "date":
            return v + pl.lit(f" ist kein gültiges Datum ({_human(r.date_format)})")
        case "datetime":
            return v + pl.lit(f" ist kein gültiger Zeitpunkt ({_human(r.datetime_format)})")
        case "enum":
            return v + pl.lit(f" ist kein bekannter Wert — im Profil unter [values.{spec.name}] "
                              f"einem von {', '.join(spec.allowed)} zuordnen")
        case "service_ref":
            return v + pl.lit(" ist keine bekannte Leistung — in den Stammdaten (Leistungen) "
                              "anlegen oder den Code korrigieren")
        case "location_ref":
            return v + pl.lit(" ist kein bekannter Standort — in den Stammdaten (Standorte) "
                              "anlegen oder den Code korrigieren")
    return v + pl.lit(" ist ungültig")


def _period(raw: pl.Expr, profile: Profile) -> tuple[pl.Expr, pl.Expr]:
    """(start, inclusive end) of a period written as fiscal year, year or month."""
    r = profile.read
    if r.period_format in ("fiscal_year", "year"):
        years = raw.str.extract_groups(r"^\s*(\d{4})(?:\s*[-/]\s*(\d{2}|\d{4}))?\s*$")
        first = years.struct.field("1").cast(pl.Int32, strict=False)
        second = years.struct.field("2")
        month = r.fiscal_year_start_month if r.period_format == "fiscal_year" else 1
        start = pl.date(first, month, 1)
        end = pl.date(first + 1, month, 1).dt.offset_by("-1d")
        if r.period_format == "fiscal_year" and month != 1:
            # "2023-2024" or "2023-24": the second year must follow the first
            follows = (second.is_null()
                       | (second.cast(pl.Int32, strict=False) % 100 == (first + 1) % 100))
            start = pl.when(follows).then(start)
        else:
            start = pl.when(second.is_null()).then(start)
        return start, pl.when(start.is_not_null()).then(end)
    start = (pl.lit("01|") + raw).str.strptime(pl.Date, "%d|" + r.period_format, strict=False)
    return start, start.dt.month_end()


def _unpivot(frame: pl.DataFrame, profile: Profile) -> pl.DataFrame:
    """Wide to long: one record per listed column; cells marked missing are no record."""
    u = profile.unpivot
    assert u is not None
    wide = [c for c in frame.columns if c in u.columns]
    long = frame.unpivot(on=wide, index=[c for c in frame.columns if c not in wide],
                         variable_name=UNPIVOT_NAME, value_name=UNPIVOT_VALUE)
    return long.filter(pl.col(UNPIVOT_VALUE).is_not_null()).sort(LINE_COL, maintain_order=True)


def _iso_week_date(profile: Profile) -> tuple[pl.Expr, pl.Expr]:
    """(raw text "2016-W01-0", date) from ISO year, week and weekday columns."""
    w = profile.iso_week_date
    assert w is not None
    year, week, weekday = (pl.col(RAW + h) for h in (w.year, w.week, w.weekday))
    raw = pl.concat_str([year, pl.lit("-W"), week, pl.lit("-"), weekday])
    y = year.cast(pl.Int32, strict=False)
    wk = week.cast(pl.Int32, strict=False)
    wd = weekday.cast(pl.Int32, strict=False) - w.weekday_base  # 0 = Monday
    jan4 = pl.date(y, 1, 4)
    monday_week1 = jan4 - pl.duration(days=jan4.dt.weekday() - 1)
    day = monday_week1 + pl.duration(days=(wk - 1) * 7 + wd)
    valid = wk.is_between(1, 53) & wd.is_between(0, 6) & (day.dt.iso_year() == y)
    return raw, pl.when(valid).then(day)


def map_batch(
    frame: pl.DataFrame, profile: Profile, lookups: Lookups, key: bytes,
    now: dt.datetime | None = None,
) -> Mapped:
    kind = profile.kind
    headers = dict(profile.columns)
    if profile.unpivot:
        frame = _unpivot(frame, profile)
        headers[profile.unpivot.name_field] = UNPIVOT_NAME
        headers[profile.unpivot.value_field] = UNPIVOT_VALUE
    raw_cols = [c for c in frame.columns if c != LINE_COL]
    frame = frame.rename({c: RAW + c for c in raw_cols})  # never collide with field names
    exprs, errors = [], []
    for spec in kind.fields:
        if spec.type == "attributes":
            # an attribute's header is optional: a file without it gives no value
            attrs = [(pl.col(RAW + h) if RAW + h in frame.columns else pl.lit(None, pl.String))
                     .alias(name) for name, h in profile.attributes.items()]
            exprs.append((pl.struct(attrs).struct.json_encode() if attrs
                          else pl.lit(None, pl.String)).alias(spec.name))
            continue
        if profile.iso_week_date and spec.name == profile.iso_week_date.field:
            raw, parsed = _iso_week_date(profile)
            exprs.append(parsed.alias(spec.name))
            bad = (pl.lit("'") + raw + pl.lit("' ist kein Tag einer ISO-Kalenderwoche "
                                              "(Jahr-Woche-Wochentag)"))
            errors.append((spec.name, pl.when(raw.is_not_null() & parsed.is_null()).then(bad)))
            continue
        if spec.name in headers:
            column = RAW + headers[spec.name]
            # the header of a field that is not required may be missing (Profile.headers:
            # the reader lets it be): then every row lacks the value, as with an empty cell
            raw = pl.col(column) if column in frame.columns else pl.lit(None, pl.String)
        elif spec.name in profile.constants:
            raw = pl.lit(str(profile.constants[spec.name]))
        else:
            exprs.append(pl.lit(spec.default).alias(spec.name))
            continue
        if spec.type == "period":
            start, end = _period(raw, profile)
            exprs += [start.alias("period_start"), end.alias("period_end")]
            label = headers.get(spec.name, spec.name)
            fmt = profile.read.period_format
            bad = (pl.lit("'") + raw + pl.lit(f"' ist kein Zeitraum im Format {fmt} — "
                                              "read.period_format im Profil prüfen"))
            errors.append((label, pl.concat_str(
                [pl.when(raw.is_not_null() & start.is_null()).then(bad),
                 pl.when(raw.is_null()).then(pl.lit("Pflichtfeld ist leer"))],
                separator="; ", ignore_nulls=True)))
            continue
        if spec.name == "online_since":  # a date, "nie" or "unbekannt" (see ONLINE_NEVER)
            word = raw.str.strip_chars().str.to_lowercase()
            raw = pl.when(word.is_in(ONLINE_UNKNOWN)).then(None).otherwise(raw)
            parsed = pl.when(word.is_in(ONLINE_NEVER)).then(pl.lit(NEVER_ONLINE)).otherwise(
                _parse(spec, raw, profile, lookups))
        else:
            parsed = _parse(spec, raw, profile, lookups)
        if spec.default is not None:
            parsed = pl.when(raw.is_null()).then(pl.lit(spec.default)).otherwise(parsed)
        exprs.append(parsed.alias(spec.name))
        label = headers.get(spec.name, spec.name)
        checks = [pl.when(raw.is_not_null() & parsed.is_null())
                  .then(_type_error(spec, raw, profile))]
        if spec.required:
            checks.append(pl.when(raw.is_null()).then(pl.lit("Pflichtfeld ist leer")))
        if spec.pattern:
            checks.append(pl.when(raw.is_not_null() & ~raw.str.contains(spec.pattern))
                          .then(pl.lit("'") + raw + pl.lit(f"' hat nicht die Form {spec.hint}")))
        if spec.max_length:
            checks.append(pl.when(raw.str.len_chars() > spec.max_length).then(
                pl.lit(f"länger als {spec.max_length} Zeichen (") + raw.str.len_chars()
                .cast(pl.String) + pl.lit(") — im Fachverfahren kürzen")))
        if spec.minimum is not None:
            checks.append(pl.when(parsed < spec.minimum).then(
                pl.lit(f"kleiner als {spec.minimum:g}")))
        if spec.maximum is not None:
            checks.append(pl.when(parsed > spec.maximum).then(
                pl.lit(f"größer als {spec.maximum:g}")))
        if spec.type == "int" and spec.minimum is None:
            checks.append(pl.when(parsed < 0).then(pl.lit("darf nicht negativ sein")))
        errors.append((label, pl.concat_str(checks, separator="; ", ignore_nulls=True)))

    out = frame.with_columns(
        *exprs,
        *[e.alias(f"{ERR}{i}") for i, (_, e) in enumerate(errors)],
    )
    out = _rules(out, profile, errors, now or dt.datetime.now())
    err_cols = [f"{ERR}{i}" for i in range(len(errors))]
    labels = [label for label, _ in errors]
    reason = pl.concat_str(
        [pl.when(pl.col(c).is_not_null() & (pl.col(c) != "")).then(pl.lit(f"{lab}: ") + pl.col(c))
         for c, lab in zip(err_cols, labels, strict=True)],
        separator="; ", ignore_nulls=True,
    )
    first_col = pl.coalesce(
        [pl.when(pl.col(c).is_not_null() & (pl.col(c) != "")).then(pl.lit(lab))
         for c, lab in zip(err_cols, labels, strict=True)]
    )
    out = out.with_columns(__reason=reason, __column=first_col)
    bad = pl.col("__reason").is_not_null() & (pl.col("__reason") != "")
    if kind.natural_key in headers and kind.field(kind.natural_key).type == "key":
        hashed = pseudonymise(out.get_column(kind.natural_key), key, profile.source.name)
        out = out.with_columns(hashed.alias(kind.natural_key))
    is_key = kind.field(kind.natural_key).type == "key"
    key_header = headers.get(kind.natural_key) if is_key else None
    # The quarantine keeps raw values, but never a clear key or unscrubbed free text.
    text_headers = {headers[f.name] for f in kind.fields
                    if f.type == "text" and f.name in headers}
    from connectors.scrub import scrub

    raw_frame = out.select(
        [pl.col(kind.natural_key).alias(c) if c == key_header
         else scrub(pl.col(RAW + c)).alias(c) if c in text_headers
         else pl.col(RAW + c).alias(c) for c in raw_cols]
    )
    raw_json = raw_frame.select(pl.struct(pl.all()).struct.json_encode().alias("raw"))
    rejected = (
        out.select(LINE_COL, pl.col("__column").alias("column"),
                   pl.col("__reason").alias("reason"), bad.alias("__bad"))
        .with_columns(raw_json.to_series() if raw_cols else pl.lit("{}").alias("raw"))
        .filter(pl.col("__bad"))
        .drop("__bad")
    )
    valid = out.filter(~bad).select(LINE_COL, *kind.output_names)
    return Mapped(valid=valid, rejected=rejected)


def _rule_checks(kind: str, now: dt.datetime) -> list[tuple[str, pl.Expr]]:
    """Cross-field rules per record kind: (field the message names, error text or null)."""
    match kind:
        case "cases":
            return [
                ("completed_at", pl.when(pl.col("completed_at") < pl.col("received_at"))
                 .then(pl.lit("Abschluss liegt vor dem Eingang — Datumsangaben im "
                              "Fachverfahren prüfen"))),
                ("received_at", pl.when(pl.col("received_at") > pl.lit(now + dt.timedelta(days=1)))
                 .then(pl.lit("Eingang liegt in der Zukunft — Datum prüfen"))),
                ("completed_at",
                 pl.when((pl.col("status") == "completed") & pl.col("completed_at").is_null())
                 .then(pl.lit("Status abgeschlossen, aber kein Abschlussdatum"))),
            ]
        case "standards":
            return [("volume_meeting", pl.when(pl.col("volume_meeting") > pl.col("volume_total"))
                     .then(pl.lit("mehr Fälle im Standard als Fälle insgesamt — Zahlen der "
                                  "Quelle prüfen")))]
        case "funnel":
            return [("submitted", pl.when(pl.col("submitted") > pl.col("started"))
                     .then(pl.format("{} abgeschickt, aber nur {} gestartet — Zählung im "
                                     "Portal prüfen", pl.col("submitted"), pl.col("started"))))]
        case "appointments":
            return [("booked_at", pl.when(pl.col("booked_at") > pl.col("slot_at"))
                     .then(pl.lit("Buchung liegt nach dem Termin — Zeitangaben im "
                                  "Terminsystem prüfen")))]
    return []


def _rules(out: pl.DataFrame, profile: Profile, errors: list, now: dt.datetime) -> pl.DataFrame:
    """Apply the kind's cross-field rules; each adds one more error column."""
    kind = profile.kind.name
    if kind == "cases":  # status: derived when not delivered (before the rules read it)
        out = out.with_columns(status=pl.coalesce(
            pl.col("status"),
            pl.when(pl.col("completed_at").is_not_null()).then(pl.lit("completed"))
            .otherwise(pl.lit("open"))))
    extra = [(profile.columns.get(f, f), e) for f, e in _rule_checks(kind, now)]
    start = len(errors)
    errors.extend(extra)
    return out.with_columns(*[e.alias(f"{ERR}{start + i}") for i, (_, e) in enumerate(extra)])
