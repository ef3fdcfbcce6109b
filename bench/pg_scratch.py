"""A scratch PostgreSQL database for a benchmark: created, handed over, dropped with everything in it.

`BENCH_DATABASE_URL`, else `TEST_DATABASE_URL`, else postgres@127.0.0.1:5432 is the server;
the database gets a random name, so two benchmarks never share one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class PostgresUnreachable(RuntimeError):
    """The server could not be reached: the benchmark shows a note row instead of its figures."""


def admin_url() -> str:
    """The server's URL as the benchmarks are told it (environment), or the local default."""
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty database named `prefix` + random; dropped (forcibly) afterwards."""
    server = make_url(admin_url())
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any failure to reach the server is the same note
        raise PostgresUnreachable(type(error).__name__) from error
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
