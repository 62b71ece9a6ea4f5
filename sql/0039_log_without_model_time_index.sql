-- The log's (model_version, created_at) index goes: since the log is partitioned by month
-- (0030), a model's rows of a time window are reached through the configuration index
-- (model_version, dataset_version, prompt_version, environment, created_at DESC, seq DESC)
-- in the few month partitions the window prunes to, so this index duplicated that one at
-- about 50 bytes a result (benchmarks/bench_scale.py at 10,000,000 results: 1,045 bytes a
-- result with it, over the issue's 1 KB; its other figures are asked again without it).
DROP INDEX benchmark_transactions_model_created_at;
