"""Small helpers shared by tests."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from benchmon_pipeline.db import migrations

FIXTURES = Path(__file__).parent / "fixtures"


def drop_file(inbox_root: Path, name: str, content: str | bytes | object, age: float = 10) -> Path:
    """Write a file into `<root>/inbox/<name>` as if it had finished `age` seconds ago."""
    path = inbox_root / "inbox" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    past = time.time() - age
    os.utime(path, (past, past))
    return path


def rows(conn, query: str, *params) -> list[dict]:
    with conn.cursor() as cur:
        cur.execute(query, params)
        names = [d.name for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def upgrade_before(url: str, version: int, folder: Path) -> None:
    """Migrate the database at `url` with the migrations numbered below `version` only (a
    copy of them in `folder`): a database as an older release left it, to upgrade in place."""
    folder.mkdir(parents=True, exist_ok=True)
    for m in migrations.discover():
        if m.version < version:
            shutil.copy(m.path, folder / m.path.name)
    migrations.upgrade(url, folder)
