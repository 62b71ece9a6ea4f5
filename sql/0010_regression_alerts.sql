-- Regression alerts with a lifecycle (docs/alerts.md): the regression checks record what
-- they find here, so that the same regression alerts once, not on every evaluation, and a
-- person can say "seen, on it" (acknowledged) or "fixed" (resolved).
--
-- One row per alert = one episode of one regression: (rule, configuration, metric) from
-- the first evaluation that found it until it is resolved. A regression found again after
-- its alert was resolved is a new episode, hence a new row.
--
--   open ──→ acknowledged ──→ resolved
--     └──────────────────────────↑          resolved is final.
--
-- The database enforces both promises the rest of the code relies on: at most one
-- not-resolved alert per (rule, configuration, metric) (a partial UNIQUE index: evaluations
-- running concurrently cannot open it twice, whatever the Python does), and the lifecycle
-- (a trigger refuses any other transition, naming the alert). Every transition is also
-- appended to regression_alert_events by a trigger, so the history cannot be skipped.

CREATE TABLE regression_alerts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- What the alert is about: findings.py's Finding.key. metric is '' for findings about
    -- a whole configuration (a configuration that stopped reporting): NOT NULL, so the
    -- UNIQUE index below treats two such findings as the same.
    rule              text NOT NULL CHECK (rule <> ''),
    model_version     text NOT NULL,
    dataset_version   text NOT NULL,
    prompt_version    text NOT NULL,
    environment       text NOT NULL,
    metric            text NOT NULL DEFAULT '',
    -- The worst severity seen during the episode: WARN may become ERROR (the regression
    -- persisted), never the reverse (see the guard below).
    severity          text NOT NULL CHECK (severity IN ('WARN', 'ERROR')),
    status            text NOT NULL DEFAULT 'open'
                          CHECK (status IN ('open', 'acknowledged', 'resolved')),
    -- As of the latest evaluation that found it (updated every time it is seen again).
    reason            text NOT NULL,
    direction         text CHECK (direction IN ('higher', 'lower')),
    current           numeric,
    reference         numeric,
    delta             numeric,
    percent           numeric,
    commit_sha        text,
    branch_name       text,
    run_length        integer NOT NULL DEFAULT 1 CHECK (run_length >= 0),
    -- When evaluations found it: first, latest, how many times. Set by the server.
    first_seen_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at      timestamptz NOT NULL DEFAULT now(),
    times_seen        integer NOT NULL DEFAULT 1 CHECK (times_seen >= 1),
    -- The lifecycle; the *_at columns are set by the guard trigger, never by clients.
    acknowledged_at   timestamptz,
    acknowledged_by   text CHECK (acknowledged_by <> ''),
    acknowledged_note text,
    resolved_at       timestamptz,
    resolved_by       text CHECK (resolved_by <> ''),
    resolved_note     text,
    -- When the webhook accepted the message about it (NULL: not sent).
    notified_at       timestamptz,
    CONSTRAINT seen_in_order CHECK (last_seen_at >= first_seen_at),
    CONSTRAINT acknowledged_says_who CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL)),
    CONSTRAINT resolved_says_who CHECK ((resolved_at IS NULL) = (resolved_by IS NULL)),
    CONSTRAINT open_is_untouched CHECK (
        status <> 'open' OR (acknowledged_at IS NULL AND resolved_at IS NULL)),
    CONSTRAINT acknowledged_was_acknowledged CHECK (
        status <> 'acknowledged' OR (acknowledged_at IS NOT NULL AND resolved_at IS NULL)),
    CONSTRAINT resolved_was_resolved CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);

COMMENT ON TABLE regression_alerts IS
    'One row per regression episode (rule, configuration, metric): open → acknowledged → resolved.';
COMMENT ON COLUMN regression_alerts.metric IS
    'The metric, or '''' when the finding is about the whole configuration.';
COMMENT ON COLUMN regression_alerts.severity IS
    'The worst severity seen while the alert was not resolved (WARN → ERROR, never back).';

-- "Alerts once": at most one not-resolved alert per (rule, configuration, metric). The
-- evaluations' INSERT … ON CONFLICT names this index, so a finding seen again updates its
-- alert, and two evaluations running at once open it once (the second waits for the
-- first's row and then updates it).
CREATE UNIQUE INDEX regression_alerts_alert_once
    ON regression_alerts (rule, model_version, dataset_version, prompt_version, environment,
                          metric)
    WHERE status <> 'resolved';
-- What the webhook has still to send (small: open alerts not notified yet).
CREATE INDEX regression_alerts_pending ON regression_alerts (id)
    WHERE status = 'open' AND notified_at IS NULL;
-- `benchmon alerts list --model …` and the history of one configuration.
CREATE INDEX regression_alerts_configuration
    ON regression_alerts (model_version, dataset_version, prompt_version, environment,
                          last_seen_at DESC);


-- The history of every alert, appended by the trigger below: who did what, when, why.
CREATE TABLE regression_alert_events (
    event_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id    bigint NOT NULL REFERENCES regression_alerts (id),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    event_type  text NOT NULL CHECK (event_type IN (
                    'opened', 'escalated', 'acknowledged', 'resolved', 'notified')),
    severity    text NOT NULL CHECK (severity IN ('WARN', 'ERROR')),  -- after the event
    actor       text NOT NULL,
    note        text
);
CREATE INDEX regression_alert_events_alert ON regression_alert_events (alert_id, event_id);

COMMENT ON TABLE regression_alert_events IS
    'Append-only: every transition of a regression alert, written by its trigger.';

CREATE TRIGGER regression_alert_events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON regression_alert_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
CREATE TRIGGER regression_alert_events_no_truncate
    BEFORE TRUNCATE ON regression_alert_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
ALTER TABLE regression_alert_events
    ENABLE ALWAYS TRIGGER regression_alert_events_no_update_or_delete;
ALTER TABLE regression_alert_events ENABLE ALWAYS TRIGGER regression_alert_events_no_truncate;
-- (regression_alerts rows cannot be deleted either while events reference them: the
-- foreign key has no ON DELETE, and the events are append-only.)


-- The lifecycle guard ------------------------------------------------------------------
-- Row-level BEFORE trigger, for every role (ALWAYS): the rules hold for the owner and for
-- hand-written SQL, not only for benchmon's Python. Errors name the alert so whoever
-- meets one knows which row and why.
CREATE FUNCTION regression_alert_label(a regression_alerts) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format('regression alert %s (%s%s on %s × %s × %s × %s)', a.id, a.rule,
                  CASE WHEN a.metric = '' THEN '' ELSE ' ' || a.metric END,
                  a.model_version, a.dataset_version, a.prompt_version, a.environment)
$$;

CREATE FUNCTION guard_regression_alert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    unchanged regression_alerts;
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- An alert is born open, seen once, and not yet sent: the rest is its lifecycle.
        IF NEW.status <> 'open' THEN
            RAISE EXCEPTION 'a new regression alert must be open, not %', NEW.status
                USING ERRCODE = 'check_violation',
                      HINT = 'insert it open, then acknowledge or resolve it';
        END IF;
        NEW.first_seen_at := now();
        NEW.last_seen_at := now();
        NEW.times_seen := 1;
        NEW.notified_at := NULL;
        RETURN NEW;
    END IF;

    IF OLD.status = 'resolved' THEN
        -- Final. The one thing still allowed: recording that the message about it went
        -- out (the webhook may deliver while an evaluation resolves it).
        unchanged := NEW;
        unchanged.notified_at := OLD.notified_at;
        IF unchanged IS DISTINCT FROM OLD OR OLD.notified_at IS NOT NULL THEN
            RAISE EXCEPTION '% is resolved (by % at %); a resolved alert is final',
                regression_alert_label(OLD), OLD.resolved_by, OLD.resolved_at
                USING ERRCODE = 'check_violation',
                      HINT = 'if the regression is back, the next evaluation opens a new alert';
        END IF;
        IF NEW.notified_at IS NOT NULL THEN
            NEW.notified_at := now();
        END IF;
        RETURN NEW;
    END IF;

    IF (NEW.id, NEW.rule, NEW.model_version, NEW.dataset_version, NEW.prompt_version,
        NEW.environment, NEW.metric, NEW.first_seen_at)
       IS DISTINCT FROM
       (OLD.id, OLD.rule, OLD.model_version, OLD.dataset_version, OLD.prompt_version,
        OLD.environment, OLD.metric, OLD.first_seen_at) THEN
        RAISE EXCEPTION 'the rule, configuration, metric and first_seen_at of % never change',
            regression_alert_label(OLD)
            USING ERRCODE = 'check_violation';
    END IF;

    IF NEW.status <> OLD.status AND (OLD.status, NEW.status) NOT IN (
           ('open', 'acknowledged'), ('open', 'resolved'), ('acknowledged', 'resolved')) THEN
        RAISE EXCEPTION '% is %: it cannot become % (open → acknowledged → resolved)',
            regression_alert_label(OLD), OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;

    IF OLD.status = 'acknowledged'
       AND (NEW.acknowledged_at, NEW.acknowledged_by, NEW.acknowledged_note)
           IS DISTINCT FROM (OLD.acknowledged_at, OLD.acknowledged_by, OLD.acknowledged_note) THEN
        RAISE EXCEPTION '% is already acknowledged (by % at %)',
            regression_alert_label(OLD), OLD.acknowledged_by, OLD.acknowledged_at
            USING ERRCODE = 'check_violation';
    END IF;

    IF OLD.severity = 'ERROR' AND NEW.severity = 'WARN' THEN
        RAISE EXCEPTION '% is ERROR: its severity is never lowered', regression_alert_label(OLD)
            USING ERRCODE = 'check_violation',
                  HINT = 'resolve it; a later finding opens a new alert at its own severity';
    END IF;

    IF OLD.notified_at IS NOT NULL AND NEW.notified_at IS DISTINCT FROM OLD.notified_at THEN
        RAISE EXCEPTION '% was already notified at %', regression_alert_label(OLD),
            OLD.notified_at
            USING ERRCODE = 'check_violation';
    END IF;

    -- The server's clock, not the client's.
    IF NEW.status = 'acknowledged' AND OLD.status = 'open' THEN
        NEW.acknowledged_at := now();
    END IF;
    IF NEW.status = 'resolved' THEN
        NEW.resolved_at := now();
    END IF;
    IF NEW.notified_at IS NOT NULL AND OLD.notified_at IS NULL THEN
        NEW.notified_at := now();
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER regression_alerts_guard
    BEFORE INSERT OR UPDATE ON regression_alerts
    FOR EACH ROW EXECUTE FUNCTION guard_regression_alert();
ALTER TABLE regression_alerts ENABLE ALWAYS TRIGGER regression_alerts_guard;

-- An UPDATE that names a lifecycle column is a request to acknowledge or resolve: it must
-- move the status forward. (A row trigger cannot tell "acknowledge again, same person"
-- from "update something else" by the values alone; `UPDATE OF` fires on the columns the
-- statement names, even when their values do not change.) Fires after the guard above
-- (triggers run in name order), which has already refused everything on resolved alerts.
CREATE FUNCTION guard_regression_alert_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = OLD.status THEN
        IF OLD.status = 'acknowledged' THEN
            RAISE EXCEPTION '% is already acknowledged (by % at %)',
                regression_alert_label(OLD), OLD.acknowledged_by, OLD.acknowledged_at
                USING ERRCODE = 'check_violation';
        ELSIF OLD.status = 'resolved' THEN
            RAISE EXCEPTION '% is resolved (by % at %); a resolved alert is final',
                regression_alert_label(OLD), OLD.resolved_by, OLD.resolved_at
                USING ERRCODE = 'check_violation';
        END IF;
        RAISE EXCEPTION '% is %: set status to acknowledge or resolve it',
            regression_alert_label(OLD), OLD.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER regression_alerts_guard_transition
    BEFORE UPDATE OF status, acknowledged_by, acknowledged_note, resolved_by, resolved_note
    ON regression_alerts
    FOR EACH ROW EXECUTE FUNCTION guard_regression_alert_transition();
ALTER TABLE regression_alerts ENABLE ALWAYS TRIGGER regression_alerts_guard_transition;


-- The history, written for every change that matters. SECURITY DEFINER: the writer may
-- change alerts but not write events itself, so the history says what really happened.
CREATE FUNCTION record_regression_alert_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO regression_alert_events (alert_id, event_type, severity, actor, note)
        VALUES (NEW.id, 'opened', NEW.severity, session_user, NEW.reason);
        RETURN NULL;
    END IF;
    IF NEW.severity <> OLD.severity THEN
        INSERT INTO regression_alert_events (alert_id, event_type, severity, actor, note)
        VALUES (NEW.id, 'escalated', NEW.severity, session_user, NEW.reason);
    END IF;
    IF NEW.status = 'acknowledged' AND OLD.status = 'open' THEN
        INSERT INTO regression_alert_events (alert_id, event_type, severity, actor, note)
        VALUES (NEW.id, 'acknowledged', NEW.severity, NEW.acknowledged_by, NEW.acknowledged_note);
    END IF;
    IF NEW.status = 'resolved' AND OLD.status <> 'resolved' THEN
        INSERT INTO regression_alert_events (alert_id, event_type, severity, actor, note)
        VALUES (NEW.id, 'resolved', NEW.severity, NEW.resolved_by, NEW.resolved_note);
    END IF;
    IF NEW.notified_at IS NOT NULL AND OLD.notified_at IS NULL THEN
        INSERT INTO regression_alert_events (alert_id, event_type, severity, actor)
        VALUES (NEW.id, 'notified', NEW.severity, session_user);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER regression_alerts_history
    AFTER INSERT OR UPDATE ON regression_alerts
    FOR EACH ROW EXECUTE FUNCTION record_regression_alert_event();
ALTER TABLE regression_alerts ENABLE ALWAYS TRIGGER regression_alerts_history;


-- Privileges (0007_roles.sql) ----------------------------------------------------------
-- Unlike the log and the snapshots, an alert is mutable state: the writer (the checks,
-- `benchmon alerts ack|resolve` run by a login granted benchmon_writer) inserts alerts
-- and updates the columns of their lifecycle; the guard trigger above decides which
-- updates are legal. Identity, timestamps and counters are the server's. No DELETE.
GRANT SELECT ON regression_alerts, regression_alert_events
    TO benchmon_writer, benchmon_reader;
GRANT INSERT (rule, model_version, dataset_version, prompt_version, environment, metric,
              severity, reason, direction, current, reference, delta, percent, commit_sha,
              branch_name, run_length)
    ON regression_alerts TO benchmon_writer;
GRANT UPDATE (severity, status, reason, direction, current, reference, delta, percent,
              commit_sha, branch_name, run_length, last_seen_at, times_seen,
              acknowledged_by, acknowledged_note, resolved_by, resolved_note, notified_at)
    ON regression_alerts TO benchmon_writer;

-- Row-level security as on the log: the writer template, and the reader template that
-- security_settings.reader_access switches ('none': the reader sees no alert either).
ALTER TABLE regression_alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE regression_alert_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY writer_reads ON regression_alerts FOR SELECT TO benchmon_writer USING (true);
CREATE POLICY writer_opens ON regression_alerts FOR INSERT TO benchmon_writer WITH CHECK (true);
CREATE POLICY writer_updates ON regression_alerts FOR UPDATE TO benchmon_writer
    USING (true) WITH CHECK (true);
CREATE POLICY writer_reads ON regression_alert_events FOR SELECT TO benchmon_writer
    USING (true);
CREATE POLICY reader_reads ON regression_alerts
    FOR SELECT TO benchmon_reader
    USING ((SELECT reader_access = 'read' FROM security_settings));
CREATE POLICY reader_reads ON regression_alert_events
    FOR SELECT TO benchmon_reader
    USING ((SELECT reader_access = 'read' FROM security_settings));
