-- Which migrations this database has seen, readable by both benchmon roles.
--
-- Only `benchmon db upgrade` (and `benchmon dev`) migrate; every other command checks the
-- schema read-only before it works (benchmon_pipeline/db/server.py, check_schema), as the
-- least-privilege role a CI job logs in with, so that role must learn which migrations
-- are applied. Not by reading schema_migrations (the migration runner's own table): with
-- reader_access = 'none' the reader sees no row of any table, and that stays true. This
-- function answers with the version numbers only, and is the roles' one way to ask.
-- SECURITY DEFINER as in 0015/0018: owned by benchmon_owner, search_path pinned, every
-- name qualified.
GRANT SELECT ON public.schema_migrations TO benchmon_owner;

CREATE FUNCTION public.benchmon_schema_versions()
 RETURNS SETOF integer
 LANGUAGE sql
 STABLE
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
    SELECT version FROM public.schema_migrations ORDER BY version
$function$;

GRANT CREATE ON SCHEMA public TO benchmon_owner;  -- see 0015
ALTER FUNCTION public.benchmon_schema_versions() OWNER TO benchmon_owner;
REVOKE CREATE ON SCHEMA public FROM benchmon_owner;
REVOKE EXECUTE ON FUNCTION public.benchmon_schema_versions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.benchmon_schema_versions() TO benchmon_writer, benchmon_reader;
