"""What a user or a dashboard asks of the warehouse, Dagster-free: configurations, data access."""
