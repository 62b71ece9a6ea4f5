-- The transaction log: one row per benchmark or evaluation result, as it was reported.
-- Columns: docs/data-model.md, Tables; the warehouse migrations add the idempotency key,
-- sequence number, tamper evidence and immutability.

CREATE TABLE benchmark_transactions (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    commit_sha       text,
    branch_name      text,
    model_version    text NOT NULL,
    model_provider   text,
    dataset_version  text NOT NULL,
    prompt_version   text NOT NULL,
    environment      text NOT NULL,
    metrics          jsonb NOT NULL,
    duration_seconds numeric,
    tags             text[] NOT NULL DEFAULT '{}',
    notes            text,
    run_id           text,
    triggered_by     text,
    CONSTRAINT metrics_is_object CHECK (jsonb_typeof(metrics) = 'object')
);

COMMENT ON TABLE benchmark_transactions IS
    'Append-only log of benchmark and evaluation results (benchmon).';
COMMENT ON COLUMN benchmark_transactions.created_at IS 'When the benchmark ran (UTC).';
COMMENT ON COLUMN benchmark_transactions.metrics IS 'Flat {name: number} object of finite metrics.';
