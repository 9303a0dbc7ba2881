"""Time and size formats the web servers of the catalogue print."""
from __future__ import annotations

import datetime as dt

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc) if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def http_date(moment: dt.datetime) -> str:
    """RFC 7231 IMF-fixdate: `Tue, 01 Dec 2026 09:00:05 GMT`."""
    t = utc(moment)
    return f"{_DAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year} {t:%H:%M:%S} GMT"


def epoch_date(seconds: float) -> str:
    return http_date(dt.datetime.fromtimestamp(int(seconds), dt.timezone.utc))


def clf_time(moment: dt.datetime) -> str:
    """Common Log Format time (nginx $time_local, Apache %t): `01/Dec/2026:09:00:05 +0000`."""
    t = utc(moment)
    return f"{t.day:02d}/{_MONTHS[t.month - 1]}/{t.year}:{t:%H:%M:%S} +0000"


def nginx_log_time(moment: dt.datetime) -> str:
    """nginx error log time: `2026/12/01 09:00:05`."""
    return f"{utc(moment):%Y/%m/%d %H:%M:%S}"


def month_name(n: int) -> str:
    return _MONTHS[n - 1]


def day_name(moment: dt.datetime) -> str:
    return _DAYS[utc(moment).weekday()]


def size(text: str) -> int:
    """Bytes on the wire (bodies are kept as str; UTF-8 as the servers send)."""
    return len(text.encode("utf-8"))


def host_only(host_header: str) -> str:
    """`10.96.0.5:8080` -> `10.96.0.5` (nginx's $host)."""
    if host_header.startswith("["):
        return host_header.split("]", 1)[0] + "]"
    return host_header.split(":", 1)[0]
