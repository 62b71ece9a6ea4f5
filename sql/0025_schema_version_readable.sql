-- Which migrations this database has seen, readable by both benchmon roles.
--
-- Only `benchmon db upgrade` (and `benchmon dev`) migrate; every other command checks the
-- schema read-only before it works (benchmon_pipeline/db/server.py, check_schema), as the
-- least-privilege role a CI job logs in with. That role must be able to read the list.
-- The table is the migration runner's own (benchmon_pipeline/db/migrations.py); it holds
-- file names and checksums, nothing about results, so even `reader_access = 'none'`
-- hides nothing by showing it.
GRANT SELECT ON schema_migrations TO benchmon_writer, benchmon_reader;
