-- Verification that scales (issue 20): `benchmon db verify` records checkpoints and, by
-- default, checks only what was appended since the last one.
--
-- verify_transaction_log() recomputes every row's digest: minutes at ten million rows.
-- A checkpoint says "the chain was intact up to link K, whose hash was H, and every row
-- of a transaction older than X (an xid) was checked". The next check then needs only:
--   * link K still has hash H (whoever rewrote an earlier link had to rewrite K too);
--   * the links after K, chained from H;
--   * the rows of transactions from X on (the (xact_id, seq) index finds them).
-- X is the xmin of the snapshot in which K was read: every transaction older than X had
-- ended by then, so its rows were in that check; a transaction still running (or not
-- committed yet) has an xid ≥ X and is checked next time. A row altered before the last
-- checkpoint is only found by the full check (`db verify --full`, the previous
-- behaviour), which every deployment should still run now and then (docs/data-model.md).
--
-- A checkpoint is written only by verify_transaction_log_checkpointed(), right after a
-- check that passed: nobody can record one without the check having run. The table is
-- append-only like the log.

CREATE TABLE transaction_log_checkpoints (
    checkpoint_no bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    link_no       bigint NOT NULL CHECK (link_no >= 0),  -- verified through this link (0: none)
    link_hash     bytea NOT NULL,        -- its hash then (transaction_log_genesis() for 0)
    rows_from     xid8 NOT NULL,         -- rows of transactions before this xid were checked
    full_check    boolean NOT NULL,      -- a --full check, or one from the checkpoint before
    rows_checked  bigint NOT NULL,
    verified_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    verified_by   text NOT NULL DEFAULT session_user
);

COMMENT ON TABLE transaction_log_checkpoints IS
    'Where `db verify` found the hash chain intact; the next check starts there. Append-only.';

CREATE TRIGGER transaction_log_checkpoints_no_update_or_delete
    BEFORE UPDATE OR DELETE ON transaction_log_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
CREATE TRIGGER transaction_log_checkpoints_no_truncate
    BEFORE TRUNCATE ON transaction_log_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
ALTER TABLE transaction_log_checkpoints
    ENABLE ALWAYS TRIGGER transaction_log_checkpoints_no_update_or_delete;
ALTER TABLE transaction_log_checkpoints
    ENABLE ALWAYS TRIGGER transaction_log_checkpoints_no_truncate;

-- Readable like the chain, under the reader template (0016).
GRANT SELECT ON transaction_log_checkpoints TO benchmon_writer, benchmon_reader;
GRANT SELECT, INSERT ON transaction_log_checkpoints TO benchmon_owner;
ALTER TABLE transaction_log_checkpoints ENABLE ROW LEVEL SECURITY;
CREATE POLICY reader_reads ON transaction_log_checkpoints FOR SELECT TO benchmon_reader
    USING ((SELECT public.reader_may_read()));
CREATE POLICY writer_all ON transaction_log_checkpoints FOR ALL TO benchmon_writer
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON transaction_log_checkpoints FOR ALL TO benchmon_owner
    USING (true) WITH CHECK (true);


-- The check, over a window of the chain -------------------------------------------------
-- Links after_link+1 … through_link (NULL: to the end), the first of them chained from
-- after_hash, and every row of a transaction from rows_from on. (0, genesis, '0', NULL)
-- is the full check. The body is 0017's, with the window added.
CREATE FUNCTION verify_transaction_log_window(
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
        SELECT c.link_no, t.id, t.seq, public.transaction_row_digest(t) AS digest,
               row_number() OVER (PARTITION BY c.link_no ORDER BY t.seq) AS position,
               lag(t.seq) OVER (PARTITION BY c.link_no ORDER BY t.seq) AS prev_seq
          FROM public.benchmark_transactions t
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
    'transactions from rows_from on; (0, genesis, ''0'', NULL) checks everything.';

-- The full check, as before.
CREATE OR REPLACE FUNCTION verify_transaction_log()
RETURNS TABLE (ok boolean, link_no bigint, seq bigint, transaction_id uuid, problem text)
LANGUAGE sql STABLE AS $$
    SELECT * FROM public.verify_transaction_log_window(
        0, public.transaction_log_genesis(), '0'::xid8, NULL)
$$;


-- Check and record ------------------------------------------------------------------------
-- SECURITY DEFINER so that a role may record a checkpoint only through a check that passed
-- (benchmon_owner reads every row whatever the reader template says).
CREATE FUNCTION verify_transaction_log_checkpointed(full_check boolean DEFAULT false)
RETURNS TABLE (ok boolean, link_no bigint, seq bigint, transaction_id uuid, problem text,
               checkpoint_no bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    head_link bigint;
    horizon xid8;
    from_link bigint := 0;
    from_hash bytea := public.transaction_log_genesis();
    from_xid xid8 := '0';
    outcome record;
    recorded bigint;
BEGIN
    -- The newest link and the snapshot's xmin in one statement: every transaction before
    -- that xid had ended when the link was read.
    SELECT coalesce(max(c.link_no), 0), pg_snapshot_xmin(pg_current_snapshot())
      INTO head_link, horizon FROM public.transaction_log_chain c;
    IF NOT full_check THEN
        SELECT k.link_no, k.link_hash, k.rows_from INTO from_link, from_hash, from_xid
          FROM public.transaction_log_checkpoints k ORDER BY k.checkpoint_no DESC LIMIT 1;
        IF NOT FOUND THEN
            from_link := 0;
            from_hash := public.transaction_log_genesis();
            from_xid := '0';
        END IF;
    END IF;

    SELECT * INTO outcome FROM public.verify_transaction_log_window(
        from_link, from_hash, from_xid, head_link);
    IF outcome.ok THEN
        INSERT INTO public.transaction_log_checkpoints
            (link_no, link_hash, rows_from, full_check, rows_checked)
        SELECT head_link,
               coalesce((SELECT c.link_hash FROM public.transaction_log_chain c
                          WHERE c.link_no = head_link), public.transaction_log_genesis()),
               horizon, from_link = 0,
               coalesce((SELECT sum(c.row_count) FROM public.transaction_log_chain c
                          WHERE c.link_no > from_link AND c.link_no <= head_link), 0)
        RETURNING transaction_log_checkpoints.checkpoint_no INTO recorded;
    END IF;
    RETURN QUERY SELECT outcome.ok, outcome.link_no, outcome.seq, outcome.transaction_id,
                        outcome.problem, recorded;
END $$;

COMMENT ON FUNCTION verify_transaction_log_checkpointed IS
    '`benchmon db verify`: checks from the last checkpoint (or everything, full_check) and '
    'records a new checkpoint when the chain is intact.';

GRANT CREATE ON SCHEMA public TO benchmon_owner;  -- see 0015
ALTER FUNCTION verify_transaction_log_checkpointed(boolean) OWNER TO benchmon_owner;
REVOKE CREATE ON SCHEMA public FROM benchmon_owner;
REVOKE EXECUTE ON FUNCTION verify_transaction_log_checkpointed(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION verify_transaction_log_checkpointed(boolean)
    TO benchmon_writer, benchmon_reader;
