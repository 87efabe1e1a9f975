"""The recipes of the generated docs/contract-evolution.md, followed step by step.

Each test makes one kind of change to the example app of a fresh project, the
way its recipe says: where the recipe says `buf breaking` refuses the change,
the test sees that refusal (the finding the page quotes, word for word), then
takes the recipe's way through and commits through the installed hooks, which
must pass and leave nothing uncommitted. The snippets the tests write are
checked to stand in the page, so the page shows what was tested.
"""

from __future__ import annotations

import re

import pytest

from conftest import assert_succeeded
from workspaces import Workspace, committed, workspace

__all__ = ["committed", "workspace"]  # the fixtures, for pytest

# The recipes are about the .proto; one answer set shows them all.
pytestmark = [pytest.mark.grpc_only, pytest.mark.answer_sets("default")]

# Ends of the example serializers' Meta, where the recipes add `extra_kwargs`.
ITEM_FIELDS_END = '            "stock_value_cents",\n        ]\n'
WAREHOUSE_FIELDS = '        fields = ["id", "name", "capacity_grams"]\n'
# Where a declared field goes, and the import it needs.
ITEM_DECLARED = "    stock_value_cents = serializers.SerializerMethodField()\n"
BASE_IMPORT = "from my_service.platform.serializers import BigIntAwareModelProtoSerializer\n"

UNCHANGED = "The gRPC contract was already up to date."


class Change:
    """A work space on its own branch off main, with the hooks installed, and
    the steps the recipes are made of."""

    def __init__(self, space: Workspace) -> None:
        self.space = space
        self.models = space.package / "inventory" / "models.py"
        self.serializers = space.package / "inventory" / "serializers.py"
        # White space folded: the page wraps its prose.
        self.page = " ".join((space.path / "docs" / "contract-evolution.md").read_text().split())

    def shows(self, text: str) -> bool:
        return " ".join(text.split()) in self.page

    def edit(self, path_name: str, old: str, new: str) -> None:
        """Replaces `old` with `new` in models.py or serializers.py; every line
        the edit writes is one the page shows."""
        path = self.models if path_name == "models" else self.serializers
        for line in set(new.splitlines()) - set(old.splitlines()):
            assert self.shows(line), f"the page does not show {line.strip()!r}"
        self.space.edit(path, old, new)

    def manage(self, *args: str, answer: str | None = None) -> str:
        """A `manage.py` command that must succeed; `answer` is typed at its prompts."""
        result = self.space.run(
            "uv", "run", "--frozen", "python", "manage.py", *args, answer=answer
        )
        assert_succeeded(result)
        return result.stdout

    def regenerate(self) -> str:
        """The page's first two steps: migrations, then the contract."""
        self.manage("makemigrations")
        return self.manage("protos")

    def assert_refused(self, *findings: str) -> None:
        """`buf breaking` fails, naming each finding, as the page quotes it."""
        result = self.space.run("uv", "run", "--frozen", "python", "scripts/buf_breaking.py")
        assert result.returncode != 0, f"buf breaking passed:\n{result.stdout}"
        for finding in findings:
            assert self.shows(finding), f"the page does not quote {finding!r}"
            assert f"{finding}\n" in result.stdout, f"{finding!r} not reported:\n{result.stdout}"

    def assert_contract_as_committed(self) -> None:
        """The generated files are back as main has them."""
        generated = self.space.git("status", "--porcelain", "--", "my_service/v1", "web/src/gen")
        assert generated == "", f"the contract changed:\n{generated}"

    def commit(self) -> str:
        """`git add --all` and `git commit` through the hooks: every hook passes
        and changes nothing. Returns the hooks' report."""
        self.space.git("add", "--all")
        result = self.space.run("git", "commit", "--message", "Contract change")
        assert_succeeded(result)
        assert re.search(r"contract matches the serializers.*\.Passed$", result.stdout, re.M), (
            f"the hooks did not run:\n{result.stdout}"
        )
        assert "Failed" not in result.stdout
        assert self.space.git("status", "--porcelain") == "", "a hook changed files"
        return result.stdout


@pytest.fixture
def change(committed: Workspace, request: pytest.FixtureRequest) -> Change:
    if not (committed.path / ".git" / "hooks" / "pre-commit").exists():
        assert_succeeded(committed.run("uv", "run", "--frozen", "pre-commit", "install"))
    # On a branch, so that buf compares with main (and the reset finds main as it was).
    committed.git("switch", "--quiet", "--create", re.sub(r"\W+", "-", request.node.name))
    return Change(committed)


def test_adding_a_field_with_a_default_is_not_breaking(change: Change) -> None:
    """A new column with a default is a new `optional` field, numbered past
    every number the ledger has given; buf breaking passes."""
    change.edit(
        "models",
        "    gtins = models.JSONField(default=list, blank=True)\n",
        "    gtins = models.JSONField(default=list, blank=True)\n"
        '    notes = models.CharField(max_length=200, blank=True, default="")\n',
    )
    change.edit(
        "serializers", ITEM_FIELDS_END, ITEM_FIELDS_END.replace("]", '    "notes",\n        ]')
    )
    change.regenerate()
    assert "optional string notes = 16;" in change.space.proto.read_text()
    assert change.shows("optional string notes = 16;")
    hooks = change.commit()
    assert re.search(r"buf breaking \(against the default branch\)\.+Passed", hooks)


RENAMED_COLUMN = (
    "weight_kg = models.FloatField(default=0)",
    "weight = models.FloatField(default=0)",
)
RENAME_QUESTION = "Was item.weight_kg renamed to item.weight (a FloatField)?"


def test_renaming_the_field_clients_see_is_breaking_so_both_names_are_served(
    change: Change,
) -> None:
    """A field renamed in the model and the serializer is a deletion (refused);
    serving the column under a second name adds a field, which passes."""
    change.edit("models", *RENAMED_COLUMN)
    change.space.edit(change.serializers, '            "weight_kg",\n', '            "weight",\n')
    assert RENAME_QUESTION in change.manage("makemigrations", answer="y\n")
    change.manage("protos")
    change.assert_refused(
        'error FIELD_NO_DELETE_UNLESS_NAME_RESERVED : Previously present field "13" with name '
        '"weight_kg" on message "ItemResponse" was deleted without reserving the name "weight_kg".',
        'error FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED : Previously present field "13" with name '
        '"weight_kg" on message "ItemResponse" was deleted without reserving the number "13".',
    )
    take_back = "git checkout -- my_service/v1/ web/src/gen/"
    assert change.shows(take_back)
    change.space.git(*take_back.split()[1:])
    assert change.space.git("status", "--porcelain", "--", "my_service/v1", "web/src/gen") == ""
    # The user's own edits undone, for the way through.
    change.space.git("checkout", "--quiet", "--", ".")
    change.space.git("clean", "--quiet", "--force", "-d")

    both_names = ITEM_FIELDS_END.replace("]", '    "weight",\n        ]')
    change.edit(
        "serializers",
        ITEM_FIELDS_END,
        both_names + '        extra_kwargs = {"weight": {"source": "weight_kg"}}\n',
    )
    change.manage("protos")
    assert "optional double weight = 16;" in change.space.proto.read_text()
    assert change.shows("`uv run manage.py protos` adds `optional double weight = 16;`")
    hooks = change.commit()
    assert re.search(r"buf breaking \(against the default branch\)\.+Passed", hooks)


def test_renaming_only_the_column_keeps_the_name_clients_see(change: Change) -> None:
    """A model field renamed under a serializer field that keeps its name
    (`source`) leaves the contract as it was; mypy names the code still using
    the old attribute."""
    change.edit("models", *RENAMED_COLUMN)
    change.edit(
        "serializers",
        ITEM_FIELDS_END,
        ITEM_FIELDS_END + '        extra_kwargs = {"weight_kg": {"source": "weight"}}\n',
    )
    asked = change.manage("makemigrations", answer="y\n")
    assert RENAME_QUESTION in asked
    assert change.shows(f"asks `{RENAME_QUESTION}`")
    assert "Rename field weight_kg on item to weight" in asked
    assert UNCHANGED in change.manage("protos")

    uses = [
        ("benchmarks/data.py", "weight_kg=n / 8,", 1),
        ("benchmarks/ceiling.py", "i.weight_kg,", 1),  # SQL: not checked
    ]
    typed = change.space.hook("mypy")
    assert typed.returncode != 0
    assert typed.stdout.count('Unexpected attribute "weight_kg" for model "Item"') == 1
    assert change.shows('(`Unexpected attribute "weight_kg" for model "Item"`)')
    assert change.shows("reads `i.weight_kg`")
    for path, old, count in uses:
        new = old.replace("weight_kg", "weight")
        change.space.edit(change.space.path / path, old, new, count=count)
    change.commit()


def test_removing_a_field_is_breaking_until_it_is_retired(change: Change) -> None:
    """A removed field is refused until `protos --retire` reserves its number
    and name; then the commit goes through."""
    change.space.edit(change.serializers, '            "reorder_level",\n', "")
    assert "uv run manage.py protos --retire reorder_level" in change.regenerate()
    change.assert_refused(
        'error FIELD_NO_DELETE_UNLESS_NAME_RESERVED : Previously present field "8" with name '
        '"reorder_level" on message "ItemResponse" was deleted without reserving the name '
        '"reorder_level".'
    )
    assert change.shows("uv run manage.py protos --retire reorder_level")
    change.manage("protos", "--retire", "reorder_level")
    proto = change.space.proto.read_text()
    assert "  reserved 8;\n" in proto
    assert '  reserved "reorder_level";\n' in proto
    hooks = change.commit()
    assert re.search(r"buf breaking \(against the default branch\)\.+Passed", hooks)


def assert_project_contract_tests_pass(change: Change, field: str) -> None:
    """The project's own tests/service/test_contract.py passes on the pinned field."""
    result = change.space.run(
        "uv",
        "run",
        "--frozen",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-n0",  # one file: one worker would run it all
        "tests/service/test_contract.py",
    )
    assert_succeeded(result)


def test_widening_a_column_keeps_int32_on_the_wire(change: Change) -> None:
    """int32 → int64 is refused (FIELD_SAME_TYPE); declaring the field
    Int32Field keeps the contract as it was."""
    change.edit(
        "models",
        "quantity = models.IntegerField(default=0)",
        "quantity = models.BigIntegerField(default=0)",
    )
    change.regenerate()
    change.assert_refused(
        'error FIELD_SAME_TYPE : Field "7" with name "quantity" on message "ItemResponse" changed '
        'type from "int32" to "int64".'
    )
    change.edit(
        "serializers", ITEM_DECLARED, ITEM_DECLARED + "    quantity = Int32Field(required=False)\n"
    )
    change.edit(
        "serializers",
        BASE_IMPORT,
        "from my_service.platform.serializers import BigIntAwareModelProtoSerializer, Int32Field\n",
    )
    change.manage("protos")
    change.assert_contract_as_committed()
    change.commit()
    assert_project_contract_tests_pass(change, "quantity")


def test_narrowing_a_column_keeps_int64_on_the_wire_and_refuses_what_it_cannot_hold(
    change: Change,
) -> None:
    """int64 → int32 is refused (FIELD_SAME_TYPE); declaring the field
    Int64Field with int32's range keeps the contract, and the serializer
    refuses a value the narrower column cannot hold."""
    change.edit(
        "models",
        "balance_micros = models.BigIntegerField(default=0)",
        "balance_micros = models.IntegerField(default=0)",
    )
    change.regenerate()
    change.assert_refused(
        'error FIELD_SAME_TYPE : Field "11" with name "balance_micros" on message "ItemResponse" '
        'changed type from "int64" to "int32".'
    )
    change.edit(
        "serializers",
        ITEM_DECLARED,
        ITEM_DECLARED + "    balance_micros = Int64Field(required=False, min_value=INT32_RANGE[0], "
        "max_value=INT32_RANGE[1])\n",
    )
    change.edit(
        "serializers",
        BASE_IMPORT,
        "from my_service.platform.serializers import (\n"
        "    INT32_RANGE,\n"
        "    BigIntAwareModelProtoSerializer,\n"
        "    Int64Field,\n"
        ")\n",
    )
    change.manage("protos")
    change.assert_contract_as_committed()
    errors = change.manage(
        "shell",
        "--command",
        "from my_service.inventory.serializers import ItemSerializer\n"
        "s = ItemSerializer(data={'balance_micros': 2**31}, partial=True)\n"
        "print(s.is_valid(), [str(e) for e in s.errors['balance_micros']])",
    )
    refusal = "Ensure this value is less than or equal to 2147483647."
    assert f"False [{refusal!r}]" in errors
    assert change.shows(refusal)
    change.commit()
    assert_project_contract_tests_pass(change, "balance_micros")


def test_adding_a_default_keeps_the_field_required_in_the_api(change: Change) -> None:
    """A default makes the field `optional` (FIELD_SAME_CARDINALITY);
    `required: True` in extra_kwargs keeps the contract as it was."""
    change.edit(
        "models",
        "name = models.CharField(max_length=100, unique=True)",
        'name = models.CharField(max_length=100, unique=True, default="unnamed")',
    )
    change.regenerate()
    change.assert_refused(
        'error FIELD_SAME_CARDINALITY : Field "2" with name "name" on message "WarehouseResponse" '
        'changed cardinality from "optional with implicit presence" to "optional with explicit '
        'presence".'
    )
    change.edit(
        "serializers",
        WAREHOUSE_FIELDS,
        WAREHOUSE_FIELDS + '        extra_kwargs = {"name": {"required": True}}\n',
    )
    change.manage("protos")
    change.assert_contract_as_committed()
    change.commit()


SKU = "sku = models.CharField(max_length=64, unique=True)"
WAREHOUSE = (
    'warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="items")'
)
NULLABLE_WAREHOUSE = (  # as ruff formats it
    "warehouse = models.ForeignKey(\n"
    '        Warehouse, on_delete=models.PROTECT, related_name="items", null=True\n'
    "    )"
)


def optional_now(field: str, number: int) -> str:
    return (
        f'error FIELD_SAME_CARDINALITY : Field "{number}" with name "{field}" on message '
        '"ItemResponse" changed cardinality from "optional with implicit presence" to '
        '"optional with explicit presence".'
    )


def test_not_required_makes_a_field_optional_and_a_nullable_text_is_refused(change: Change) -> None:
    """required=False on the serializer field makes the field `optional`
    (FIELD_SAME_CARDINALITY), as blank=True and null=True on the column do
    (the two tests below); null=True on a text column is refused by ruff
    (DJ001)."""
    change.space.edit(
        change.serializers,
        ITEM_FIELDS_END,
        ITEM_FIELDS_END + '        extra_kwargs = {"sku": {"required": False}}\n',
    )
    change.manage("protos")
    change.assert_refused(optional_now("sku", 2))
    assert change.shows("`blank=True` or `null=True` on the column, or `required=False` on the")
    change.space.git("checkout", "--quiet", "--", ".")

    change.space.edit(change.models, SKU, SKU.replace(")", ", null=True)"))
    result = change.space.hook("ruff-check")
    assert result.returncode != 0
    assert "DJ001" in result.stdout
    assert change.shows("`null=True` is refused by the `ruff-check` hook (`DJ001`)")


def test_a_blank_column_keeps_the_field_required_in_the_api(change: Change) -> None:
    """blank=True on the column, with `required: True` in extra_kwargs,
    leaves the contract as it was."""
    change.edit("models", SKU, SKU.replace(")", ", blank=True)"))
    change.regenerate()
    change.assert_refused(optional_now("sku", 2))
    change.edit(
        "serializers",
        ITEM_FIELDS_END,
        ITEM_FIELDS_END + '        extra_kwargs = {"sku": {"required": True}}\n',
    )
    change.manage("protos")
    change.assert_contract_as_committed()
    change.commit()


def test_a_nullable_column_keeps_the_field_required_and_not_null_in_the_api(
    change: Change,
) -> None:
    """null=True on the column, with `required: True, allow_null: False` in
    extra_kwargs, leaves the contract as it was."""
    change.edit("models", WAREHOUSE, NULLABLE_WAREHOUSE)
    change.regenerate()
    change.assert_refused(optional_now("warehouse", 3))
    change.edit(
        "serializers",
        ITEM_FIELDS_END,
        ITEM_FIELDS_END
        + '        extra_kwargs = {"warehouse": {"required": True, "allow_null": False}}\n',
    )
    change.manage("protos")
    change.assert_contract_as_committed()
    change.commit()


def test_making_a_field_required_keeps_its_default_in_the_api(change: Change) -> None:
    """Dropping a column's default makes the field required, no longer
    `optional` (FIELD_SAME_CARDINALITY); a `default` in extra_kwargs keeps the
    contract as it was."""
    change.edit(
        "models",
        "shelf = models.PositiveIntegerField(default=0)",
        "shelf = models.PositiveIntegerField()",
    )
    change.regenerate()
    change.assert_refused(
        'error FIELD_SAME_CARDINALITY : Field "9" with name "shelf" on message "ItemResponse" '
        'changed cardinality from "optional with explicit presence" to "optional with implicit '
        'presence".'
    )
    change.edit(
        "serializers",
        ITEM_FIELDS_END,
        ITEM_FIELDS_END + '        extra_kwargs = {"shelf": {"default": 0}}\n',
    )
    change.manage("protos")
    change.assert_contract_as_committed()
    change.commit()
