-- Tamper evidence: a hash chain over the log, one link per committed batch of rows.
--
-- The triggers of 0002 stop every role from rewriting the log, but an owner or superuser
-- can switch triggers off. The chain makes such a change visible afterwards:
--   * each row has a digest, sha256 over a canonical text of all its columns;
--   * when a transaction that appended rows commits, one link is added holding the
--     digests of its rows (in seq order), their root sha256(digests), and
--     link_hash = sha256(previous link_hash || root);
--   * verify_transaction_log() recomputes everything and names the first broken link
--     or altered row.
-- Writers never wait for each other while they append: the digests are computed without
-- a lock, and only "read the last link, insert the next" runs under one advisory lock,
-- taken at commit time by a deferred constraint trigger and released by the commit.

-- A row's digest. Timestamps enter as epoch seconds and every other value through its
-- type's canonical text, so the digest does not depend on TimeZone or DateStyle.
-- Covers the columns of log format v1; a migration that adds a column to the log must
-- leave this function unchanged for old rows.
CREATE FUNCTION transaction_row_digest(t benchmark_transactions) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sha256(convert_to(row(
        t.id, t.seq, t.xact_id, extract(epoch FROM t.created_at),
        extract(epoch FROM t.ingested_at), t.content_sha256, t.source, t.commit_sha,
        t.branch_name, t.model_version, t.model_provider, t.dataset_version,
        t.prompt_version, t.environment, t.metrics, t.metric_directions,
        t.duration_seconds, t.tags, t.notes, t.run_id, t.triggered_by)::text, 'UTF8'))
$$;

CREATE FUNCTION transaction_log_genesis() RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sha256(convert_to('benchmon transaction log v1', 'UTF8'))
$$;

CREATE TABLE transaction_log_chain (
    link_no     bigint PRIMARY KEY CHECK (link_no > 0),  -- 1, 2, 3… in commit order
    xact_id     xid8 NOT NULL,                           -- the transaction sealed here
    first_seq   bigint NOT NULL,                         -- its rows: xact_id and seq in
    last_seq    bigint NOT NULL,                         --   [first_seq, last_seq]
    row_count   integer NOT NULL CHECK (row_count > 0),
    row_digests bytea NOT NULL,  -- 32-byte digests of those rows in seq order, concatenated
    rows_root   bytea NOT NULL,  -- sha256(row_digests)
    prev_hash   bytea NOT NULL,  -- link_hash of the link before (transaction_log_genesis())
    link_hash   bytea NOT NULL,  -- sha256(prev_hash || rows_root)
    sealed_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT digests_match_row_count CHECK (length(row_digests) = 32 * row_count),
    CONSTRAINT one_link_per_row_range UNIQUE (xact_id, first_seq)
);
ALTER TABLE transaction_log_chain ALTER COLUMN row_digests SET STORAGE EXTERNAL;  -- random bytes do not compress

COMMENT ON TABLE transaction_log_chain IS
    'Hash chain over benchmark_transactions, one link per committed batch; append-only.';

CREATE TRIGGER transaction_log_chain_no_update_or_delete
    BEFORE UPDATE OR DELETE ON transaction_log_chain
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
CREATE TRIGGER transaction_log_chain_no_truncate
    BEFORE TRUNCATE ON transaction_log_chain
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
ALTER TABLE transaction_log_chain ENABLE ALWAYS TRIGGER transaction_log_chain_no_update_or_delete;
ALTER TABLE transaction_log_chain ENABLE ALWAYS TRIGGER transaction_log_chain_no_truncate;


-- Sealing at commit ------------------------------------------------------------------
-- Constraint triggers are row-level only, and one deferred event per log row would cost
-- a function call per row at commit. So the log has a statement-level trigger that files
-- one request per transaction here, and the deferred trigger fires once per request.

CREATE TABLE transaction_log_seal_requests (
    xact_id xid8 PRIMARY KEY
);

CREATE FUNCTION request_transaction_log_seal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO transaction_log_seal_requests VALUES (pg_current_xact_id())
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION seal_transaction_log() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    own xid8 := NEW.xact_id;
    sealed_through bigint;
    n integer;
    lo bigint;
    hi bigint;
    digests bytea;
    root bytea;
    last_link record;
    prev bytea;
BEGIN
    DELETE FROM transaction_log_seal_requests WHERE xact_id = own;
    -- A transaction that folded its rows and appended more afterwards: fold those too,
    -- so "this transaction's rows are folded" stays true (see fold_transactions()).
    IF EXISTS (SELECT FROM fold_applied a
                WHERE a.xact_id = own
                  AND a.through_seq < (SELECT max(t.seq) FROM benchmark_transactions t
                                        WHERE t.xact_id = own)) THEN
        PERFORM fold_transactions(own_rows_only => true);
    END IF;

    -- Without any lock: the digests of this transaction's rows not sealed yet.
    SELECT max(c.last_seq) INTO sealed_through FROM transaction_log_chain c WHERE c.xact_id = own;
    SELECT count(*), min(t.seq), max(t.seq),
           string_agg(transaction_row_digest(t), ''::bytea ORDER BY t.seq)
      INTO n, lo, hi, digests
      FROM benchmark_transactions t
     WHERE t.xact_id = own AND t.seq > coalesce(sealed_through, 0);
    IF n = 0 THEN
        RETURN NULL;  -- e.g. every row was a duplicate (ON CONFLICT DO NOTHING)
    END IF;
    root := sha256(digests);

    -- The one short lock: held from here until this transaction's commit completes.
    PERFORM pg_advisory_xact_lock(1651336040, 0);  -- 'bmch': the chain head
    SELECT c.link_no, c.link_hash INTO last_link
      FROM transaction_log_chain c ORDER BY c.link_no DESC LIMIT 1;
    prev := coalesce(last_link.link_hash, transaction_log_genesis());
    INSERT INTO transaction_log_chain
        (link_no, xact_id, first_seq, last_seq, row_count, row_digests, rows_root,
         prev_hash, link_hash)
    VALUES (coalesce(last_link.link_no, 0) + 1, own, lo, hi, n, digests, root,
            prev, sha256(prev || root));
    RETURN NULL;
END $$;

CREATE TRIGGER benchmark_transactions_request_seal
    AFTER INSERT ON benchmark_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION request_transaction_log_seal();

CREATE CONSTRAINT TRIGGER seal_at_commit
    AFTER INSERT ON transaction_log_seal_requests
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION seal_transaction_log();


-- Verification --------------------------------------------------------------------------

-- One row: ok, or the first problem found (chain links first, then rows in seq order).
CREATE FUNCTION verify_transaction_log()
RETURNS TABLE (ok boolean, link_no bigint, seq bigint, transaction_id uuid, problem text)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    links bigint;
    rows_checked bigint;
BEGIN
    -- 1. The chain itself: numbering, back-links and hashes of every link.
    RETURN QUERY
    SELECT false, c.link_no, c.first_seq, NULL::uuid,
           CASE
               WHEN c.link_no <> c.expected_no THEN
                   format('link %s follows link %s: a link is missing', c.link_no, c.expected_no - 1)
               WHEN c.prev_hash <> c.expected_prev THEN
                   format('link %s does not point to the hash of the link before it', c.link_no)
               WHEN c.rows_root <> sha256(c.row_digests) THEN
                   format('link %s: its row digests do not match its root', c.link_no)
               ELSE format('link %s: its hash does not match its contents', c.link_no)
           END
      FROM (SELECT l.*,
                   coalesce(lag(l.link_hash) OVER w, transaction_log_genesis()) AS expected_prev,
                   row_number() OVER w AS expected_no
              FROM transaction_log_chain l WINDOW w AS (ORDER BY l.link_no)) AS c
     WHERE c.link_no <> c.expected_no OR c.prev_hash <> c.expected_prev
        OR c.rows_root <> sha256(c.row_digests) OR c.link_hash <> sha256(c.prev_hash || c.rows_root)
     ORDER BY c.link_no
     LIMIT 1;
    IF FOUND THEN
        RETURN;
    END IF;

    -- 2. Every row against the digest sealed for it, and no row outside the chain.
    RETURN QUERY
    WITH sealed AS (
        SELECT c.link_no, i AS position,
               substring(c.row_digests FROM (i - 1) * 32 + 1 FOR 32) AS digest
          FROM transaction_log_chain c, generate_series(1, c.row_count) AS i
    ), stored AS (
        SELECT c.link_no, t.id, t.seq, transaction_row_digest(t) AS digest,
               row_number() OVER (PARTITION BY c.link_no ORDER BY t.seq) AS position
          FROM benchmark_transactions t
          LEFT JOIN transaction_log_chain c
                 ON c.xact_id = t.xact_id AND t.seq BETWEEN c.first_seq AND c.last_seq
         WHERE t.xact_id IS DISTINCT FROM pg_current_xact_id_if_assigned()  -- not sealed yet
    )
    SELECT false, coalesce(s.link_no, r.link_no), r.seq, r.id,
           CASE
               WHEN r.id IS NULL THEN
                   format('link %s sealed %s rows or more; row %s of them is gone', s.link_no, s.position, s.position)
               WHEN r.link_no IS NULL THEN
                   format('row seq %s (id %s) is in no link: it was inserted with the sealing trigger disabled', r.seq, r.id)
               WHEN s.link_no IS NULL THEN
                   format('row seq %s (id %s) was added to link %s after it was sealed', r.seq, r.id, r.link_no)
               ELSE format('row seq %s (id %s) differs from what link %s sealed', r.seq, r.id, r.link_no)
           END
      FROM sealed s
      FULL JOIN stored r ON r.link_no = s.link_no AND r.position = s.position
     WHERE s.digest IS DISTINCT FROM r.digest
     ORDER BY coalesce(r.seq, (SELECT c.first_seq FROM transaction_log_chain c WHERE c.link_no = s.link_no)),
              s.position
     LIMIT 1;
    IF FOUND THEN
        RETURN;
    END IF;

    SELECT count(*), coalesce(sum(row_count), 0) INTO links, rows_checked FROM transaction_log_chain;
    RETURN QUERY SELECT true, NULL::bigint, NULL::bigint, NULL::uuid,
        format('OK: %s rows in %s links, chain intact', rows_checked, links);
END $$;

COMMENT ON FUNCTION verify_transaction_log IS
    'Recomputes the hash chain; returns OK or the first broken link / altered row.';
