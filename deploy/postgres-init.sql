-- Run once by the postgres image on an empty data directory (docker-compose.yml): Dagster's
-- runs, events and schedules get a database of their own beside the results' (benchmon).
CREATE DATABASE benchmon_dagster OWNER benchmon;
