"""TEST_ENGINES narrows the tests that run once per database engine (the
conformance stacks, the concurrency and contract tests); unset, they run on
every engine the models allow."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.support.processes import PROJECT_ROOT

# Each read is a new process: the engines are decided when the module is imported.
pytestmark = pytest.mark.slow

READ = "import django; django.setup(); from tests.support.databases import ENGINES; print(*ENGINES)"


def engines(test_engines: str | None) -> list[str]:
    env = {name: value for name, value in os.environ.items() if name != "TEST_ENGINES"}
    env["DJANGO_SETTINGS_MODULE"] = settings.SETTINGS_MODULE
    if test_engines is not None:
        env["TEST_ENGINES"] = test_engines
    result = subprocess.run(
        [sys.executable, "-c", READ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_unset_every_engine_the_models_allow_runs() -> None:
    assert engines(None) in (["sqlite", "postgresql"], ["postgresql"])


def test_each_engine_named_alone_is_the_only_one_that_runs() -> None:
    every = engines(None)
    for engine in every:
        assert engines(engine) == [engine]
    assert engines(",".join(reversed(every))) == every
