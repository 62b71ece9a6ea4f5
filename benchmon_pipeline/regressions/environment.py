"""The regression rules' knobs, read from the environment (BENCHMON_CONFIRM_RESULTS …).

Every variable is optional; docs/regressions.md says what each one trades.
"""

import os
from collections.abc import Mapping

from benchmon_pipeline.regressions.evaluation import RegressionSettings

# variable → (field, type)
ENVIRONMENT = {
    "BENCHMON_CONFIRM_RESULTS": ("confirm_results", int),
    "BENCHMON_HISTORY_CONFIRM_RESULTS": ("history_confirm_results", int),
    "BENCHMON_HISTORY_WINDOW": ("history_window", int),
    "BENCHMON_HISTORY_MIN_RESULTS": ("history_min_results", int),
    "BENCHMON_HISTORY_THRESHOLD_Z": ("history_threshold_z", float),
    "BENCHMON_STALE_WARN_AFTER": ("stale_warn_after", float),
    "BENCHMON_STALE_ERROR_AFTER": ("stale_error_after", float),
}
BLOCKING_VAR = "BENCHMON_BLOCKING_CHECKS"
_DEFAULTS = RegressionSettings()


class InvalidRegressionSetting(ValueError):
    pass


def settings_from_environment(env: Mapping[str, str] | None = None) -> dict:
    """The fields set by BENCHMON_* variables, parsed, with an error naming the variable."""
    env = os.environ if env is None else env
    found = {}
    for variable, (name, kind) in ENVIRONMENT.items():
        text = env.get(variable, "").strip()
        if not text:
            continue
        try:
            found[name] = kind(text)
        except ValueError:
            raise InvalidRegressionSetting(
                f"{variable}={text!r} is not {'a whole number' if kind is int else 'a number'}"
                f"; unset it for the default ({getattr(_DEFAULTS, name)})"
            ) from None
    try:
        RegressionSettings(**found)
    except ValueError as error:
        raise InvalidRegressionSetting(
            f"the regression settings from the environment do not fit together: {error}"
        ) from None
    return found


def blocking_from_environment(env: Mapping[str, str] | None = None) -> bool:
    """BENCHMON_BLOCKING_CHECKS=1|true|yes: an ERROR from the baseline or history check
    stops the downstream report assets."""
    env = os.environ if env is None else env
    value = env.get(BLOCKING_VAR, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise InvalidRegressionSetting(f"{BLOCKING_VAR}={value!r}: use true or false")
