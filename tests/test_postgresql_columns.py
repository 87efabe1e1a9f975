"""A user adds a resource with PostgreSQL's own columns (ArrayField,
HStoreField) the way the generated README says: `manage.py startresource`,
`django.contrib.postgres` and the hstore extension, the printed commands, and
a commit through the hooks. The project's own tests then cover the new model
on PostgreSQL alone, and `manage.py check` refuses what cannot work.
"""

from __future__ import annotations

import re

import pytest

from conftest import assert_succeeded, run_in
from workspaces import Workspace, committed, workspace

__all__ = ["committed", "workspace"]  # the fixtures, for pytest

# Arrays of each item kind, with and without `size`, and maps that are and
# are not nullable (the checks below refuse a nullable array with gRPC).
COLUMNS = """\
    counts = ArrayField(models.IntegerField(), default=list, blank=True)
    pair = ArrayField(models.SmallIntegerField(), size=2, default=list, blank=True)
    micros = ArrayField(models.BigIntegerField(), default=list, blank=True)
    tags = ArrayField(models.CharField(max_length=5), default=list, blank=True)
    words = ArrayField(models.TextField(), default=list, blank=True)
    prices = ArrayField(
        models.DecimalField(max_digits=8, decimal_places=2), default=list, blank=True
    )
    labels = HStoreField(default=dict, blank=True)
    extra = HStoreField(null=True, blank=True)
"""

# The wire type each column has (the README's table), as the .proto says it.
WIRE_TYPES = {
    "counts": "repeated int32", "pair": "repeated int32", "micros": "repeated int64",
    "tags": "repeated string", "words": "repeated string", "prices": "repeated string",
    "labels": "optional google.protobuf.Struct", "extra": "optional google.protobuf.Struct",
}  # fmt: skip


@pytest.mark.answer_sets("postgresql")
def test_a_resource_with_postgresql_columns_is_served_tested_and_committed(
    committed: Workspace,
) -> None:
    made = committed.start_resource(
        "survey",
        "Sample",
        "from django.contrib.postgres.fields import ArrayField, HStoreField\n",
        COLUMNS,
    )
    package = committed.package
    models_py = package / "survey" / "models.py"
    committed.edit(
        package / "survey" / "serializers.py", 'fields = ["id", "name"]', 'fields = "__all__"'
    )
    # The README's steps for PostgreSQL columns: the app, then the extension
    # in the migration that makes the first HStoreField.
    committed.edit(
        package / "settings.py",
        '    "django.contrib.auth",\n',
        '    "django.contrib.auth",\n    "django.contrib.postgres",\n',
    )
    next_steps = re.findall(r"^  (uv run .+)$", made.stdout, flags=re.MULTILINE)
    assert next_steps[0] == "uv run manage.py makemigrations survey"
    assert_succeeded(committed.run(*next_steps[0].split()))
    migration = package / "survey" / "migrations" / "0001_initial.py"
    committed.edit(
        migration,
        "from django.db import migrations, models\n",
        "from django.contrib.postgres.operations import HStoreExtension\n"
        "from django.db import migrations, models\n",
    )
    committed.edit(
        migration, "    operations = [\n", "    operations = [\n        HStoreExtension(),\n"
    )
    for step in next_steps[1:]:  # protos, the new test file
        assert_succeeded(committed.run(*step.split()))
    proto = committed.proto.read_text()
    response = proto[proto.index("message SampleResponse {") :]
    response = response[: response.index("}")]
    for field, wire in WIRE_TYPES.items():
        assert re.search(rf"^\s*{re.escape(wire)} {field} = ", response, re.M), (field, response)

    # The conformance suite runs the new resource on PostgreSQL alone (SQLite
    # cannot make its table) on every transport, edges and refusals included;
    # the contract tests expect each item's own type.
    # One process (-n0) prints the `name PASSED` lines read below.
    conformance = committed.run(
        "uv", "run", "--frozen", "pytest", "-v", "-p", "no:cacheprovider", "-n0",
        "tests/service/test_semantics.py", "tests/service/test_contract.py", "-k", "Sample or identical",
    )  # fmt: skip
    assert_succeeded(conformance)
    ran = set(re.findall(r"\[(sqlite|postgresql)-Sample-(\S+)\] PASSED", conformance.stdout))
    assert {engine for engine, _ in ran} == {"postgresql"}, conformance.stdout[-2000:]
    assert {"grpc", "envoy-json", "rest"} <= {transport for _, transport in ran}
    for case in ("edges_of_its_range_exactly", "outside_a_fields_range_is_refused"):
        assert case in conformance.stdout, case
    assert "test_contract_is_identical_whichever_database_generates_it[postgresql] PASSED" in (
        conformance.stdout
    )
    assert "[sqlite]" not in conformance.stdout

    # SQLite is refused before any migration runs, naming the column and the fix
    # (the hooks, which need no database, still run with a SQLite URL).
    on_sqlite = {**committed.env, "DATABASE_URL": f"sqlite:///{committed.path.parent}/x.sqlite3"}
    refused = run_in(committed.path, ("uv", "run", "--frozen", "manage.py", "migrate"), on_sqlite)
    assert refused.returncode != 0
    output = refused.stdout
    assert "survey.Sample.counts: (service.E003) ArrayField is a PostgreSQL column" in output
    assert "survey.Sample.labels: (service.E003) HStoreField is a PostgreSQL column" in output
    assert "Point DATABASE_URL at PostgreSQL" in output

    # Arrays a gRPC list cannot carry are refused too.
    kept = models_py.read_text()
    committed.edit(
        models_py,
        "    labels = HStoreField(",
        "    grid = ArrayField(ArrayField(models.IntegerField()), default=list)\n"
        "    gaps = ArrayField(models.IntegerField(null=True), default=list)\n"
        "    maybe = ArrayField(models.IntegerField(), null=True)\n"
        "    labels = HStoreField(",
    )
    refused = committed.run("uv", "run", "--frozen", "manage.py", "check")
    assert refused.returncode != 0
    output = refused.stdout
    assert "survey.Sample.grid: (service.E004) An ArrayField of ArrayFields" in output
    assert "survey.Sample.gaps: (service.E004) An ArrayField whose items may be null" in output
    assert "survey.Sample.maybe: (service.E004) An ArrayField with null=True" in output
    assert "give it default=list" in output
    models_py.write_text(kept)

    assert_succeeded(committed.run("uv", "run", "--frozen", "pre-commit", "install"))
    committed.git("add", "--all")
    # With a SQLite URL, as CI's hooks job runs them: the hooks need no database.
    commit = run_in(
        committed.path,
        ("git", "commit", "--message", "A sample of PostgreSQL's columns"),
        on_sqlite,
    )
    assert_succeeded(commit)
    assert committed.git("status", "--porcelain") == "", "a hook changed files"
