"""Adapters: one module per result format, each turning parsed JSON into Results."""
