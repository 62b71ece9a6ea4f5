"""Getting result files from an inbox into the transaction log."""
