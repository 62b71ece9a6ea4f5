"""The URL helpers agree with libpq (psycopg's `conninfo_to_dict` asks libpq itself) on
every URL shape users give, and never print a password."""

import psycopg.conninfo
import pytest

from benchmon_pipeline.db import urls

URLS = [
    "postgresql://postgres:@/bm_test?host=%2Ftmp%2Fpg%20data",
    "postgres://u:p%40ss@db.example.com:5433/results",
    "postgresql+psycopg2://ci@host/db?sslmode=require",
    "postgresql+psycopg://host/db",
    "postgresql:///db?host=%2Frun%2Fpostgresql",
    "postgresql://u:p:q@[::1]:5432/d%20b",
]


def _libpq(url: str) -> dict[str, str]:
    return psycopg.conninfo.conninfo_to_dict(url)


@pytest.mark.parametrize("url", URLS)
def test_each_spelling_names_what_libpq_reads(url):
    plain = _libpq(urls.libpq_url(url.replace("+psycopg2", "").replace("+psycopg", "")))
    assert _libpq(urls.libpq_url(url)) == plain
    assert urls.dagster_storage_url(url).startswith("postgresql+psycopg2://")
    assert _libpq(urls.dagster_storage_url(url).replace("+psycopg2", "", 1)) == plain

    parts = urls.parts(url)
    assert parts.database == plain["dbname"] == urls.database_name(url)
    assert parts.username == plain.get("user")
    assert (parts.port and str(parts.port)) == plain.get("port")
    if "host" in plain and not plain["host"].startswith("/"):
        assert parts.host == plain["host"]

    other = _libpq(urls.with_database(url, "other db/x"))
    assert other == {**plain, "dbname": "other db/x"}


@pytest.mark.parametrize("url", URLS)
def test_a_redacted_url_hides_the_password_and_keeps_the_rest(url):
    shown = urls.redact(url)
    password = _libpq(urls.libpq_url(url)).get("password")
    if password:
        assert password not in shown and "***" in shown
    assert urls.parts(shown) == urls.parts(url)


def test_a_url_naming_no_database_or_not_postgres_is_refused_with_the_url_redacted():
    with pytest.raises(ValueError, match=r"u:\*\*\*@h.*names no database"):
        urls.database_name("postgresql://u:secret@h")
    with pytest.raises(ValueError, match="not a PostgreSQL URL") as refused:
        urls.libpq_url("mysql://u:secret@h/db")
    assert "secret" not in str(refused.value)
