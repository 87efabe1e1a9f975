"""A user adds a resource of their own the way the generated README says:
`manage.py startresource`, a column, the commands it prints, and a commit
through the hooks; the project's own tests then cover the new model too.
"""

from __future__ import annotations

import re

import pytest

from conftest import RenderedProject, assert_succeeded
from workspaces import Workspace, committed, workspace

__all__ = ["committed", "workspace"]  # the fixtures, for pytest


def serves_grpc(project: RenderedProject) -> bool:
    return project.answers.get("api", "grpc") == "grpc"


# One column of every kind Django ships that an API can carry, nullable and
# not (ImageField needs Pillow, which the project does not install; it maps
# like FileField, its base class). `small` declares its wire type, as the
# README's "Big integers" section advises.
ZOO_COLUMNS = """\
    flag = models.BooleanField(default=False)
    maybe = models.BooleanField(null=True, blank=True)
    notes = models.TextField(blank=True, default="")
    slug = models.SlugField(blank=True, default="")
    email = models.EmailField(blank=True, default="")
    homepage = models.URLField(blank=True, default="")
    address = models.GenericIPAddressField(null=True, blank=True)
    token = models.UUIDField(default=uuid.uuid4)
    day = models.DateField(null=True, blank=True)
    moment = models.DateTimeField(null=True, blank=True)
    clock = models.TimeField(null=True, blank=True)
    span = models.DurationField(null=True, blank=True)
    price = models.DecimalField(max_digits=15, decimal_places=4, default=0)
    rate = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    ratio = models.FloatField(default=0)
    ratio_or_none = models.FloatField(null=True, blank=True)
    small = models.SmallIntegerField(default=0)
    tiny = models.PositiveSmallIntegerField(default=0)
    count = models.PositiveIntegerField(null=True, blank=True)
    balance_micros = models.BigIntegerField(default=0)
    serial = models.PositiveBigIntegerField(default=0)
    blob = models.BinaryField(default=b"", blank=True, editable=True)
    document = models.JSONField(default=dict, blank=True)
    history = models.JSONField(default=list, blank=True)
    anything = models.JSONField(null=True, blank=True)
    attachment = models.FileField(blank=True, default="")
    color = models.CharField(max_length=5, choices=[("red", "Red"), ("green", "Green")], default="red")
    level = models.IntegerField(choices=[(1, "Low"), (2, "High")], default=1)
    grade = models.BigIntegerField(choices=[(2**40, "Wide")], null=True, blank=True)
"""

# The wire type each column's kind has (the README's table), as the .proto says it.
ZOO_WIRE_TYPES = {
    "flag": "bool", "maybe": "bool", "notes": "string", "email": "string",
    "address": "string", "token": "string", "moment": "string", "span": "string",
    "price": "string", "ratio": "double", "small": "int64", "tiny": "int32",
    "balance_micros": "int64", "blob": "bytes", "document": "google.protobuf.Value",
    "history": "google.protobuf.Value", "attachment": "string", "color": "string",
    "level": "int32", "grade": "int64",
}  # fmt: skip


# The command's variants: gRPC with REST and Envoy, and REST alone.
@pytest.mark.answer_sets("default", "rest")
def test_a_new_resource_with_a_column_of_every_kind_is_served_tested_and_committed(
    committed: Workspace,
) -> None:
    made = committed.start_resource("zoo", "Specimen", "import uuid\n\n", ZOO_COLUMNS)
    assert "uv run manage.py makemigrations zoo" in made.stdout
    package = committed.package
    models_py = package / "zoo" / "models.py"
    serializers_py = package / "zoo" / "serializers.py"
    committed.edit(
        serializers_py,
        "class SpecimenSerializer(",
        f"from {package.name}.platform.serializers import Int64Field\n\n\nclass SpecimenSerializer(",
    )
    committed.edit(
        serializers_py,
        '    class Meta:\n        model = Specimen\n        fields = ["id", "name"]',
        "    small = Int64Field(required=False)\n\n"
        '    class Meta:\n        model = Specimen\n        fields = "__all__"',
    )
    assert_succeeded(
        committed.run("uv", "run", "--frozen", "ruff", "check", "--fix", "--quiet", ".")
    )
    assert_succeeded(committed.run("uv", "run", "--frozen", "ruff", "format", "--quiet", "."))
    next_steps = re.findall(r"^  (uv run .+)$", made.stdout, flags=re.MULTILINE)
    for step in next_steps:  # makemigrations, protos, the new test file
        assert_succeeded(committed.run(*step.split()))
    if serves_grpc(committed.project):
        proto = committed.proto.read_text()
        assert "service SpecimenService" in proto
        response = proto[proto.index("message SpecimenResponse {") :]
        response = response[: response.index("}")]
        for field, wire in ZOO_WIRE_TYPES.items():
            assert re.search(rf"^\s*(optional )?{re.escape(wire)} {field} = ", response, re.M), (
                field,
                response,
            )

    # The conformance suite finds the new resource by itself, on every
    # transport the answers enable and both databases, and round-trips the
    # edges of every column's range; the contract tests honour the declared
    # type and give the same .proto on both databases.
    # One process (-n0) prints the `name PASSED` lines read below.
    contract = ["tests/service/test_contract.py"] if serves_grpc(committed.project) else []
    conformance = committed.run(
        "uv", "run", "--frozen", "pytest", "-v", "-p", "no:cacheprovider", "-n0",
        "tests/service/test_semantics.py", *contract, "-k", "Specimen or identical",
    )  # fmt: skip
    assert_succeeded(conformance)
    ran = set(re.findall(r"\[(sqlite|postgresql)-Specimen-\S+\] PASSED", conformance.stdout))
    assert ran == {"sqlite", "postgresql"}, conformance.stdout[-2000:]
    for case in ("edges_of_its_range_exactly", "outside_a_fields_range_is_refused"):
        assert case in conformance.stdout, case

    # A decimal wider than SQLite keeps is refused before anything is written.
    kept = {path: path.read_text() for path in (models_py, serializers_py)}
    committed.edit(
        models_py,
        "    price = models.DecimalField(max_digits=15,",
        "    price = models.DecimalField(max_digits=20,",
    )
    refused = committed.run("uv", "run", "--frozen", "manage.py", "check")
    assert refused.returncode != 0
    assert "zoo.Specimen.price: (service.E001) max_digits=20" in refused.stdout
    assert "Use max_digits=15 or fewer, or PostgreSQL" in refused.stdout
    models_py.write_text(kept[models_py])
    if serves_grpc(committed.project):
        # So is a computed reply field whose type nobody can tell.
        committed.edit(
            serializers_py,
            "    small = Int64Field(required=False)\n",
            "    small = Int64Field(required=False)\n"
            "    guessed = serializers.SerializerMethodField()\n\n"
            "    def get_guessed(self, specimen):  # type: ignore[no-untyped-def]\n"
            "        return specimen.small\n",
        )
        serializers_py.write_text(
            "from rest_framework import serializers\n" + serializers_py.read_text()
        )
        refused = committed.run("uv", "run", "--frozen", "manage.py", "check")
        assert refused.returncode != 0
        output = refused.stdout
        assert (
            "zoo.serializers.SpecimenSerializer.guessed: (service.E002) "
            "A SerializerMethodField without a wire type" in output
        )
        assert "Annotate its method's return type" in output
        serializers_py.write_text(kept[serializers_py])

    assert_succeeded(committed.run("uv", "run", "--frozen", "pre-commit", "install"))
    committed.git("add", "--all")
    commit = committed.run("git", "commit", "--message", "A specimen of every column kind")
    assert_succeeded(commit)
    assert committed.git("status", "--porcelain") == "", "a hook changed files"


def test_taken_names_are_refused_and_nothing_is_written(committed: Workspace) -> None:
    for app, model in [("inventory", "Shelf"), ("billing", "Item"), ("Billing", "Account")]:
        refused = committed.run("uv", "run", "--frozen", "manage.py", "startresource", app, model)
        assert refused.returncode != 0
        assert "CommandError: " in refused.stdout
        assert "Traceback" not in refused.stdout
        assert committed.git("status", "--porcelain") == ""
