"""Apply the numbered plain-SQL files in `sql/` in order, each once (the copy shipped in the
package, `packaged.sql_dir()`).

Why a small runner of our own rather than yoyo/Alembic: our migrations are plain SQL with
PL/pgSQL bodies, and each file must run whole, in one transaction, through the simple
query protocol; yoyo splits files into statements with sqlparse and Alembic wants Python
revision files. The runner is ~60 lines, holds an advisory lock so concurrent starters
(webserver, daemon, tests) cannot race, and records a checksum per file.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from benchmon_pipeline.db import packaged

log = logging.getLogger(__name__)

SQL_DIR = packaged.sql_dir()
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 0x62656E63  # "benc": one advisory lock for every benchmon migrator


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(sql_dir: Path = SQL_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(sql_dir.glob("*.sql")):
        if path.name == "schema.sql":  # the whole schema to read (schema.py), not a step
            continue
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"{path}: migration files are named NNNN_description.sql (lower case)")
        migrations.append(Migration(int(match[1]), match[2], path))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise ValueError(f"{sql_dir}: two migration files share a number")
    return migrations


def upgrade(url: str, sql_dir: Path = SQL_DIR) -> list[Migration]:
    """Bring the database at `url` up to date; returns the migrations applied now."""
    applied_now = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       version    integer PRIMARY KEY,
                       name       text NOT NULL,
                       checksum   text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            done = dict(conn.execute("SELECT version, checksum FROM schema_migrations"))
            for migration in discover(sql_dir):
                if migration.version in done:
                    if done[migration.version] != migration.checksum:
                        log.warning(
                            "migration %s changed after it was applied to this database",
                            migration.path.name,
                        )
                    continue
                with conn.transaction():
                    conn.execute(migration.sql.encode())  # whole file, simple protocol
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum)"
                        " VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
                log.info("applied migration %s", migration.path.name)
                applied_now.append(migration)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return applied_now
