-- Who changed a threshold, a direction or a tracked branch, from what to what, when and why
-- (issue 17; `benchmon thresholds history`, docs/cli.md "Thresholds and tracked branches").
--
--   settings_changes   append-only: one row per row changed in metric_definitions,
--                      metric_overrides or tracked_branches — the row before and after
--                      (NULL: there was none / there is none any more), the database login
--                      that changed it, and the reason the command was given.
--
-- Recorded by triggers on the three tables, in the transaction that changes them, so every
-- way of changing them leaves a record: the functions of 0027 that `benchmon thresholds
-- set|unset` and `benchmon branches track|untrack` call, and an owner's plain SQL. A command
-- says why with set_config('benchmon.change_reason', …, true) in the same transaction.

CREATE TABLE settings_changes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    changed_at      timestamptz NOT NULL DEFAULT now(),
    setting         text NOT NULL
                    CHECK (setting IN ('metric_definition', 'metric_override', 'tracked_branch')),
    -- The configuration of an override or a tracked branch; NULL for a definition, which
    -- holds for every configuration.
    model_version   text,
    dataset_version text,
    prompt_version  text,
    environment     text,
    metric          text,  -- NULL for a tracked branch
    before          jsonb,  -- the row before (NULL: none)
    after           jsonb,  -- the row after (NULL: removed)
    reason          text,
    recorded_by     text NOT NULL DEFAULT session_user  -- the database login that did it
);
CREATE INDEX settings_changes_configuration
    ON settings_changes (model_version, dataset_version, prompt_version, environment, metric);

COMMENT ON TABLE settings_changes IS
    'Append-only: every change of metric_definitions, metric_overrides and tracked_branches, '
    'before and after, by whom and why (benchmon thresholds history).';

CREATE TRIGGER settings_changes_no_update_or_delete
    BEFORE UPDATE OR DELETE ON settings_changes
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
CREATE TRIGGER settings_changes_no_truncate
    BEFORE TRUNCATE ON settings_changes
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_to_rewrite_history();
ALTER TABLE settings_changes ENABLE ALWAYS TRIGGER settings_changes_no_update_or_delete;
ALTER TABLE settings_changes ENABLE ALWAYS TRIGGER settings_changes_no_truncate;

-- row_security on: a session that turned it off (pg_dump's restore, loading schema.sql)
-- would otherwise have the insert refused rather than checked against the owner's policy.
CREATE FUNCTION record_settings_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp SET row_security = on AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END;
    changed jsonb := coalesce(new_row, old_row);
BEGIN
    IF old_row IS NOT DISTINCT FROM new_row THEN
        RETURN NULL;  -- an update that changed nothing is not a change
    END IF;
    INSERT INTO public.settings_changes
        (setting, model_version, dataset_version, prompt_version, environment, metric,
         before, after, reason)
    VALUES (TG_ARGV[0], changed ->> 'model_version', changed ->> 'dataset_version',
            changed ->> 'prompt_version', changed ->> 'environment',
            coalesce(changed ->> 'metric', changed ->> 'name'), old_row, new_row,
            nullif(btrim(current_setting('benchmon.change_reason', true)), ''));
    RETURN NULL;
END $$;

CREATE TRIGGER metric_definitions_audited
    AFTER INSERT OR UPDATE OR DELETE ON metric_definitions
    FOR EACH ROW EXECUTE FUNCTION record_settings_change('metric_definition');
CREATE TRIGGER metric_overrides_audited
    AFTER INSERT OR UPDATE OR DELETE ON metric_overrides
    FOR EACH ROW EXECUTE FUNCTION record_settings_change('metric_override');
CREATE TRIGGER tracked_branches_audited
    AFTER INSERT OR UPDATE OR DELETE ON tracked_branches
    FOR EACH ROW EXECUTE FUNCTION record_settings_change('tracked_branch');
ALTER TABLE metric_definitions ENABLE ALWAYS TRIGGER metric_definitions_audited;
ALTER TABLE metric_overrides ENABLE ALWAYS TRIGGER metric_overrides_audited;
ALTER TABLE tracked_branches ENABLE ALWAYS TRIGGER tracked_branches_audited;


-- Privileges (0007, 0015, 0016, as 0023) ------------------------------------------------------
-- Written by the trigger only (as benchmon_owner); read by everybody who may read thresholds.
GRANT SELECT ON settings_changes TO benchmon_writer, benchmon_reader;
GRANT SELECT, INSERT ON settings_changes TO benchmon_owner;

ALTER TABLE settings_changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY reader_reads ON settings_changes FOR SELECT TO benchmon_reader
    USING ((SELECT public.reader_may_read()));
CREATE POLICY writer_reads ON settings_changes FOR SELECT TO benchmon_writer USING (true);
CREATE POLICY owner_all ON settings_changes FOR ALL TO benchmon_owner
    USING (true) WITH CHECK (true);

GRANT CREATE ON SCHEMA public TO benchmon_owner;  -- see 0015
ALTER FUNCTION record_settings_change() OWNER TO benchmon_owner;
REVOKE CREATE ON SCHEMA public FROM benchmon_owner;
