"""The `benchmon` command line."""
