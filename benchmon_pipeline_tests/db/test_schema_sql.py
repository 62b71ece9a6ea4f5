"""sql/schema.sql is the schema the migrations build: one database made each way, and their
catalogues (tables, columns, constraints, indexes, functions, views, triggers, grants,
policies, seeded rows) are the same. And the comparison does see a difference: a change
made to one database only is reported, by object."""

import difflib
import re
import uuid

import psycopg
import pytest
from psycopg import sql

from benchmon_pipeline.db import schema
from benchmon_pipeline.db.urls import with_database


def acl(column: str, kind: str, owner: str) -> str:
    """SQL for a normalised ACL: one `grantee:PRIVILEGE by grantor` per item, sorted, the
    default privileges spelled out (NULL and its explicit equal compare the same)."""
    return f"""(SELECT coalesce(string_agg(item, ', ' ORDER BY item), '-')
                  FROM (SELECT CASE a.grantee WHEN 0 THEN 'PUBLIC'
                                    ELSE a.grantee::regrole::text END
                               || ':' || a.privilege_type
                               || CASE WHEN a.is_grantable THEN '*' ELSE '' END
                               || ' by ' || a.grantor::regrole::text AS item
                          FROM aclexplode(coalesce({column}, acldefault(({kind})::"char", {owner}))) a
                       ) items)"""


RELATION_KIND = "CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END"  # acldefault's letter

# Every query returns rows of text, sorted, naming objects by name, never by oid.
CATALOGUE = {
    "relations": f"""
        SELECT c.relkind::text || ' ' || c.relname || ' rls=' || c.relrowsecurity
               || ' force=' || c.relforcerowsecurity || ' owner=' || c.relowner::regrole::text
               || ' acl=' || {acl("c.relacl", RELATION_KIND, "c.relowner")}
               || ' options=' || coalesce(c.reloptions::text, '-')
          FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
           AND c.relname <> 'schema_migrations' AND c.relname NOT LIKE 'schema_migrations%'""",
    "columns": f"""
        SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
               || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
               || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
               || coalesce(' ' || nullif(a.attidentity::text, ''), '')
               || coalesce(' GENERATED ' || nullif(a.attgenerated::text, ''), '')
               || CASE WHEN a.attacl IS NULL THEN ''
                       ELSE ' acl=' || {acl("a.attacl", "'c'", "c.relowner")} END
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0
           AND NOT a.attisdropped AND c.relname NOT LIKE 'schema_migrations%'""",
    "constraints": """
        SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
          FROM pg_constraint WHERE connamespace = 'public'::regnamespace
           AND conrelid::regclass::text NOT LIKE 'schema_migrations%'""",
    "indexes": """
        SELECT indexdef FROM pg_indexes
         WHERE schemaname = 'public' AND tablename <> 'schema_migrations'""",
    "functions": f"""
        SELECT CASE p.prokind WHEN 'a' THEN 'aggregate ' || p.oid::regprocedure::text
                              ELSE pg_get_functiondef(p.oid) END
               || ' owner=' || p.proowner::regrole::text
               || ' acl=' || {acl("p.proacl", "'f'", "p.proowner")}
          FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace""",
    "system function grants": f"""
        SELECT p.oid::regprocedure::text || ' ' || {acl("p.proacl", "'f'", "p.proowner")}
          FROM pg_proc p
          LEFT JOIN pg_init_privs i ON i.objoid = p.oid AND i.classoid = 'pg_proc'::regclass
         WHERE p.pronamespace = 'pg_catalog'::regnamespace
           AND p.proacl IS DISTINCT FROM i.initprivs""",
    "triggers": """
        SELECT pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal""",
    "policies": """
        SELECT tablename || ' ' || policyname || ' ' || permissive || ' ' || roles::text
               || ' ' || cmd || ' ' || coalesce(qual, '-') || ' ' || coalesce(with_check, '-')
          FROM pg_policies WHERE schemaname = 'public'""",
    "types": """
        SELECT t.typname || ' ' || t.typtype::text || ' '
               || coalesce((SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder)
                              FROM pg_enum WHERE enumtypid = t.oid), '')
          FROM pg_type t
         WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('c', 'e', 'd')
           AND NOT EXISTS (SELECT FROM pg_class c WHERE c.reltype = t.oid AND c.relkind <> 'c')""",
    "sequences": """
        SELECT s.sequencename || ' ' || s.data_type || ' start=' || s.start_value
               || ' by=' || s.increment_by || ' min=' || s.min_value || ' max=' || s.max_value
               || ' cache=' || s.cache_size || ' cycle=' || s.cycle
               || coalesce(' owned by ' || (
                      SELECT d.refobjid::regclass::text || '.' || a.attname || ' ' || d.deptype::text
                        FROM pg_depend d JOIN pg_attribute a
                             ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                       WHERE d.classid = 'pg_class'::regclass
                         AND d.objid = format('%I.%I', s.schemaname, s.sequencename)::regclass
                         AND d.deptype IN ('a', 'i')), '')
          FROM pg_sequences s WHERE s.schemaname = 'public'""",
    "schema grants": f"""
        SELECT nspname || ' owner=' || nspowner::regrole::text
               || ' acl=' || {acl("nspacl", "'n'", "nspowner")}
          FROM pg_namespace WHERE nspname = 'public'""",
    "comments": """
        SELECT d.classoid::regclass::text || ' ' || pg_describe_object(d.classoid, d.objoid, d.objsubid)
               || ': ' || d.description
          FROM pg_description d
         WHERE (d.classoid = 'pg_class'::regclass AND d.objoid IN
                   (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace))
            OR (d.classoid = 'pg_proc'::regclass AND d.objoid IN
                   (SELECT oid FROM pg_proc WHERE pronamespace = 'public'::regnamespace))""",
}
SEEDED = ("fold_state", "metric_definitions", "security_settings")


def catalogue(url: str) -> dict[str, list[str]]:
    with psycopg.connect(url) as conn:
        found = {
            part: sorted(row[0] for row in conn.execute(query)) for part, query in CATALOGUE.items()
        }
        found["views"] = sorted(round_tripped_views(conn))
        for table in SEEDED:
            query = sql.SQL("SELECT t::text FROM {} t").format(sql.Identifier(table))
            found[f"rows of {table}"] = sorted(row[0] for row in conn.execute(query))
    return found


def round_tripped_views(conn: psycopg.Connection) -> list[str]:
    """Each view's definition as PostgreSQL prints it after reading it back once: a view
    loaded from a dump is the printed form of the original, and printing flattens
    redundant parentheses ((a AND b) AND c → a AND b AND c), so compare like with like."""
    views = conn.execute(
        "SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c "
        "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'"
    ).fetchall()
    printed = []
    for name, body in views:
        with conn.transaction(force_rollback=True):
            conn.execute(f"CREATE TEMP VIEW round_trip AS {body.rstrip().rstrip(';')}")
            again = conn.execute("SELECT pg_get_viewdef('round_trip'::regclass)").fetchone()[0]
        printed.append(f"{name}: {again}")
    return printed


def differences(a: dict[str, list[str]], b: dict[str, list[str]]) -> str:
    """A readable diff per part of the catalogue ('' when equal)."""
    out = []
    for part in a:
        if a[part] != b[part]:
            diff = difflib.unified_diff(
                a[part], b[part], "migrations", "schema.sql", lineterm="", n=0
            )
            out.append(f"== {part}\n" + "\n".join(diff))
    return "\n".join(out)


@pytest.fixture
def from_schema_sql(pg_server_url):
    name = f"bm_schema_sql_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    url = with_database(pg_server_url, name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(schema.SCHEMA_FILE.read_bytes())  # the whole file, as psql would run it
    yield url
    schema.drop(url, pg_server_url)


@pytest.fixture
def from_migrations(pg_server_url):
    url = schema.build_from_migrations(pg_server_url)
    yield url
    schema.drop(url, pg_server_url)


def test_schema_sql_builds_the_catalogue_the_migrations_build(from_migrations, from_schema_sql):
    built, read = catalogue(from_migrations), catalogue(from_schema_sql)
    assert all(built[part] for part in ("relations", "functions", "triggers", "policies"))
    assert not differences(built, read), (
        "sql/schema.sql is not what the migrations build; run `make schema`:\n"
        + differences(built, read)
    )


def test_schema_sql_is_what_make_schema_writes_today(from_migrations):
    """The committed file is the generator's output for today's migrations, byte for byte
    (so a migration that changes an object fails here until `make schema` is run)."""
    written = schema.dump(from_migrations).splitlines()
    committed = schema.SCHEMA_FILE.read_text(encoding="utf-8").splitlines()
    diff = difflib.unified_diff(committed, written, "sql/schema.sql", "make schema", lineterm="")
    assert written == committed, "sql/schema.sql is stale; run `make schema`:\n" + "\n".join(
        list(diff)[:60]
    )


# Roles the schema names: owners, grantees, policy roles (not PUBLIC, not the migrator).
NAMED_ROLES = """
    SELECT r.rolname FROM pg_roles r
     WHERE r.rolname <> current_user AND r.oid <> 10 AND r.rolname NOT LIKE 'pg\\_%'
       AND (r.oid IN (SELECT relowner FROM pg_class WHERE relnamespace = 'public'::regnamespace
                      UNION SELECT proowner FROM pg_proc
                             WHERE pronamespace = 'public'::regnamespace)
            OR EXISTS (SELECT FROM pg_class c, aclexplode(c.relacl) a
                        WHERE c.relnamespace = 'public'::regnamespace AND a.grantee = r.oid)
            OR EXISTS (SELECT FROM pg_proc p, aclexplode(p.proacl) a WHERE a.grantee = r.oid)
            OR EXISTS (SELECT FROM pg_namespace n, aclexplode(n.nspacl) a
                        WHERE n.nspname = 'public' AND a.grantee = r.oid)
            OR EXISTS (SELECT FROM pg_policy WHERE r.oid = ANY (polroles)))"""


def test_schema_sql_creates_every_role_it_names_before_the_dump(from_migrations):
    """Roles are cluster-wide and the test server already has them, so loading cannot
    show a missing one: the file must create each role the schema names, up front."""
    with psycopg.connect(from_migrations) as conn:
        named = sorted(name for (name,) in conn.execute(NAMED_ROLES))
    preamble = schema.SCHEMA_FILE.read_text(encoding="utf-8").split("-- PostgreSQL database dump")[
        0
    ]
    assert {"benchmon_owner", "benchmon_reader", "benchmon_writer"} <= set(named)
    missing = [name for name in named if not re.search(rf"CREATE ROLE {name}\b", preamble)]
    assert not missing, f"sql/schema.sql does not create {missing}; run `make schema`"


def test_a_change_schema_sql_lacks_is_reported_by_object(from_migrations, from_schema_sql):
    """As if a new migration changed a function body, a column default, a grant, a
    trigger's firing, a policy and a sequence."""
    with psycopg.connect(from_migrations, autocommit=True) as conn:
        body = conn.execute(
            "SELECT pg_get_functiondef('public.reader_may_read()'::regprocedure)"
        ).fetchone()[0]
        conn.execute(body.replace("$function$\n", "$function$\n-- changed\n", 1).encode())
        conn.execute("ALTER TABLE metric_definitions ALTER COLUMN description SET DEFAULT 'x'")
        conn.execute("REVOKE SELECT ON metric_definitions FROM benchmon_reader")
        conn.execute(  # from ENABLE ALWAYS to ENABLE: off for replication sessions
            "ALTER TABLE benchmark_transactions ENABLE TRIGGER benchmark_transactions_no_truncate"
        )
        conn.execute("ALTER POLICY owner_all ON ingested_files TO benchmon_owner, benchmon_writer")
        conn.execute("ALTER SEQUENCE ingested_files_id_seq CACHE 5")
    report = differences(catalogue(from_migrations), catalogue(from_schema_sql))
    assert "== functions" in report and "reader_may_read" in report
    assert "== columns" in report and "metric_definitions.description" in report
    assert "== relations" in report and "metric_definitions" in report
    assert "== triggers" in report and "benchmark_transactions_no_truncate" in report
    assert "== policies" in report and "ingested_files owner_all" in report
    assert "== sequences" in report and "ingested_files_id_seq" in report
    assert "== indexes" not in report and "== views" not in report  # only what changed
