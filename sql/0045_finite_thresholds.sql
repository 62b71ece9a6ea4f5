-- Thresholds are finite numbers, and a definition or override names a metric.
--
-- PostgreSQL's numeric has Infinity and NaN, and both pass ">= 0" (NaN sorts above every
-- number). `benchmon thresholds set --abs inf` was stored, and from then on every run of
-- the CI gate, for every configuration, failed with an internal error; a NaN relative
-- threshold was silently never met. A blank metric name made a definition nothing can use.
-- Rows like that are cleared first (the settings audit records it): a non-finite threshold
-- becomes NULL, "not judged that way", which is what it did when it did not crash.

UPDATE metric_definitions SET abs_threshold = NULL WHERE abs_threshold >= 'Infinity';
UPDATE metric_definitions SET rel_threshold = NULL WHERE rel_threshold >= 'Infinity';
UPDATE metric_overrides SET abs_threshold = NULL WHERE abs_threshold >= 'Infinity';
UPDATE metric_overrides SET rel_threshold = NULL WHERE rel_threshold >= 'Infinity';
DELETE FROM metric_definitions WHERE btrim(name) = '';
DELETE FROM metric_overrides WHERE btrim(metric) = '';

ALTER TABLE metric_definitions
    DROP CONSTRAINT metric_definitions_abs_threshold_check,
    DROP CONSTRAINT metric_definitions_rel_threshold_check,
    ADD CONSTRAINT metric_definitions_abs_threshold_check
        CHECK (abs_threshold >= 0 AND abs_threshold < 'Infinity'),
    ADD CONSTRAINT metric_definitions_rel_threshold_check
        CHECK (rel_threshold >= 0 AND rel_threshold < 'Infinity'),
    ADD CONSTRAINT metric_definitions_name_check CHECK (btrim(name) <> '');
ALTER TABLE metric_overrides
    DROP CONSTRAINT metric_overrides_abs_threshold_check,
    DROP CONSTRAINT metric_overrides_rel_threshold_check,
    ADD CONSTRAINT metric_overrides_abs_threshold_check
        CHECK (abs_threshold >= 0 AND abs_threshold < 'Infinity'),
    ADD CONSTRAINT metric_overrides_rel_threshold_check
        CHECK (rel_threshold >= 0 AND rel_threshold < 'Infinity'),
    ADD CONSTRAINT metric_overrides_metric_check CHECK (btrim(metric) <> '');
