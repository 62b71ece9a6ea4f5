"""Charts of the results: the figures, the self-contained HTML report and the interactive
dashboard. Plain Python over the data-access layer (`benchmon_pipeline.access`); the
Dagster asset that writes the report lives in `defs/reports.py`."""
