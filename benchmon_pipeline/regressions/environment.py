"""The regression rules' knobs as the environment sets them (BENCHMON_CONFIRM_RESULTS …).

The variables and their types are `settings.py`'s; here they are checked together, as
`RegressionSettings`, whose defaults apply to every knob left unset. docs/regressions.md
says what each one trades.
"""

from collections.abc import Mapping

from benchmon_pipeline.regressions.evaluation import RegressionSettings
from benchmon_pipeline.settings import InvalidSetting, get_settings, load_settings


class InvalidRegressionSetting(ValueError):
    pass


def settings_from_environment(env: Mapping[str, str] | None = None) -> dict:
    """The knobs set by BENCHMON_* variables, parsed, with an error naming the variable."""
    try:
        settings = get_settings() if env is None else load_settings(env)
    except InvalidSetting as error:
        raise InvalidRegressionSetting(str(error)) from None
    found = settings.regression_overrides()
    try:
        RegressionSettings(**found)
    except ValueError as error:
        raise InvalidRegressionSetting(
            f"the regression settings from the environment do not fit together: {error}"
        ) from None
    return found


def regression_settings() -> RegressionSettings:
    """The rules' knobs: the environment's, the defaults for the rest."""
    return RegressionSettings(**settings_from_environment())


def blocking_from_environment(env: Mapping[str, str] | None = None) -> bool:
    """BENCHMON_BLOCKING_CHECKS=1|true|yes: an ERROR from the baseline or history check
    stops the downstream report assets."""
    try:
        return (get_settings() if env is None else load_settings(env)).blocking_checks
    except InvalidSetting as error:
        raise InvalidRegressionSetting(str(error)) from None
