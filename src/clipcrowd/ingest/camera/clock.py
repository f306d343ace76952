"""Times from file names: epoch units by digit count, wall-clock names in a time zone, and the
timestamp string hooks receive.

An epoch is absolute Unix time (UTC by definition). Its unit is read from its length: up to 10
digits seconds, 13 milliseconds, 16 microseconds, 19 nanoseconds; any other length is ambiguous
and needs ``--epoch-unit``. Values before 1990 or more than a day ahead of now are refused as
``bad_timestamp`` (clock-skewed recorders), and so is 0. A ``datetime`` group is read in ``--tz``:
a wall-clock time that does not exist (the spring DST gap) is refused, one that exists twice (the
autumn overlap) needs ``--tz-ambiguous earliest|latest``.

Hooks get ``YYYY-mm-ddTHH:MM:SS.fff`` (23 characters, truncated to milliseconds) in UTC;
``legacy-local`` renders the same instant in the local zone as the legacy importer did, ``iso-z``
appends ``Z``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError, FileError

UNITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}
_BY_DIGITS = {13: "ms", 16: "us", 19: "ns"}
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
STYLES = ("utc", "legacy-local", "iso-z")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"--tz {name!r} is not a known time zone (e.g. UTC, Europe/Paris)") from None


def epoch_unit(digits: str, unit: str = "auto") -> str:
    if unit != "auto":
        if unit not in UNITS:
            raise ConfigError(f"--epoch-unit must be one of auto, {', '.join(UNITS)}; got {unit!r}")
        return unit
    n = len(digits.lstrip("-"))
    if n <= 10:
        return "s"
    if n in _BY_DIGITS:
        return _BY_DIGITS[n]
    raise FileError(f"epoch {digits} has {n} digits: ambiguous unit, give --epoch-unit", "bad_timestamp")


def check_plausible(when: datetime, now: datetime) -> datetime:
    if when < EARLIEST or when > now + timedelta(days=1):
        raise FileError(f"time {when.isoformat()} is before 1990 or in the future", "bad_timestamp")
    return when


def from_epoch(text: str, unit: str = "auto", *, now: datetime | None = None) -> datetime:
    """The UTC instant of an epoch string (milliseconds kept, finer digits truncated)."""
    text = text.strip()
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise FileError(f"epoch {text!r} is not a number", "bad_timestamp") from None
    if value == 0:
        raise FileError("epoch 0 is not a time", "bad_timestamp")
    seconds = value.scaleb(-UNITS[epoch_unit(text.split(".")[0], unit)])
    ms = int(seconds * 1000)  # truncates toward zero: 1.9999 s -> 1999 ms
    try:
        when = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    except OverflowError:
        raise FileError(f"epoch {text} is out of range", "bad_timestamp") from None
    return check_plausible(when, now or datetime.now(UTC))


def from_wall_clock(text: str, fmt: str, tz: ZoneInfo, ambiguous: str | None = None, *,
                    now: datetime | None = None) -> datetime:
    """The UTC instant of a wall-clock string read with ``fmt`` in zone ``tz``."""
    try:
        naive = datetime.strptime(text, fmt)
    except ValueError as exc:
        raise FileError(f"datetime {text!r} does not fit --datetime-format {fmt!r}: {exc}", "bad_timestamp") from None
    if naive.tzinfo is not None:
        return check_plausible(naive.astimezone(UTC), now or datetime.now(UTC))
    early, late = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if early.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise FileError(f"{text} does not exist in {tz.key} (a daylight-saving gap)", "bad_timestamp")
    if early.utcoffset() != late.utcoffset():
        if ambiguous not in ("earliest", "latest"):
            raise FileError(f"{text} happens twice in {tz.key} (daylight saving ends): give --tz-ambiguous",
                            "bad_timestamp")
        chosen = early if ambiguous == "earliest" else late
    else:
        chosen = early
    return check_plausible(chosen.astimezone(UTC), now or datetime.now(UTC))


def format_timestamp(when: datetime, style: str = "utc", local: ZoneInfo | None = None) -> str:
    """The 23-character string hooks get (``iso-z``: 24 with the ``Z``)."""
    if style not in STYLES:
        raise ConfigError(f"--timestamp-style must be one of {', '.join(STYLES)}")
    shown = when.astimezone(local) if style == "legacy-local" else when.astimezone(UTC)
    text = shown.strftime("%Y-%m-%dT%H:%M:%S.") + f"{shown.microsecond // 1000:03d}"
    return text + "Z" if style == "iso-z" else text


def from_file_time(seconds: float) -> datetime:
    """An ``mtime``/``ctime`` float as a UTC instant truncated to milliseconds."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(seconds * 1000))


Clock = Callable[[], datetime]
