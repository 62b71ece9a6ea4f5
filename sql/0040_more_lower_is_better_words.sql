-- The name rule (docs/data-model.md, Metric directions) learns the words of counts nobody
-- wants more of: failure, fail, failed, failing, warning, crash, flake, flaky, retry,
-- retries, timeout, violation. Before, `failures` or `flaky_tests` with no stated direction
-- were higher-is-better, so a jump in failures read as an improvement.
-- benchmon_pipeline/regressions/directions.py applies the same words.
CREATE OR REPLACE FUNCTION metric_direction_by_name(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN EXISTS (
        SELECT FROM regexp_split_to_table(
                        lower(regexp_replace(name, '([a-z0-9])([A-Z])', '\1_\2', 'g')),
                        '[^a-z0-9]+') AS word
         WHERE word ~ ('^(latency|duration|time|cost|error|loss|perplexity|memory|mae|rmse'
                       '|failure|fail|failed|failing|warning|crash|flake|flaky|retry|retries'
                       '|timeout|violation)(s|es)?$')
            OR word ~ '.time$')
    THEN 'lower' ELSE 'higher' END
$$;
