-- The newest results of one configuration, newest first: what the history and staleness
-- checks and the CI gate read (benchmon_pipeline/regressions/reading.py), one index range
-- scan per configuration. Without it each look-up filtered all results of the model
-- (the (model_version, created_at) index), and a model with many datasets × prompts ×
-- environments made every check run read the model's whole history once per configuration.
CREATE INDEX benchmark_transactions_configuration_created_at
    ON benchmark_transactions (model_version, dataset_version, prompt_version, environment,
                               created_at DESC, seq DESC);
