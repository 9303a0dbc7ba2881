"""Shared test configuration.

Engine tests (lab.sim) need no database: pytest-django only sets one up for
tests marked `django_db` (or using the `db` fixtures).
"""
from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

POSTGRES_FALLBACK_URLS = ["postgres://postgres@127.0.0.1:5432/test", "postgres://root@127.0.0.1:5432/test"]
REDIS_FALLBACK_URL = "redis://127.0.0.1:6379/0"


def reachable(url: str, default_port: int) -> str | None:
    """None if a TCP connection to the URL's host:port succeeds, else the reason."""
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
    try:
        with socket.create_connection((host, port), timeout=1):
            return None
    except OSError as exc:
        return f"nothing answers at {host}:{port} ({exc.strerror or exc})"


def postgres_url() -> tuple[str | None, str]:
    """(URL, "") of the PostgreSQL server the PostgreSQL tests use, or (None, why not).

    DATABASE_URL when it names PostgreSQL; otherwise database `test` at
    127.0.0.1:5432 with trust authentication as user postgres or root.
    """
    url = os.environ.get("DATABASE_URL", "")
    candidates = [url] if url.startswith(("postgres://", "postgresql://")) else POSTGRES_FALLBACK_URLS
    why = reachable(candidates[0], 5432)
    if why:
        return None, f"PostgreSQL tests skipped: {why}; set DATABASE_URL=postgres://USER@HOST:PORT/DB"
    import psycopg

    reasons = []
    for candidate in candidates:
        try:
            psycopg.connect(candidate, connect_timeout=3).close()
            return candidate, ""
        except psycopg.Error as exc:
            reasons.append(f"{candidate}: {str(exc).strip()}")
    return None, "PostgreSQL tests skipped: cannot connect (" + "; ".join(reasons) + ")"


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or REDIS_FALLBACK_URL

from tests.runner_support import clock_control, runners  # noqa: E402,F401  (fixtures for every websocket test)


def pytest_sessionfinish(session, exitstatus):
    """The SQLite test database's WAL files, which Django's teardown leaves
    beside the file it deletes (lab/settings.py names it per process)."""
    from django.conf import settings

    test_name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if test_name and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        for suffix in ("-wal", "-shm"):
            try:
                os.remove(f"{test_name}{suffix}")
            except FileNotFoundError:
                pass
