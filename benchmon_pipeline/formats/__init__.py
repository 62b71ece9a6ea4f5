"""Adapters: one module per result format, each turning parsed JSON into Results.

The entry point is `detect.parse_document(name, document, sidecar)`, which recognises
the format from the document's shape; docs/formats.md describes every format and rule.
"""
