"""The Dagster layer: every asset, check, job, sensor, schedule and resource, one module per
domain. Each turns a plain package's answers (ingest, warehouse, regressions, trends) into
Dagster objects; `benchmon_pipeline/definitions.py` lists them."""
