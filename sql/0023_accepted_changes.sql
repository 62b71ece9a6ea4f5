-- Accepting a change (issue 16, item 7; docs/regressions.md "Accepted changes").
--
-- A person who decides that a new level is intended (the new model is slower on purpose)
-- says so once, and the history rule takes the new level as its reference from then on,
-- instead of failing the gate until enough new results have pushed the old level out of
-- its window (~29 results for a 6 σ step).
--
--   accepted_changes       append-only: who accepted which change of which configuration
--                          (and metric), why, when, and the result the new level starts at.
--   accept_regression_alert(alert_id, actor, reason)
--                          the one way to write it: records the accepted change, resolves
--                          the alert, and puts an 'accepted' event in its history, in one
--                          transaction. For a baseline or trade-off alert it also makes the
--                          configuration's current version the baseline (set_baseline),
--                          which is what accepting means for the baseline rule.
--   history_restarts       per configuration × metric ('' = every metric): the newest
--                          point the history rule's reference restarts at — the latest of
--                          the accepted changes and the baseline's version. The rule's
--                          reference begins at the later of its window's start and this
--                          point (regressions/reading.py asks this view).

CREATE TABLE accepted_changes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    accepted_at     timestamptz NOT NULL DEFAULT now(),
    model_version   text NOT NULL,
    dataset_version text NOT NULL,
    prompt_version  text NOT NULL,
    environment     text NOT NULL,
    -- The metric whose new level is intended; '' for every metric of the configuration.
    metric          text NOT NULL,
    -- The first result of the new level: the history rule's reference starts here.
    transaction_id  uuid NOT NULL REFERENCES benchmark_transactions (id),
    alert_id        bigint REFERENCES regression_alerts (id),
    actor           text NOT NULL CHECK (btrim(actor) <> ''),
    reason          text NOT NULL CHECK (btrim(reason) <> ''),
    recorded_by     text NOT NULL DEFAULT session_user  -- the database login that did it
);
CREATE INDEX accepted_changes_configuration
    ON accepted_changes (model_version, dataset_version, prompt_version, environment, metric);

COMMENT ON TABLE accepted_changes IS
    'Append-only: changes of level a person accepted as intended (benchmon alerts accept).';

CREATE TRIGGER accepted_changes_no_update_or_delete
    BEFORE UPDATE OR DELETE ON accepted_changes
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
CREATE TRIGGER accepted_changes_no_truncate
    BEFORE TRUNCATE ON accepted_changes
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
ALTER TABLE accepted_changes ENABLE ALWAYS TRIGGER accepted_changes_no_update_or_delete;
ALTER TABLE accepted_changes ENABLE ALWAYS TRIGGER accepted_changes_no_truncate;

-- An alert's history can say that it was accepted (then resolved).
ALTER TABLE regression_alert_events DROP CONSTRAINT regression_alert_events_event_type_check;
ALTER TABLE regression_alert_events ADD CONSTRAINT regression_alert_events_event_type_check
    CHECK (event_type IN ('opened', 'escalated', 'acknowledged', 'accepted', 'resolved',
                          'notified'));


-- Where the history rule's reference restarts -----------------------------------------------
-- An accepted change restarts its metric ('' = all); a baseline restarts every metric of
-- its configuration at the result its version shows ("this version's level is the
-- reference"). The newest point per configuration × metric; reading.py takes the later of
-- the metric's own and the configuration's ('') and drops tracked results before it.
-- security_invoker: the caller's row-level security applies (reader_access = 'none').
CREATE VIEW history_restarts WITH (security_invoker = true) AS
SELECT DISTINCT ON (p.model_version, p.dataset_version, p.prompt_version, p.environment,
                    p.metric)
       p.model_version, p.dataset_version, p.prompt_version, p.environment, p.metric,
       p.source, p.transaction_id, t.created_at, t.seq
  FROM (SELECT a.model_version, a.dataset_version, a.prompt_version, a.environment,
               a.metric, 'accepted'::text AS source, a.transaction_id
          FROM public.accepted_changes a
        UNION ALL
        SELECT s.model_version, s.dataset_version, s.prompt_version, s.environment,
               ''::text, 'baseline'::text, s.transaction_id
          FROM public.benchmark_snapshots s
         WHERE s.is_baseline) AS p
  JOIN public.benchmark_transactions t ON t.id = p.transaction_id
 ORDER BY p.model_version, p.dataset_version, p.prompt_version, p.environment, p.metric,
          t.created_at DESC, t.seq DESC;

COMMENT ON VIEW history_restarts IS
    'Per configuration × metric ('''' = all): the newest accepted change or baseline; the history rule''s reference starts there.';


-- Accepting an alert --------------------------------------------------------------------------
-- The accepted point of a history alert is the first result of the run the alert reported
-- (its run_length results back, counting consecutive results of one commit as one, as the
-- rule does), so the new level's results already stored count toward the new reference;
-- the run's oldest results are left out while they lie nearer the old reference than the
-- new level (a noisy result just before the step joins a run: it is not the new level).
-- For a baseline or trade-off alert it is the current version's result, which becomes
-- the baseline. Other rules (stale, missing_metric) are not about a level: resolve them.
CREATE FUNCTION accept_regression_alert(alert_id bigint, actor text, reason text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    alert public.regression_alerts;
    current_snapshot public.benchmark_snapshots;
    tracked text;
    start_id uuid;
    accepted_id bigint;
BEGIN
    IF btrim(coalesce(actor, '')) = '' THEN
        RAISE EXCEPTION 'say who accepts the change: actor is empty'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF btrim(coalesce(reason, '')) = '' THEN
        RAISE EXCEPTION 'say why the new level is intended: reason is empty'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT a.* INTO alert FROM public.regression_alerts a
     WHERE a.id = accept_regression_alert.alert_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no regression alert %', alert_id USING ERRCODE = 'no_data_found';
    END IF;
    IF alert.status = 'resolved' THEN
        RAISE EXCEPTION '% is resolved (by % at %); a resolved alert is final',
            public.regression_alert_label(alert), alert.resolved_by, alert.resolved_at
            USING ERRCODE = 'check_violation',
                  HINT = 'if the regression is back, the next evaluation opens a new alert';
    END IF;
    IF alert.rule NOT IN ('history', 'baseline', 'tradeoff') THEN
        RAISE EXCEPTION '% is not about a level that could be accepted; resolve it instead',
            public.regression_alert_label(alert)
            USING ERRCODE = 'check_violation';
    END IF;

    IF alert.rule = 'history' THEN
        tracked := public.tracked_branch(alert.model_version, alert.dataset_version,
                                         alert.prompt_version, alert.environment);
        WITH results AS (
            SELECT t.id, t.created_at, t.seq,
                   -- on the new level's side of the midpoint between the alert's
                   -- reference and its current value (true when either is unknown)
                   coalesce(((t.metrics ->> alert.metric)::numeric
                             - (alert.reference + alert.current) / 2)
                            * sign(alert.current - alert.reference) > 0, true) AS moved,
                   -- 1 where a result starts (not a repeated sample of the previous commit)
                   CASE WHEN t.commit_sha IS NOT NULL
                             AND t.commit_sha = lag(t.commit_sha) OVER oldest_first
                        THEN 0 ELSE 1 END AS starts
              FROM public.benchmark_transactions t
             WHERE (t.model_version, t.dataset_version, t.prompt_version, t.environment)
                 = (alert.model_version, alert.dataset_version, alert.prompt_version,
                    alert.environment)
               AND (t.branch_name IS NULL OR t.branch_name = tracked)
               AND t.metrics ? alert.metric
            WINDOW oldest_first AS (ORDER BY t.created_at, t.seq)
        ), numbered AS (
            SELECT r.id, r.created_at, r.seq, r.moved,
                   1 + coalesce(sum(r.starts) OVER (
                       ORDER BY r.created_at DESC, r.seq DESC
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS result_no
              FROM results r
        )
        SELECT n.id INTO start_id FROM numbered n
         WHERE n.result_no <= greatest(alert.run_length, 1)
           AND (n.result_no = 1 OR n.result_no < coalesce(
                   (SELECT min(o.result_no) FROM numbered o WHERE NOT o.moved),
                   greatest(alert.run_length, 1) + 1))
         ORDER BY n.created_at, n.seq LIMIT 1;
    ELSE
        SELECT s.* INTO current_snapshot FROM public.benchmark_snapshots s
         WHERE (s.model_version, s.dataset_version, s.prompt_version, s.environment)
             = (alert.model_version, alert.dataset_version, alert.prompt_version,
                alert.environment)
           AND s.is_current;
        IF FOUND THEN
            PERFORM public.set_baseline(alert.model_version, alert.dataset_version,
                                        alert.prompt_version, alert.environment,
                                        current_snapshot.snapshot_version, actor,
                                        format('accepted alert %s: %s', alert.id, reason));
            start_id := current_snapshot.transaction_id;
        END IF;
    END IF;
    IF start_id IS NULL THEN
        RAISE EXCEPTION '% has no tracked result to accept', public.regression_alert_label(alert)
            USING ERRCODE = 'no_data_found';
    END IF;

    INSERT INTO public.accepted_changes
        (model_version, dataset_version, prompt_version, environment, metric, transaction_id,
         alert_id, actor, reason)
    VALUES (alert.model_version, alert.dataset_version, alert.prompt_version,
            alert.environment, CASE WHEN alert.rule = 'history' THEN alert.metric ELSE '' END,
            start_id, alert.id, btrim(actor), reason)
    RETURNING id INTO accepted_id;
    INSERT INTO public.regression_alert_events (alert_id, event_type, severity, actor, note)
    VALUES (alert.id, 'accepted', alert.severity, btrim(actor), reason);
    -- The guard and history triggers of 0010 check the transition and add 'resolved'.
    UPDATE public.regression_alerts a
       SET status = 'resolved', resolved_by = btrim(actor),
           resolved_note = format('accepted as the new level: %s', reason)
     WHERE a.id = alert.id;
    RETURN accepted_id;
END $$;

COMMENT ON FUNCTION accept_regression_alert(bigint, text, text) IS
    'The new level is intended: record an accepted change, resolve the alert (docs/alerts.md).';


-- Privileges (0007, 0015, 0016) ---------------------------------------------------------------
-- The writer (a person's login granted benchmon_writer, as for ack/resolve) accepts through
-- the function only; everybody who may read alerts may read what was accepted.
GRANT SELECT ON accepted_changes, history_restarts TO benchmon_writer, benchmon_reader;
GRANT SELECT, INSERT ON accepted_changes TO benchmon_owner;
GRANT UPDATE (status, resolved_by, resolved_note) ON regression_alerts TO benchmon_owner;

ALTER TABLE accepted_changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY reader_reads ON accepted_changes FOR SELECT TO benchmon_reader
    USING ((SELECT public.reader_may_read()));
CREATE POLICY writer_reads ON accepted_changes FOR SELECT TO benchmon_writer USING (true);
CREATE POLICY owner_all ON accepted_changes FOR ALL TO benchmon_owner
    USING (true) WITH CHECK (true);

REVOKE EXECUTE ON FUNCTION accept_regression_alert(bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION accept_regression_alert(bigint, text, text) TO benchmon_writer;
GRANT CREATE ON SCHEMA public TO benchmon_owner;  -- see 0015
ALTER FUNCTION accept_regression_alert(bigint, text, text) OWNER TO benchmon_owner;
REVOKE CREATE ON SCHEMA public FROM benchmon_owner;
