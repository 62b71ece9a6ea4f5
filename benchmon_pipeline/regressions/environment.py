"""The regression rules' knobs as the environment sets them (BENCHMON_CONFIRM_RESULTS …).

The variables and their types are `settings.py`'s (`RegressionKnobs`); here they are
checked together, as `RegressionSettings`, whose defaults apply to every knob left unset.
A value that does not parse, or values that do not fit together, are an `InvalidSetting`:
one line naming the variables, which the CLI prints (exit 78) and which stops Dagster
loading the code location. docs/regressions.md says what each knob trades.
"""

from collections.abc import Mapping

from benchmon_pipeline.regressions.evaluation import RegressionSettings
from benchmon_pipeline.settings import InvalidSetting, get_settings, load_settings, variable_of


def settings_from_environment(env: Mapping[str, str] | None = None) -> dict:
    """The knobs set by BENCHMON_* variables, parsed and checked together."""
    found = (get_settings() if env is None else load_settings(env)).regression_overrides()
    try:
        RegressionSettings(**found)
    except ValueError as error:
        variables = [variable_of(knob) for knob in found]
        shown = ", ".join(f"{variable_of(knob)}={value}" for knob, value in found.items())
        raise InvalidSetting(
            variables[0] if variables else "",
            f"{shown} do not fit together ({error}); "
            "see docs/regressions.md, or unset them for the rules' defaults",
        ) from None
    return found


def regression_settings() -> RegressionSettings:
    """The rules' knobs: the environment's, the defaults for the rest."""
    return RegressionSettings(**settings_from_environment())


def blocking_from_environment(env: Mapping[str, str] | None = None) -> bool:
    """BENCHMON_BLOCKING_CHECKS=1|true|yes: an ERROR from the baseline or history check
    stops the downstream report assets."""
    return (get_settings() if env is None else load_settings(env)).blocking_checks
