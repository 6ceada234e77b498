"""Date template functions: ``utcNow``, ``dateTimeAdd``, ``dateTimeFromEpoch``,
``dateTimeToEpoch``, with .NET standard and custom date/time format strings
(invariant culture names; ARM's documented default output for a base in another
layout is the en-US general form ``M/d/yyyy h:mm:ss tt``).

Not simulated: culture-specific names other than English, time zones other than UTC.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from .errors import TemplateError
from .evaluator import STAGE_DISCOVERY, STAGE_PARAMETER_DEFAULT, Context
from .functions import _fail, _want, function

_STANDARD = {
    "d": "MM/dd/yyyy",
    "D": "dddd, dd MMMM yyyy",
    "f": "dddd, dd MMMM yyyy HH:mm",
    "F": "dddd, dd MMMM yyyy HH:mm:ss",
    "g": "MM/dd/yyyy HH:mm",
    "G": "MM/dd/yyyy HH:mm:ss",
    "M": "MMMM dd",
    "m": "MMMM dd",
    "O": "yyyy-MM-ddTHH:mm:ss.fffffffK",
    "o": "yyyy-MM-ddTHH:mm:ss.fffffffK",
    "R": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "r": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "s": "yyyy-MM-ddTHH:mm:ss",
    "t": "HH:mm",
    "T": "HH:mm:ss",
    "u": "yyyy-MM-dd HH:mm:ssZ",
    "U": "dddd, dd MMMM yyyy HH:mm:ss",
    "Y": "yyyy MMMM",
    "y": "yyyy MMMM",
}
_EN_US_GENERAL = "M/d/yyyy h:mm:ss tt"
_COMPACT_ISO = "yyyyMMddTHHmmssZ"
_TOKEN = re.compile(
    r"'[^']*'|\"[^\"]*\"|\\.|%.|d{1,4}|f{1,7}|F{1,7}|g{1,2}|h{1,2}|H{1,2}|K|m{1,2}|M{1,4}"
    r"|s{1,2}|t{1,2}|y{1,5}|z{1,3}|.",
    re.DOTALL,
)


def format_datetime(moment: datetime.datetime, fmt: str, function_name: str) -> str:
    """``moment`` (UTC) rendered with a .NET standard or custom format string."""
    if len(fmt) == 1:
        if fmt not in _STANDARD:
            raise _fail(function_name, f"the format '{fmt}' is not a valid date format.")
        fmt = _STANDARD[fmt]
    return "".join(_render(token, moment) for token in _TOKEN.findall(fmt))


def _render(token: str, moment: datetime.datetime) -> str:
    if token[0] in "'\"":
        return token[1:-1]
    if token[0] in "\\%" and len(token) == 2:
        return token[1] if token[0] == "\\" else _render(token[1], moment)
    head, width = token[0], len(token)
    renderer = _RENDERERS.get(head)
    return renderer(moment, width) if renderer else token


def _year(m: datetime.datetime, w: int) -> str:
    return str(m.year % 100).zfill(w) if w <= 2 else str(m.year).zfill(w)


def _day(m: datetime.datetime, w: int) -> str:
    if w >= 3:
        name = m.strftime("%A")
        return name if w == 4 else name[:3]
    return str(m.day).zfill(w)


def _month(m: datetime.datetime, w: int) -> str:
    if w >= 3:
        name = m.strftime("%B")
        return name if w == 4 else name[:3]
    return str(m.month).zfill(w)


def _hour12(m: datetime.datetime, w: int) -> str:
    return str(m.hour % 12 or 12).zfill(w)


def _fraction(m: datetime.datetime, w: int) -> str:
    return f"{m.microsecond:06d}0"[:w]


def _fraction_trimmed(m: datetime.datetime, w: int) -> str:
    return _fraction(m, w).rstrip("0")


_RENDERERS: dict[str, Any] = {
    "y": _year,
    "M": _month,
    "d": _day,
    "H": lambda m, w: str(m.hour).zfill(w),
    "h": _hour12,
    "m": lambda m, w: str(m.minute).zfill(w),
    "s": lambda m, w: str(m.second).zfill(w),
    "f": _fraction,
    "F": _fraction_trimmed,
    "t": lambda m, w: ("AM" if m.hour < 12 else "PM")[:w],
    "K": lambda m, w: "Z",
    "z": lambda m, w: "+0" if w == 1 else ("+00" if w == 2 else "+00:00"),
    "g": lambda m, w: "A.D.",
}


# --- parsing ---------------------------------------------------------------------------
_ISO_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$")
_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_US_RE = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([AaPp][Mm]))?)?$"
)


def parse_datetime(text: str, function_name: str) -> tuple[datetime.datetime, str]:
    """A date/time string → (UTC moment, the layout to write results in)."""
    value = text.strip()
    if match := _ISO_COMPACT_RE.match(value):
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        return datetime.datetime(year, month, day, hour, minute, second, tzinfo=datetime.UTC), (
            _COMPACT_ISO
        )
    if match := _ISO_RE.match(value):
        return _from_iso(match, value, function_name)
    if match := _US_RE.match(value):
        month, day, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        hour, minute = int(match.group(4) or 0), int(match.group(5) or 0)
        second = int(match.group(6) or 0)
        if (match.group(7) or "").lower() == "pm" and hour < 12:
            hour += 12
        elif (match.group(7) or "").lower() == "am" and hour == 12:
            hour = 0
        return _build(function_name, text, year, month, day, hour, minute, second), _EN_US_GENERAL
    raise _not_a_datetime(function_name, text)


def _from_iso(
    match: re.Match[str], value: str, function_name: str
) -> tuple[datetime.datetime, str]:
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    hour, minute, second = (int(match.group(i) or 0) for i in (4, 5, 6))
    fraction = (match.group(7) or "").ljust(6, "0")[:6]
    moment = _build(function_name, value, year, month, day, hour, minute, second, int(fraction))
    zone = match.group(8)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment -= sign * offset
    if "T" in value and zone == "Z":
        layout = "yyyy-MM-ddTHH:mm:ss" + (".fffffff" if match.group(7) else "") + "Z"
        return moment, layout
    return moment, _EN_US_GENERAL


def _build(function_name: str, text: str, *parts: int) -> datetime.datetime:
    try:
        return datetime.datetime(*parts, tzinfo=datetime.UTC)  # type: ignore[misc,arg-type]
    except ValueError:
        raise _not_a_datetime(function_name, text) from None


def _not_a_datetime(function_name: str, text: str) -> TemplateError:
    return _fail(
        function_name,
        f"the value '{text}' is not a valid date time. Use the ISO 8601 format, for example "
        "'2020-04-07T14:53:14Z'.",
    )


_DURATION_RE = re.compile(
    r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
    r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def add_duration(moment: datetime.datetime, duration: str) -> datetime.datetime:
    """``moment`` plus an ISO 8601 duration (``P3Y``, ``-P9D``, ``PT1H30M``)."""
    match = _DURATION_RE.match(duration.strip())
    if match is None or duration.strip() in ("P", "-P") or duration.strip().endswith("T"):
        raise _fail(
            "dateTimeAdd",
            f"the duration '{duration}' is not a valid ISO 8601 duration, for example 'P1D' "
            "or 'PT1H'.",
        )
    sign = -1 if match.group(1) else 1
    years, months, weeks, days, hours, minutes = (int(match.group(i) or 0) for i in range(2, 8))
    seconds = float(match.group(8) or 0)
    moment = _add_months(moment, sign * (years * 12 + months))
    delta = datetime.timedelta(
        weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds
    )
    return moment + sign * delta


def _add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    # .NET AddMonths: keep the day, clamped to the target month's length.
    total = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    next_month = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


# --- the functions -----------------------------------------------------------------------
@function("utcNow", 0, 1)
def _utc_now(ctx: Context, args: list[Any]) -> str:
    if ctx.stage not in (STAGE_PARAMETER_DEFAULT, STAGE_DISCOVERY):
        raise TemplateError(
            "The template function 'utcNow' is not expected at this location. It can only "
            "be used in the default value of a parameter."
        )
    fmt = _want("utcNow", args[0], str) if args else _COMPACT_ISO
    return format_datetime(ctx.deployment.now(), fmt, "utcNow")


@function("dateTimeAdd", 2, 3)
def _date_time_add(ctx: Context, args: list[Any]) -> str:
    moment, layout = parse_datetime(_want("dateTimeAdd", args[0], str), "dateTimeAdd")
    result = add_duration(moment, _want("dateTimeAdd", args[1], str))
    fmt = _want("dateTimeAdd", args[2], str) if len(args) > 2 else layout
    return format_datetime(result, fmt, "dateTimeAdd")


@function("dateTimeFromEpoch", 1, 1)
def _date_time_from_epoch(ctx: Context, args: list[Any]) -> str:
    seconds = _want("dateTimeFromEpoch", args[0], int)
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return format_datetime(moment, "yyyy-MM-ddTHH:mm:ssZ", "dateTimeFromEpoch")


@function("dateTimeToEpoch", 1, 1)
def _date_time_to_epoch(ctx: Context, args: list[Any]) -> int:
    moment, _layout = parse_datetime(_want("dateTimeToEpoch", args[0], str), "dateTimeToEpoch")
    return int(moment.timestamp())
