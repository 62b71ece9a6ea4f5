"""The warehouse's Python side: thin calls into the SQL of `sql/0002…0007`.

Everything that must hold no matter which client writes (append-only log, one current
version, the hash chain, the fold) lives in PostgreSQL; this package only moves rows in
efficiently and reads answers out. See docs/data-model.md.
"""

from benchmon_pipeline.warehouse.append import AppendOutcome, append_results
from benchmon_pipeline.warehouse.calls import (
    LogCheck,
    checked_since_checkpoint,
    fold_new_results,
    verify_transaction_log,
)

__all__ = [
    "AppendOutcome",
    "LogCheck",
    "append_results",
    "checked_since_checkpoint",
    "fold_new_results",
    "verify_transaction_log",
]
