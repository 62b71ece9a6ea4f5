"""Finding, starting and migrating benchmon's PostgreSQL."""
