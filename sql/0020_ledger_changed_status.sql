-- A ledger status for a file that changed between its read and its move (ingest/batch.py):
-- what was read is stored and has its own row (ingested or duplicate); the move found
-- other bytes, so the file was left in the inbox for the next run, which reads the new
-- content. The row says so, with the hash of the bytes found, and its warning names both
-- hashes; the archive never holds content under a hash it does not have.

ALTER TABLE ingested_files
    DROP CONSTRAINT ingested_files_status_check,
    ADD CONSTRAINT ingested_files_status_check
        CHECK (status IN ('ingested', 'duplicate', 'quarantined', 'changed'));

COMMENT ON COLUMN ingested_files.status IS
    'ingested (added results), duplicate (all already stored), quarantined (refused: error_code '
    'says why) or changed (rewritten between its read and its move: left in the inbox).';
