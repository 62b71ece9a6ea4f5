-- The name rule (docs/data-model.md, Metric directions) learns the lower-is-better words of
-- evaluation harnesses that older lm-eval files (0.3, 0.4.0–0.4.2) write without a
-- higher_is_better map: ppl (perplexity), bits (bits_per_byte), bpb, bpc, ter, wer, cer
-- (edit and error rates), brier (the Brier score), ece (expected calibration error), nll,
-- mse and mape. Before, `word_perplexity` was right but `ppl`, `bits_per_byte`, `ter` and
-- `brier_score` were higher-is-better, so a rise read as an improvement.
-- benchmon_pipeline/regressions/directions.py applies the same words.
CREATE OR REPLACE FUNCTION metric_direction_by_name(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN EXISTS (
        SELECT FROM regexp_split_to_table(
                        lower(regexp_replace(name, '([a-z0-9])([A-Z])', '\1_\2', 'g')),
                        '[^a-z0-9]+') AS word
         WHERE word ~ ('^(latency|duration|time|cost|error|loss|perplexity|memory|mae|rmse'
                       '|failure|fail|failed|failing|warning|crash|flake|flaky|retry|retries'
                       '|timeout|violation'
                       '|ppl|bits|bpb|bpc|ter|wer|cer|brier|ece|nll|mse|mape)(s|es)?$')
            OR word ~ '.time$')
    THEN 'lower' ELSE 'higher' END
$$;
