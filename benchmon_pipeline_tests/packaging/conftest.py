import pytest

from benchmon_pipeline_tests.packaging.wheel import build_wheel_and_venv


@pytest.fixture(scope="session")
def wheel_and_venv(tmp_path_factory):
    """(wheel, venv): the wheel of this checkout installed in a venv outside it."""
    return build_wheel_and_venv(tmp_path_factory)
