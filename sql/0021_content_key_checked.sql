-- The content key is checked by the database (issue 14, defect 7).
--
-- content_sha256 is the idempotency key: UNIQUE, and a result whose key is stored is a
-- "duplicate". Until now nothing tied the key to the row, so a writer could store a row
-- under the key of a result not yet reported, and the genuine file then landed as a
-- duplicate of the forgery. From here on every inserted row's key is the hash of the
-- row's own content, for every role and every path (COPY, INSERT, the SQL API):
--
--   * a row sent with `content_json` (what ingestion sends: the canonical JSON the key
--     was computed from, ingest/result.py) is accepted when sha256(content_json) is the
--     key and content_json states exactly the row's content (fast: one hash and one jsonb
--     comparison);
--   * otherwise the key is recomputed from the row's columns (benchmark_content_sha256(),
--     the same bytes as Python; slower, ~0.2 ms a row) — filled in when NULL, refused
--     when it differs.
--
-- content_json is never stored: the trigger empties it and a CHECK keeps it empty, so a
-- disabled trigger makes ingestion fail rather than fill the log with copies.

ALTER TABLE benchmark_transactions
    ADD COLUMN content_json text,
    ADD CONSTRAINT content_json_is_not_kept CHECK (content_json IS NULL);

COMMENT ON COLUMN benchmark_transactions.content_json IS
    'Write-only: the canonical JSON of the row''s content, sent with the row so the '
    'database can check content_sha256 cheaply; always NULL once stored.';

-- Not SECURITY DEFINER: it runs as the inserting role and reads nothing but the row.
-- Every name is qualified (operators and types resolve in pg_catalog, searched first).
CREATE FUNCTION public.check_content_sha256() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    stated jsonb;
    computed text;
BEGIN
    IF NEW.content_json IS NOT NULL
       AND NEW.content_sha256 = encode(sha256(convert_to(NEW.content_json, 'UTF8')), 'hex')
    THEN
        -- The fast path: the stated JSON hashes to the key; it must say what the row says.
        -- jsonb compares numbers as numbers (3 = 3.0), so metrics compare as stored.
        stated := NEW.content_json::jsonb;
        IF stated -> 'metrics' = NEW.metrics
           AND stated ->> 'model_version' = NEW.model_version
           AND stated ->> 'dataset_version' = NEW.dataset_version
           AND stated ->> 'prompt_version' = NEW.prompt_version
           AND (stated ->> 'environment') IS NOT DISTINCT FROM NEW.environment
           AND (stated ->> 'model_provider') IS NOT DISTINCT FROM NEW.model_provider
           AND (stated ->> 'commit_sha') IS NOT DISTINCT FROM NEW.commit_sha
           AND (stated ->> 'branch_name') IS NOT DISTINCT FROM NEW.branch_name
           AND (stated ->> 'run_id') IS NOT DISTINCT FROM NEW.run_id
           AND (stated ->> 'notes') IS NOT DISTINCT FROM NEW.notes
           AND stated -> 'duration_seconds' = coalesce(to_jsonb(NEW.duration_seconds), 'null')
           -- a result that did not state created_at gets the server's time: not content
           AND (jsonb_typeof(stated -> 'created_at') = 'null'
                OR (stated ->> 'created_at')::timestamptz = NEW.created_at)
           AND stated - '{branch_name,commit_sha,created_at,dataset_version,duration_seconds,
                          environment,metrics,model_provider,model_version,notes,
                          prompt_version,run_id,tags}'::text[] = '{}'::jsonb
        THEN
            -- tags: stated sorted, stored in the file's order (sorted here only if not)
            IF stated -> 'tags' = coalesce(to_jsonb(NEW.tags), '[]') THEN
                NEW.content_json := NULL;
                RETURN NEW;
            ELSIF stated -> 'tags' = (SELECT jsonb_agg(x ORDER BY x COLLATE "C")
                                        FROM unnest(NEW.tags) AS x) THEN
                NEW.content_json := NULL;
                RETURN NEW;
            END IF;
        END IF;
    END IF;
    -- The exact rule, from the columns (numbers as Python's floats): slower, and the
    -- only path for rows sent without content_json (upsert_benchmark_result(), SQL).
    computed := public.benchmark_content_sha256(
        NEW.model_version, NEW.dataset_version, NEW.prompt_version, NEW.environment,
        NEW.model_provider, NEW.commit_sha, NEW.branch_name, NEW.run_id, NEW.created_at,
        NEW.metrics, NEW.tags, NEW.notes, NEW.duration_seconds);
    IF NEW.content_sha256 IS NULL THEN
        NEW.content_sha256 := computed;
    ELSIF NEW.content_sha256 <> computed
          -- a result that did not state created_at: the server's time is not content
          AND NEW.content_sha256 <> public.benchmark_content_sha256(
              NEW.model_version, NEW.dataset_version, NEW.prompt_version, NEW.environment,
              NEW.model_provider, NEW.commit_sha, NEW.branch_name, NEW.run_id, NULL,
              NEW.metrics, NEW.tags, NEW.notes, NEW.duration_seconds) THEN
        RAISE EXCEPTION 'content_sha256 % is not the hash of the row''s content',
                        NEW.content_sha256
            USING ERRCODE = 'check_violation',
                  DETAIL = format('the row (model %s, dataset %s, prompt %s) hashes to %s',
                                  NEW.model_version, NEW.dataset_version,
                                  NEW.prompt_version, computed),
                  HINT = 'leave content_sha256 out (the database fills it in) or send the '
                         'key Result.content_sha256() computes, with its content_json';
    END IF;
    NEW.content_json := NULL;
    RETURN NEW;
END $$;

CREATE TRIGGER benchmark_transactions_content_key
    BEFORE INSERT ON benchmark_transactions
    FOR EACH ROW EXECUTE FUNCTION public.check_content_sha256();
-- ALWAYS: also under session_replication_role = replica.
ALTER TABLE benchmark_transactions ENABLE ALWAYS TRIGGER benchmark_transactions_content_key;

GRANT INSERT (content_json) ON benchmark_transactions TO benchmon_writer, benchmon_owner;
