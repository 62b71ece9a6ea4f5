"""Snapshot versions per configuration, folded from the log."""
