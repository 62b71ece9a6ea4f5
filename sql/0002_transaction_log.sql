-- The transaction log becomes a ledger: an idempotency key, an ingest time, where each
-- row came from, a sequence number, the directions its adapter stated, and triggers that
-- refuse every UPDATE, DELETE and TRUNCATE, for every role including the owner.
-- (docs/data-model.md explains each invariant and why the database enforces it.)

ALTER TABLE benchmark_transactions
    -- When benchmon stored the row (created_at is when the benchmark ran).
    ADD COLUMN ingested_at timestamptz NOT NULL DEFAULT now(),
    -- The idempotency key (docs/data-model.md), computed by Result.content_sha256() in Python
    -- or by benchmark_content_sha256() below (the same canonical JSON, byte for byte).
    ADD COLUMN content_sha256 text NOT NULL,
    -- The file path or URI the result was read from (NULL for results sent over SQL).
    ADD COLUMN source text,
    -- Monotonically increasing in insertion order; gaps are possible (rolled back rows).
    ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY,
    -- The top-level transaction that inserted the row. The hash chain seals rows per
    -- committing transaction and the fold claims them per transaction, so both need it;
    -- writers cannot set it (column privileges in 0007_roles.sql).
    ADD COLUMN xact_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
    -- Direction per metric as the result's adapter stated it ('higher' | 'lower'); it
    -- wins over metric_definitions and the name rule (see metric_direction()).
    ADD COLUMN metric_directions jsonb NOT NULL DEFAULT '{}',
    ADD CONSTRAINT content_sha256_is_unique UNIQUE (content_sha256),
    ADD CONSTRAINT content_sha256_is_hex CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT metrics_are_numbers
        CHECK (NOT jsonb_path_exists(metrics, '$.* ? (@.type() != "number")')),
    ADD CONSTRAINT metric_directions_are_known CHECK (
        jsonb_typeof(metric_directions) = 'object'
        AND NOT jsonb_path_exists(metric_directions, '$.* ? (@ != "higher" && @ != "lower")'));

COMMENT ON COLUMN benchmark_transactions.content_sha256 IS
    'sha256 of the canonical JSON of what the result states (docs/data-model.md, The idempotency key); UNIQUE.';
COMMENT ON COLUMN benchmark_transactions.seq IS 'Insertion order; never reused.';
COMMENT ON COLUMN benchmark_transactions.xact_id IS
    'Inserting top-level transaction: the unit of sealing (hash chain) and folding.';

CREATE INDEX benchmark_transactions_created_at ON benchmark_transactions (created_at DESC);
CREATE INDEX benchmark_transactions_model_created_at
    ON benchmark_transactions (model_version, created_at DESC);
CREATE INDEX benchmark_transactions_metrics ON benchmark_transactions USING gin (metrics);
CREATE INDEX benchmark_transactions_tags ON benchmark_transactions USING gin (tags);
CREATE INDEX benchmark_transactions_xact_id ON benchmark_transactions (xact_id);


-- Immutability ------------------------------------------------------------------------

-- One trigger function for every append-only table: the error names the table and the
-- operation. Statement-level, so even an UPDATE that matches no row fails: a bug that
-- tries to rewrite history is found the first time the code runs, not when data exists.
CREATE FUNCTION refuse_to_rewrite_history() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on %.% is not allowed: the table is append-only',
        TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation',
              HINT = 'history is never changed; append a new row (or a snapshot event) instead';
END $$;

CREATE TRIGGER benchmark_transactions_no_update_or_delete
    BEFORE UPDATE OR DELETE ON benchmark_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
CREATE TRIGGER benchmark_transactions_no_truncate
    BEFORE TRUNCATE ON benchmark_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
-- ALWAYS: also under session_replication_role = replica. Only an explicit
-- ALTER TABLE … DISABLE TRIGGER (owner or superuser) gets past; the hash chain
-- (0003_tamper_evidence.sql) then shows what was changed.
ALTER TABLE benchmark_transactions ENABLE ALWAYS TRIGGER benchmark_transactions_no_update_or_delete;
ALTER TABLE benchmark_transactions ENABLE ALWAYS TRIGGER benchmark_transactions_no_truncate;


-- The idempotency key in SQL ------------------------------------------------------------
-- Result.content_sha256() (benchmon_pipeline/ingest/result.py) is the definition:
-- sha256 over json.dumps(stated, sort_keys=True, separators=(",", ":")) with Python's
-- defaults (ensure_ascii, float repr). These functions produce the same bytes, so a
-- result sent through upsert_benchmark_result() and the same result dropped into the
-- inbox are one row. benchmon_pipeline_tests/warehouse/test_content_hash.py pins the two
-- implementations together on randomized results.

-- A float as Python's repr() writes it: PostgreSQL (12+) and Python both print the
-- shortest digits that round-trip; only the layout differs (1e+15 vs 1000000000000000.0,
-- 412 vs 412.0).
CREATE FUNCTION python_float_repr(value double precision) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET extra_float_digits = 1
AS $$
DECLARE
    shortest text := abs(value)::text;
    mantissa text := split_part(shortest, 'e', 1);
    digits text := replace(mantissa, '.', '');
    -- value = 0.<digits> × 10^point
    point int := coalesce(nullif(position('.' in mantissa), 0) - 1, length(mantissa))
                 + coalesce(nullif(split_part(shortest, 'e', 2), '')::int, 0);
    sign text := CASE WHEN value < 0 THEN '-' ELSE '' END;
    rounded numeric;
BEGIN
    IF value = 0 THEN
        RETURN CASE WHEN value::text LIKE '-%' THEN '-0.0' ELSE '0.0' END;
    END IF;
    WHILE left(digits, 1) = '0' LOOP  -- 0.00123 → digits 123, point -2
        digits := substr(digits, 2);
        point := point - 1;
    END LOOP;
    digits := rtrim(digits, '0');
    -- PostgreSQL prints integer-valued doubles above 2^53 with all their exact digits
    -- where fewer round-trip (6.1118540154407456e+16 for Python's 6.111854015440746e+16).
    IF length(digits) >= 16 AND point < 309 THEN  -- (a candidate of 0.x e309 would overflow)
        FOR p IN 1..length(digits) - 1 LOOP
            rounded := round(('0.' || digits)::numeric, p);
            IF (rounded::text || 'e' || point)::float8 = abs(value) THEN
                IF rounded >= 1 THEN  -- 0.99… rounded up to 1
                    digits := '1';
                    point := point + 1;
                ELSE
                    digits := rtrim(substr(rounded::text, 3), '0');
                END IF;
                EXIT;
            END IF;
        END LOOP;
    END IF;
    IF point <= -4 OR point > 16 THEN  -- Python's switch to exponent notation
        RETURN sign || left(digits, 1)
            || CASE WHEN length(digits) > 1 THEN '.' || substr(digits, 2) ELSE '' END
            || 'e' || CASE WHEN point - 1 < 0 THEN '-' ELSE '+' END
            || CASE WHEN abs(point - 1) < 10 THEN '0' ELSE '' END || abs(point - 1);
    ELSIF point <= 0 THEN
        RETURN sign || '0.' || repeat('0', -point) || digits;
    ELSIF point >= length(digits) THEN
        RETURN sign || digits || repeat('0', point - length(digits)) || '.0';
    END IF;
    RETURN sign || left(digits, point) || '.' || substr(digits, point + 1);
END $$;

-- A JSON string as Python's json.dumps writes it (ensure_ascii=True): everything outside
-- printable ASCII as \uXXXX, characters beyond the BMP as surrogate pairs.
CREATE FUNCTION python_json_string(value text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    out text := '';
    ch text;
    code int;
BEGIN
    IF value IS NULL THEN
        RETURN 'null';
    ELSIF value ~ '^[ -~]*$' THEN  -- printable ASCII: both escape only " and \
        RETURN to_json(value)::text;
    END IF;
    FOREACH ch IN ARRAY regexp_split_to_array(value, '') LOOP
        code := ascii(ch);
        out := out || CASE
            WHEN ch = '"' THEN '\"'
            WHEN ch = '\' THEN '\\'
            WHEN code = 8 THEN '\b'
            WHEN code = 9 THEN '\t'
            WHEN code = 10 THEN '\n'
            WHEN code = 12 THEN '\f'
            WHEN code = 13 THEN '\r'
            WHEN code BETWEEN 32 AND 126 THEN ch
            WHEN code < 65536 THEN '\u' || lpad(to_hex(code), 4, '0')
            ELSE '\u' || to_hex(55296 + ((code - 65536) >> 10))
              || '\u' || to_hex(56320 + ((code - 65536) & 1023))
        END;
    END LOOP;
    RETURN '"' || out || '"';
END $$;

-- The canonical JSON text that is hashed.
CREATE FUNCTION benchmark_content_json(
    model_version text, dataset_version text, prompt_version text, environment text,
    model_provider text, commit_sha text, branch_name text, run_id text,
    created_at timestamptz, metrics jsonb, tags text[], notes text,
    duration_seconds numeric
) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT '{"branch_name":' || python_json_string(branch_name)
        || ',"commit_sha":' || python_json_string(commit_sha)
        || ',"created_at":' || coalesce(
               '"' || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
               || CASE WHEN to_char(created_at, 'US') = '000000' THEN ''
                       ELSE '.' || to_char(created_at, 'US') END
               || '+00:00"', 'null')
        || ',"dataset_version":' || python_json_string(dataset_version)
        || ',"duration_seconds":' || coalesce(python_float_repr(duration_seconds::float8), 'null')
        || ',"environment":' || python_json_string(environment)
        || ',"metrics":{' || coalesce((
               SELECT string_agg(python_json_string(m.key) || ':'
                                 || python_float_repr(m.value::float8), ','
                                 ORDER BY m.key COLLATE "C")
               FROM jsonb_each(metrics) AS m), '') || '}'
        || ',"model_provider":' || python_json_string(model_provider)
        || ',"model_version":' || python_json_string(model_version)
        || ',"notes":' || python_json_string(notes)
        || ',"prompt_version":' || python_json_string(prompt_version)
        || ',"run_id":' || python_json_string(run_id)
        || ',"tags":[' || coalesce((
               SELECT string_agg(python_json_string(t), ',' ORDER BY t COLLATE "C")
               FROM unnest(tags) AS t), '') || ']}'
$$;

CREATE FUNCTION benchmark_content_sha256(
    model_version text, dataset_version text, prompt_version text, environment text,
    model_provider text, commit_sha text, branch_name text, run_id text,
    created_at timestamptz, metrics jsonb, tags text[], notes text,
    duration_seconds numeric
) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT encode(sha256(convert_to(benchmark_content_json(
        model_version, dataset_version, prompt_version, environment, model_provider,
        commit_sha, branch_name, run_id, created_at, metrics, tags, notes,
        duration_seconds), 'UTF8')), 'hex')
$$;

COMMENT ON FUNCTION benchmark_content_sha256 IS
    'The idempotency key (docs/data-model.md), identical to Result.content_sha256() in Python.';
