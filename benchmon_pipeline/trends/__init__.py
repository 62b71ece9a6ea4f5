"""Daily trend tables, one Dagster partition per UTC day: the day ranges (the Dagster
objects are in defs/trends.py)."""
