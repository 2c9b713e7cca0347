"""The one sidebar of filters every page shares, kept in the URL so a link reproduces a view.

Filters: the period as a range of months, quarters or years (grain, from, to), a department
(Fachbereich), services, locations and channels. :func:`sidebar` draws them and returns a
small :class:`Filters`; every page calls it once through :func:`dashboard.page.filters`.

URL parameters hold **codes, never translated labels**, so a link works in either language::

    ?raster=quarter&von=2026-Q1&bis=2026-Q4&fachbereich=Bürgerservice
     &leistungen=L003&leistungen=L004&standort=BA-NORD&kanal=online

(``raster``: month | quarter | year; periods ``2026-10`` / ``2026-Q4`` / ``2026``; services
and locations by their code in the master data, channels by the store's channel code, the
department as the master data spell it.)

Why the widgets are not ``bind="query-params"``: Streamlit 1.67 writes a bound selectbox or
multiselect to the URL as its *formatted label* (``SelectboxSerde.serialize`` returns
``format_func(value)``), so the URL would read ``raster=Quartal`` or ``kanal=Vor+Ort`` and a
link would break after switching to English. So the widgets are unbound: a URL value this
module did not write itself (a shared link, an edited address) sets the filter, and every
run writes the codes back — the way ``dashboard/app.py`` keeps ``?lang=``. A parameter
missing from the URL keeps the session's choice (a page switch may drop the query string).
Names of old links (``standort=Bürgeramt Nord``) and labels (``kanal=Vor Ort``) are still
understood.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import streamlit as st

from dashboard.formatting import fmt_month
from dashboard.i18n import STRINGS, t
from metrics.overview import shift_month

log = logging.getLogger(__name__)

GRAINS = ("month", "quarter", "year")
GRAIN_MONTHS = {"month": 1, "quarter": 3, "year": 12}
DEFAULT_PERIODS = {"month": 12, "quarter": 4, "year": 3}  # periods shown by default
# URL parameter (and widget key) of each filter
PARAMS = {"grain": "raster", "first": "von", "last": "bis", "department": "fachbereich",
          "services": "leistungen", "locations": "standort", "channels": "kanal"}
WRITTEN = "_filters_written"  # session: the URL values this module wrote last
STATE = "_filters_state"  # session: the chosen values, kept across page switches


# --- periods --------------------------------------------------------------------------------


def period_start(day: dt.date, grain: str) -> dt.date:
    """The first day of the month, quarter or year containing ``day``."""
    months = GRAIN_MONTHS[grain]
    index = (day.month - 1) // months * months
    return dt.date(day.year, index + 1, 1)


def period_code(start: dt.date, grain: str) -> str:
    """The URL form: ``2026-10``, ``2026-Q4``, ``2026``."""
    if grain == "month":
        return f"{start.year:04d}-{start.month:02d}"
    if grain == "quarter":
        return f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year:04d}"


def parse_period(code: str, grain: str) -> dt.date | None:
    """:func:`period_code` read back; a month code also works for a coarser grain (its
    quarter or year), so a link edited by hand is forgiving. None when unreadable."""
    text = code.strip().upper()
    try:
        if "-Q" in text:
            year, quarter = text.split("-Q")
            day = dt.date(int(year), 3 * (int(quarter) - 1) + 1, 1)
        elif "-" in text:
            year, month = text.split("-")[:2]
            day = dt.date(int(year), int(month), 1)
        else:
            day = dt.date(int(text), 1, 1)
    except ValueError:
        return None
    return period_start(day, grain)


def period_label(start: dt.date, grain: str, lang: str) -> str:
    """"Okt 2026", "Q4 2026", "2026"."""
    if grain == "month":
        return fmt_month(start, lang)
    if grain == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return str(start.year)


def periods(span: tuple[dt.date, dt.date], grain: str) -> list[dt.date]:
    """Every period start of ``grain`` touching the months ``span``."""
    first, last = period_start(span[0], grain), span[1]
    out = []
    while first <= last:
        out.append(first)
        first = shift_month(first, GRAIN_MONTHS[grain])
    return out


def last_month_of(start: dt.date, grain: str) -> dt.date:
    return shift_month(start, GRAIN_MONTHS[grain] - 1)


# --- the filters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the sidebar chose. ``None`` means "not filtered" (all, including cases without a
    location). ``services`` is already narrowed to the department when one is chosen;
    ``chosen_services`` is what the person picked themselves."""

    grain: str
    first: dt.date  # first day of the first period
    last: dt.date  # first day of the last period
    department: str | None = None
    services: tuple[int, ...] | None = None
    locations: tuple[int, ...] | None = None
    channels: tuple[str, ...] | None = None
    chosen_services: tuple[int, ...] = ()
    span: tuple[dt.date, dt.date] | None = field(default=None, compare=False)
    custom_period: bool = False  # another grain or range than the default


    @property
    def last_month(self) -> dt.date:
        """The last month of the range (never past the newest month with data)."""
        end = last_month_of(self.last, self.grain)
        return min(end, self.span[1]) if self.span else end

    @property
    def end(self) -> dt.date:
        """The last day of the range."""
        return shift_month(self.last_month, 1) - dt.timedelta(days=1)

    @property
    def months(self) -> list[dt.date]:
        out, month = [], self.first
        while month <= self.last_month:
            out.append(month)
            month = shift_month(month, 1)
        return out

    def period_text(self, lang: str) -> str:
        """"Nov 2025 – Okt 2026", "Q1 2026 – Q4 2026", "2026"."""
        first = period_label(self.first, self.grain, lang)
        if self.first == self.last:
            return first
        return f"{first} – {period_label(self.last, self.grain, lang)}"

    def active(self, name: str) -> bool:
        """Whether the filter ``name`` (period, services, locations, channels, department)
        is set to anything but its default."""
        if name == "period":
            return self.custom_period
        return getattr(self, name) is not None

    @property
    def scope_key(self) -> tuple:
        """Everything but the period: what a number's population depends on."""
        return (self.services, self.locations, self.channels)


@dataclass(frozen=True)
class FilterOptions:
    """What can be chosen: built from the store by :func:`dashboard.data.filter_options`."""

    span: tuple[dt.date, dt.date] | None  # first and last month with any data
    departments: tuple[str, ...] = ()
    # id → (code, name, department)
    services: dict[int, tuple[str, str, str | None]] = field(default_factory=dict)
    locations: dict[int, tuple[str, str]] = field(default_factory=dict)  # id → (code, name)
    channels: tuple[str, ...] = ()  # channel codes present in the data


def channel_label(channel: str, lang: str) -> str:
    key = f"s_channel_{channel}"
    return t(key, lang) if key in STRINGS else channel


def default_range(span: tuple[dt.date, dt.date], grain: str) -> tuple[dt.date, dt.date]:
    """The last :data:`DEFAULT_PERIODS` periods of ``grain`` up to the newest data."""
    options = periods(span, grain)
    return options[max(0, len(options) - DEFAULT_PERIODS[grain])], options[-1]


def defaults(options: FilterOptions) -> dict:
    first, last = default_range(options.span, "month") if options.span else (None, None)
    return {"grain": "month", "first": first, "last": last, "department": None,
            "services": [], "locations": [], "channels": []}


# --- URL values -------------------------------------------------------------------------------


def _match(values: Iterable[str], codes: dict, names: dict) -> list:
    """Ids for URL values: a code, else a name (case and blanks do not matter)."""
    by_code = {str(code).strip().casefold(): key for key, code in codes.items()}
    by_name = {str(name).strip().casefold(): key for key, name in names.items()}
    out = []
    for value in values:
        wanted = value.strip().casefold()
        found = by_code.get(wanted, by_name.get(wanted))
        if found is not None and found not in out:
            out.append(found)
    return out


def from_url(param: str, values: list[str], options: FilterOptions, grain: str):  # noqa: ANN201
    """The state value a URL parameter asks for; None when it names nothing we have."""
    if param == "raster":
        value = values[0].strip().casefold()
        return value if value in GRAINS else None
    if param in ("von", "bis"):
        return parse_period(values[0], grain)
    if param == "fachbereich":
        found = _match(values[:1], {d: d for d in options.departments}, {})
        return found[0] if found else None
    if param == "leistungen":
        return _match(values, {i: s[0] for i, s in options.services.items()},
                      {i: s[1] for i, s in options.services.items()}) or None
    if param == "standort":
        return _match(values, {i: loc[0] for i, loc in options.locations.items()},
                      {i: loc[1] for i, loc in options.locations.items()}) or None
    if param == "kanal":
        return (_match(values, {c: c for c in options.channels},
                       {c: channel_label(c, "de") for c in options.channels})
                or _match(values, {}, {c: channel_label(c, "en") for c in options.channels})
                or None)
    return None


def to_url(state: dict, options: FilterOptions) -> dict[str, list[str]]:
    """The URL values of ``state`` (empty lists where a filter is at its default)."""
    grain = state["grain"]
    out = {param: [] for param in PARAMS.values()}
    if grain != "month":
        out["raster"] = [grain]
    if state["first"] is not None:
        first, last = default_range(options.span, grain)
        if (state["first"], state["last"]) != (first, last):
            out["von"] = [period_code(state["first"], grain)]
            out["bis"] = [period_code(state["last"], grain)]
    if state["department"] is not None:
        out["fachbereich"] = [state["department"]]
    out["leistungen"] = [options.services[i][0] for i in state["services"]]
    out["standort"] = [options.locations[i][0] for i in state["locations"]]
    out["kanal"] = list(state["channels"])
    return out


# --- the sidebar ----------------------------------------------------------------------------


def _clean(state: dict, options: FilterOptions) -> dict:
    """Keep ``state`` within the options: periods snapped to the grain and inside the span,
    services within the department, unknown ids dropped."""
    state = dict(state)
    if options.span:
        choices = periods(options.span, state["grain"])
        first, last = default_range(options.span, state["grain"])
        for key, fallback in (("first", first), ("last", last)):
            value = state[key]
            value = fallback if value is None else period_start(value, state["grain"])
            state[key] = min(max(value, choices[0]), choices[-1])
    if state["department"] not in options.departments:
        state["department"] = None
    services = [i for i in state["services"] if i in options.services]
    if state["department"] is not None:
        services = [i for i in services if options.services[i][2] == state["department"]]
    state["services"] = services
    state["locations"] = [i for i in state["locations"] if i in options.locations]
    state["channels"] = [c for c in state["channels"] if c in options.channels]
    return state


def _incoming(options: FilterOptions, state: dict) -> dict:
    """URL values this module did not write (a link, an edited address) applied to
    ``state``; the grain first, since the periods are read at that grain."""
    written = st.session_state.get(WRITTEN)
    changed = {}
    for param in PARAMS.values():
        values = [v for v in st.query_params.get_all(param) if v.strip()]
        if values and (written is None or values != written.get(param)):
            changed[param] = values
    state = dict(state)
    if "raster" in changed:
        state["grain"] = from_url("raster", changed["raster"], options, "month") or "month"
    for name, param in PARAMS.items():
        if param in changed and param != "raster":
            value = from_url(param, changed[param], options, state["grain"])
            if value is None:
                log.info("ignoring ?%s=%s: not in the data", param, changed[param])
                continue
            state[name] = value
    return state


def _remember(name: str, param: str) -> None:
    """A widget's on_change: the person's choice becomes the session's filter state (the
    widgets themselves are forgotten by Streamlit on a page switch)."""
    st.session_state.setdefault(STATE, {})[name] = st.session_state[param]


def sidebar(options: FilterOptions, lang: str) -> Filters:
    """Draw the filters in the sidebar and return what they say (see the module doc)."""
    state = st.session_state.get(STATE) or defaults(options)
    # a link wins; a new grain snaps the periods, a new department narrows the services
    state = _clean(_incoming(options, {**defaults(options), **state}), options)
    st.session_state[STATE] = state
    for name, param in PARAMS.items():
        st.session_state[param] = state[name]  # every widget shows the session's state

    def keep(name: str) -> dict:
        return {"key": PARAMS[name], "on_change": _remember, "args": (name, PARAMS[name])}

    bar = st.sidebar
    if options.span:
        grain = state["grain"]
        bar.selectbox(t("f_grain", lang), list(GRAINS), **keep("grain"),
                      format_func=lambda g: t(f"f_grain_{g}", lang),
                      help=t("f_grain_help", lang))
        choices = periods(options.span, grain)
        bar.selectbox(t("f_from", lang), choices, **keep("first"),
                      format_func=lambda p: period_label(p, grain, lang))
        bar.selectbox(t("f_to", lang), choices, **keep("last"),
                      format_func=lambda p: period_label(p, grain, lang))
    if options.departments:
        # None (every department) is also what Streamlit shows as "no choice": without a
        # placeholder of our own the box read "Choose an option" in either language
        bar.selectbox(t("f_department", lang), [None, *options.departments],
                      **keep("department"),
                      format_func=lambda d: t("f_all_departments", lang) if d is None else d,
                      placeholder=t("f_all_departments", lang))
    in_department = [i for i, s in sorted(options.services.items(), key=lambda x: x[1][1])
                     if state["department"] is None or s[2] == state["department"]]
    bar.multiselect(t("f_services", lang), in_department, **keep("services"),
                    format_func=lambda i: options.services[i][1],
                    placeholder=t("f_all_services", lang), help=t("f_services_help", lang))
    bar.multiselect(t("locations", lang),
                    sorted(options.locations, key=lambda i: options.locations[i][1]),
                    **keep("locations"), format_func=lambda i: options.locations[i][1],
                    placeholder=t("f_all_locations", lang), help=t("locations_help", lang))
    bar.multiselect(t("f_channels", lang), list(options.channels), **keep("channels"),
                    format_func=lambda c: channel_label(c, lang),
                    placeholder=t("f_all_channels", lang), help=t("f_channels_help", lang))
    _write_url(to_url(state, options))
    return _filters(state, options)


def _write_url(values: dict[str, list[str]]) -> None:
    for param, value in values.items():
        if value:
            if st.query_params.get_all(param) != value:
                st.query_params[param] = value
        elif param in st.query_params:
            del st.query_params[param]
    st.session_state[WRITTEN] = values


def _filters(state: dict, options: FilterOptions) -> Filters:
    services: tuple[int, ...] | None = tuple(sorted(state["services"])) or None
    if services is None and state["department"] is not None:
        services = tuple(sorted(i for i, s in options.services.items()
                                if s[2] == state["department"]))
    first = state["first"] or dt.date(1970, 1, 1)
    custom = options.span is not None and (
        state["grain"] != "month"
        or (state["first"], state["last"]) != default_range(options.span, "month"))
    return Filters(
        grain=state["grain"], first=first, last=state["last"] or first,
        department=state["department"], services=services,
        locations=tuple(sorted(state["locations"])) or None,
        channels=tuple(state["channels"]) or None,
        chosen_services=tuple(state["services"]), span=options.span, custom_period=custom)


def not_applied(flt: Filters, names: Iterable[str], what: str, lang: str) -> None:
    """A caption naming the active filters that ``what`` (a figure, a section) does not
    follow — said, not silently ignored. Nothing when none of them is set."""
    names = [n for n in names  # a department's services are the department's filter
             if not (n == "services" and flt.department and not flt.chosen_services)]
    unused = [t(f"f_name_{n}", lang) for n in names if flt.active(n)]
    if unused:
        st.caption(t("f_not_applied", lang, filters=", ".join(unused), what=what))
