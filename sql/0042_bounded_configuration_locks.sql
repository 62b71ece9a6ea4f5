-- Configuration locks on a bounded set of keys.
--
-- Every change of a configuration's snapshots serializes on an advisory lock keyed by the
-- configuration (0004), and a fold takes the locks of every configuration it applies in
-- one statement (0012). PostgreSQL keeps each held lock in a shared table sized by
-- max_locks_per_transaction × max_connections (6,400 by default), so one file of 15,000
-- configurations ran out of it: "out of shared memory", which a push reported as a
-- database outage (exit 69, retry) and the inbox retried for ever.
--
-- The key is now the configuration's hash modulo 1,024: a fold holds at most 1,024 locks,
-- however many configurations it applies. Two configurations that share a key only wait
-- for each other; folds still take their keys in order, so they never deadlock.

CREATE OR REPLACE FUNCTION configuration_lock_key(
    model_version text, dataset_version text, prompt_version text, environment text
) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT hashtext(concat_ws(chr(31), model_version, dataset_version, prompt_version,
                              environment)) & 1023
$$;
COMMENT ON FUNCTION configuration_lock_key(text, text, text, text) IS
    'The advisory lock key of a configuration: its hash modulo 1,024, so a fold of any number of configurations holds at most 1,024 locks.';
