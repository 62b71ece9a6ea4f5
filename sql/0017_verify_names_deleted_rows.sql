-- `benchmon db verify` names the row that is gone (defect 13).
--
-- verify_transaction_log() paired the rows a link sealed with the rows still stored by
-- their position in seq order. After a row was DELETEd (triggers disabled), every row
-- behind it moved up one position, so the first mismatch named the row *after* the gap,
-- as if it had been altered. Now a mismatch whose stored row matches a digest sealed
-- further on in the same link reports the sealed row at that position as gone, with the
-- seq of the row before it; a row that differs from every digest of its link is still
-- reported as altered. Problems are reported link by link (commit order), then by
-- position, where the seq of the stored row used to decide: a gap at the end of a link
-- sorted before a moved-up row. Rows in no link come last, in seq order.

CREATE OR REPLACE FUNCTION verify_transaction_log()
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
               row_number() OVER (PARTITION BY c.link_no ORDER BY t.seq) AS position,
               lag(t.seq) OVER (PARTITION BY c.link_no ORDER BY t.seq) AS prev_seq
          FROM benchmark_transactions t
          LEFT JOIN transaction_log_chain c
                 ON c.xact_id = t.xact_id AND t.seq BETWEEN c.first_seq AND c.last_seq
         WHERE t.xact_id IS DISTINCT FROM pg_current_xact_id_if_assigned()  -- not sealed yet
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
      LEFT JOIN transaction_log_chain l ON l.link_no = s.link_no
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

    SELECT count(*), coalesce(sum(row_count), 0) INTO links, rows_checked FROM transaction_log_chain;
    RETURN QUERY SELECT true, NULL::bigint, NULL::bigint, NULL::uuid,
        format('OK: %s rows in %s links, chain intact', rows_checked, links);
END $$;

COMMENT ON FUNCTION verify_transaction_log IS
    'Recomputes the hash chain; returns OK or the first broken link / altered or missing row.';
