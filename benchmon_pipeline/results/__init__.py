"""The result model every layer above the database shares (no Dagster, no database)."""
