"""Daily trend tables, one Dagster partition per UTC day."""
