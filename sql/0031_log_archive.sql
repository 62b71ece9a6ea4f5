-- Retention without breaking immutability (issue 20, item 4): `benchmon db archive`.
--
-- A whole month partition of the log leaves the database for a Parquet file; what stays:
--   * the chain (transaction_log_chain): every link, with the digests it sealed;
--   * the key table (benchmark_transaction_keys, 0030): snapshots, events and accepted
--     changes keep their foreign keys to archived rows;
--   * log_archives: one row per archived partition — the file, its sha256, its row count,
--     its seq range and the chain's boundary (the links its rows were sealed in, the hash
--     before the first and the hash of the last);
--   * log_archived_rows: per archived row its seq, id, xact_id and the digest it had
--     (checked against the chain before it left). The hash chain runs in seq order, not
--     created_at order, so a month leaves gaps in the links it shares with other months;
--     verify_transaction_log_window() fills each gap with the recorded digest, so the live
--     chain stays checkable link by link, and `db verify --archive` re-hashes the file's
--     rows against these digests. 56 bytes a row against ~1 KB for the row itself.
-- Both tables are append-only like the log. Only the log's owner archives: DETACH and
-- DROP need it anyway, and the function says so in one line first.

CREATE TABLE log_archives (
    archive_no    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partition     text NOT NULL,          -- benchmark_transactions_yYYYYmMM
    month_from    timestamptz NOT NULL,   -- its range: [month_from, month_to)
    month_to      timestamptz NOT NULL,
    location      text NOT NULL,          -- the file: a path or an s3:// URL
    file_sha256   text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    row_count     bigint NOT NULL CHECK (row_count > 0),
    first_seq     bigint NOT NULL,
    last_seq      bigint NOT NULL,
    first_link    bigint NOT NULL,        -- the links its rows were sealed in
    last_link     bigint NOT NULL,
    boundary_prev_hash bytea NOT NULL,    -- prev_hash of first_link
    boundary_hash bytea NOT NULL,         -- link_hash of last_link
    archived_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    archived_by   text NOT NULL DEFAULT session_user,
    CONSTRAINT one_archive_per_partition UNIQUE (partition)
);
COMMENT ON TABLE log_archives IS
    'Month partitions of the log exported to Parquet by `benchmon db archive`; append-only.';

CREATE TABLE log_archived_rows (
    seq        bigint PRIMARY KEY,
    archive_no bigint NOT NULL REFERENCES log_archives,
    id         uuid NOT NULL REFERENCES benchmark_transaction_keys (id),
    xact_id    xid8 NOT NULL,
    digest     bytea NOT NULL CHECK (length(digest) = 32)
);
CREATE INDEX log_archived_rows_xact_id ON log_archived_rows (xact_id, seq);
COMMENT ON TABLE log_archived_rows IS
    'Each archived log row''s place in the chain and its digest; append-only.';

CREATE TRIGGER log_archives_no_update_or_delete BEFORE UPDATE OR DELETE ON log_archives
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
CREATE TRIGGER log_archives_no_truncate BEFORE TRUNCATE ON log_archives
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
CREATE TRIGGER log_archived_rows_no_update_or_delete BEFORE UPDATE OR DELETE ON log_archived_rows
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
CREATE TRIGGER log_archived_rows_no_truncate BEFORE TRUNCATE ON log_archived_rows
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
ALTER TABLE log_archives ENABLE ALWAYS TRIGGER log_archives_no_update_or_delete;
ALTER TABLE log_archives ENABLE ALWAYS TRIGGER log_archives_no_truncate;
ALTER TABLE log_archived_rows ENABLE ALWAYS TRIGGER log_archived_rows_no_update_or_delete;
ALTER TABLE log_archived_rows ENABLE ALWAYS TRIGGER log_archived_rows_no_truncate;

-- Readable like the chain, under the reader template (0016).
GRANT SELECT ON log_archives, log_archived_rows TO benchmon_writer, benchmon_reader;
GRANT SELECT, INSERT ON log_archives, log_archived_rows TO benchmon_owner;
ALTER TABLE log_archives ENABLE ROW LEVEL SECURITY;
ALTER TABLE log_archived_rows ENABLE ROW LEVEL SECURITY;
CREATE POLICY reader_reads ON log_archives FOR SELECT TO benchmon_reader
    USING ((SELECT public.reader_may_read()));
CREATE POLICY writer_all ON log_archives FOR ALL TO benchmon_writer USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON log_archives FOR ALL TO benchmon_owner USING (true) WITH CHECK (true);
CREATE POLICY reader_reads ON log_archived_rows FOR SELECT TO benchmon_reader
    USING ((SELECT public.reader_may_read()));
CREATE POLICY writer_all ON log_archived_rows FOR ALL TO benchmon_writer
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON log_archived_rows FOR ALL TO benchmon_owner
    USING (true) WITH CHECK (true);


-- What would leave --------------------------------------------------------------------
-- The month partitions wholly before `before` (never the default partition: its rows are
-- of any month).
CREATE FUNCTION log_partitions_before(before timestamptz)
RETURNS TABLE (partition text, month_from timestamptz, month_to timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT p.relname::text, m.month_from, m.month_from + interval '1 month'
      FROM pg_catalog.pg_inherits i
      JOIN pg_catalog.pg_class p ON p.oid = i.inhrelid
     CROSS JOIN LATERAL (
         SELECT to_timestamp(substring(p.relname FROM 'y(\d{4}m\d{2})$'), 'YYYY"m"MM')
                    ::timestamp AT TIME ZONE 'UTC' AS month_from) AS m
     WHERE i.inhparent = 'public.benchmark_transactions'::regclass
       AND p.relname ~ '^benchmark_transactions_y\d{4}m\d{2}$'
       AND m.month_from + interval '1 month' <= before
     ORDER BY m.month_from
$$;
COMMENT ON FUNCTION log_partitions_before IS
    'The log''s month partitions wholly before a time: what `db archive --before` takes.';


-- Who may: the log's owner (DETACH and DROP need it); asked first by `db archive`.
CREATE FUNCTION may_archive_log() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT pg_catalog.pg_has_role(
        (SELECT c.relowner FROM pg_catalog.pg_class c
          WHERE c.oid = 'public.benchmark_transactions'::regclass), 'USAGE')
$$;
COMMENT ON FUNCTION may_archive_log IS
    'Whether the current role may archive log partitions: the log''s owner or a member.';


-- Record, detach, drop ------------------------------------------------------------------
-- Called by `benchmon db archive` in the transaction that exported the partition (and
-- locked it, so no row arrived since), with the file's location, sha256 and row count.
-- The rows are checked against the chain first: what leaves is what was sealed.
CREATE FUNCTION archive_log_partition(
    part text, location text, file_sha256 text, exported_rows bigint)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    rel regclass := to_regclass('public.' || quote_ident(part));
    bounds record;
    span record;
    from_hash bytea;
    outcome record;
    recorded bigint;
BEGIN
    IF NOT public.may_archive_log() THEN
        RAISE EXCEPTION 'only the log''s owner may archive partitions (you are %)', current_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO bounds FROM public.log_partitions_before('infinity') b WHERE b.partition = part;
    IF rel IS NULL OR NOT FOUND THEN
        RAISE EXCEPTION '% is not a month partition of benchmark_transactions', part;
    END IF;
    EXECUTE format('LOCK TABLE %s IN SHARE MODE', rel);  -- no row arrives while it leaves

    SELECT count(*) AS row_count, min(t.seq) AS first_seq, max(t.seq) AS last_seq,
           min(c.link_no) AS first_link, max(c.link_no) AS last_link,
           min(t.xact_id) AS first_xact, count(c.link_no) AS sealed
      INTO span
      FROM public.benchmark_transactions t
      LEFT JOIN public.transaction_log_chain c
             ON c.xact_id = t.xact_id AND t.seq BETWEEN c.first_seq AND c.last_seq
     WHERE t.tableoid = rel;
    IF span.row_count <> exported_rows THEN
        RAISE EXCEPTION '% holds % rows, the file % (nothing archived)',
            part, span.row_count, exported_rows;
    END IF;
    IF span.row_count = 0 THEN
        RAISE EXCEPTION '% is empty: nothing to archive', part;
    END IF;
    IF span.sealed <> span.row_count THEN
        RAISE EXCEPTION '% holds % rows in no link of the chain: run `benchmon db verify --full`',
            part, span.row_count - span.sealed;
    END IF;

    -- A configuration's current version is read with its row (the regression checks take
    -- the stated directions, commit and branch from it): such a month stays until a newer
    -- result makes another version current, rather than the check skipping it silently.
    SELECT concat_ws(' / ', s.model_version, s.dataset_version, s.prompt_version,
                     s.environment) AS configuration,
           count(*) OVER () AS configurations
      INTO outcome
      FROM public.benchmark_snapshots s
      JOIN public.benchmark_transactions t ON t.id = s.transaction_id AND t.tableoid = rel
     WHERE s.is_current
     ORDER BY 1 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '% holds the current version of % (and % more configurations): the '
            'regression checks read it from the log; archive this month once a newer result '
            'is current there (nothing archived)',
            part, outcome.configuration, outcome.configurations - 1;
    END IF;

    -- The links its rows are in, and every row of them, against what they sealed.
    SELECT c.link_hash INTO from_hash FROM public.transaction_log_chain c
     WHERE c.link_no = span.first_link - 1;
    SELECT * INTO outcome FROM public.verify_transaction_log_window(
        span.first_link - 1, coalesce(from_hash, public.transaction_log_genesis()),
        span.first_xact, span.last_link);
    IF NOT outcome.ok THEN
        RAISE EXCEPTION 'the chain around % is broken, nothing archived: %', part, outcome.problem;
    END IF;

    INSERT INTO public.log_archives
        (partition, month_from, month_to, location, file_sha256, row_count, first_seq,
         last_seq, first_link, last_link, boundary_prev_hash, boundary_hash)
    SELECT part, bounds.month_from, bounds.month_to, location, file_sha256, span.row_count,
           span.first_seq, span.last_seq, span.first_link, span.last_link,
           (SELECT c.prev_hash FROM public.transaction_log_chain c WHERE c.link_no = span.first_link),
           (SELECT c.link_hash FROM public.transaction_log_chain c WHERE c.link_no = span.last_link)
    RETURNING log_archives.archive_no INTO recorded;
    INSERT INTO public.log_archived_rows (seq, archive_no, id, xact_id, digest)
    SELECT t.seq, recorded, t.id, t.xact_id, public.transaction_row_digest(t)
      FROM public.benchmark_transactions t WHERE t.tableoid = rel;

    -- Dropped, not kept detached: a detached table is outside the parent's triggers'
    -- reach only by name, and the file plus these records are the archive.
    EXECUTE format('ALTER TABLE public.benchmark_transactions DETACH PARTITION %s', rel);
    EXECUTE format('DROP TABLE %s', rel);
    RETURN recorded;
END $$;
COMMENT ON FUNCTION archive_log_partition IS
    '`benchmon db archive`: records an exported month partition, then detaches and drops it.';
REVOKE EXECUTE ON FUNCTION archive_log_partition(text, text, text, bigint) FROM PUBLIC;


-- The check, with archived rows standing in their places --------------------------------
CREATE OR REPLACE FUNCTION verify_transaction_log_window(
    after_link bigint, after_hash bytea, rows_from xid8, through_link bigint DEFAULT NULL)
RETURNS TABLE (ok boolean, link_no bigint, seq bigint, transaction_id uuid, problem text)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    links bigint;
    rows_checked bigint;
    last_link bigint := coalesce(through_link, 9223372036854775807);
BEGIN
    -- 0. The link the window starts from still has the hash it had.
    IF after_link > 0 THEN
        RETURN QUERY
        SELECT false, after_link, NULL::bigint, NULL::uuid,
               format('link %s no longer has the hash it had when it was verified '
                      '(it was rewritten or removed)', after_link)
         WHERE NOT EXISTS (SELECT FROM public.transaction_log_chain c
                            WHERE c.link_no = after_link AND c.link_hash = after_hash);
        IF FOUND THEN
            RETURN;
        END IF;
    END IF;

    -- 1. The chain itself: numbering, back-links and hashes of every link in the window.
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
                   coalesce(lag(l.link_hash) OVER w, after_hash) AS expected_prev,
                   after_link + row_number() OVER w AS expected_no
              FROM public.transaction_log_chain l
             WHERE l.link_no > after_link AND l.link_no <= last_link
            WINDOW w AS (ORDER BY l.link_no)) AS c
     WHERE c.link_no <> c.expected_no OR c.prev_hash <> c.expected_prev
        OR c.rows_root <> sha256(c.row_digests) OR c.link_hash <> sha256(c.prev_hash || c.rows_root)
     ORDER BY c.link_no
     LIMIT 1;
    IF FOUND THEN
        RETURN;
    END IF;

    -- 2. Every row in the window against the digest sealed for it, and no row outside
    --    the chain.
    RETURN QUERY
    WITH window_links AS (
        SELECT c.* FROM public.transaction_log_chain c
         WHERE c.link_no <= last_link AND (c.link_no > after_link OR c.xact_id >= rows_from)
    ), sealed AS (
        SELECT c.link_no, i AS position,
               substring(c.row_digests FROM (i - 1) * 32 + 1 FOR 32) AS digest
          FROM window_links c, generate_series(1, c.row_count) AS i
    ), stored AS (
        SELECT c.link_no, t.id, t.seq, t.digest,
               row_number() OVER (PARTITION BY c.link_no ORDER BY t.seq) AS position,
               lag(t.seq) OVER (PARTITION BY c.link_no ORDER BY t.seq) AS prev_seq
          FROM (SELECT l.id, l.seq, l.xact_id, public.transaction_row_digest(l) AS digest
                  FROM public.benchmark_transactions l
                UNION ALL  -- archived rows: the digest recorded when they left (0031)
                SELECT a.id, a.seq, a.xact_id, a.digest FROM public.log_archived_rows a) AS t
          LEFT JOIN public.transaction_log_chain c
                 ON c.xact_id = t.xact_id AND t.seq BETWEEN c.first_seq AND c.last_seq
         WHERE t.xact_id >= rows_from
           AND t.xact_id IS DISTINCT FROM pg_current_xact_id_if_assigned()  -- not sealed yet
           AND (c.link_no IS NULL OR c.link_no <= last_link)  -- sealed after the window
    )
    SELECT false, coalesce(s.link_no, r.link_no),
           CASE WHEN m.gone THEN NULL ELSE r.seq END,
           CASE WHEN m.gone THEN NULL ELSE r.id END,
           CASE
               WHEN m.gone THEN
                   format('link %s sealed %s rows; row %s of them is gone (%s)',
                          s.link_no, l.row_count, s.position,
                          CASE WHEN m.after_seq IS NULL THEN 'its first row'
                               ELSE format('the row after seq %s', m.after_seq) END)
               WHEN r.link_no IS NULL THEN
                   format('row seq %s (id %s) is in no link: it was inserted with the sealing trigger disabled', r.seq, r.id)
               WHEN s.link_no IS NULL THEN
                   format('row seq %s (id %s) was added to link %s after it was sealed', r.seq, r.id, r.link_no)
               ELSE format('row seq %s (id %s) differs from what link %s sealed', r.seq, r.id, r.link_no)
           END
      FROM sealed s
      FULL JOIN stored r ON r.link_no = s.link_no AND r.position = s.position
      LEFT JOIN window_links l ON l.link_no = s.link_no
      -- A sealed row is gone when nothing stands at its position, or when the row standing
      -- there is one the link sealed further on (the rows after it moved up one place).
      CROSS JOIN LATERAL (
          SELECT s.link_no IS NOT NULL
                 AND (r.id IS NULL
                      OR EXISTS (SELECT FROM sealed z
                                  WHERE z.link_no = s.link_no AND z.position > s.position
                                    AND z.digest = r.digest)) AS gone,
                 CASE WHEN r.id IS NULL
                      THEN (SELECT max(x.seq) FROM stored x WHERE x.link_no = s.link_no)
                      ELSE r.prev_seq END AS after_seq) AS m
     WHERE s.digest IS DISTINCT FROM r.digest
     ORDER BY coalesce(s.link_no, r.link_no) NULLS LAST, s.position, r.seq  -- the first break
     LIMIT 1;
    IF FOUND THEN
        RETURN;
    END IF;

    SELECT count(*), coalesce(sum(c.row_count), 0) INTO links, rows_checked
      FROM public.transaction_log_chain c WHERE c.link_no > after_link AND c.link_no <= last_link;
    RETURN QUERY SELECT true, NULL::bigint, NULL::bigint, NULL::uuid,
        CASE WHEN after_link = 0
             THEN format('OK: %s rows in %s links, chain intact', rows_checked, links)
             ELSE format('OK: %s rows in %s links after link %s, chain intact',
                         rows_checked, links, after_link) END;
END $$;

COMMENT ON FUNCTION verify_transaction_log_window IS
    'The hash-chain check over links after_link+1…through_link and the rows of '
    'transactions from rows_from on (archived rows by their recorded digests); '
    '(0, genesis, ''0'', NULL) checks everything.';
