"""The service's semantics (docs/semantics.md), case by case, on every transport
these answers enable and on SQLite and PostgreSQL, for every resource the
project serves: yours too, as soon as it is registered.

Rows are generated from the serializers (hypothesis); each case checks what
was answered and what was stored.
"""

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from tests.support.cases import (
    LISTS,
    MISSING_ID,
    ONE_EXAMPLE,
    PLAIN,
    PROTECTED,
    REFERENCING,
    RESOURCES,
    UNIQUE,
    acknowledged,
    case,
    count,
    create,
    list_fields,
    parents,
    refused_for_its_reply,
    scalar_fields,
    stored,
    too_long,
    writable_view,
)
from tests.support.conformance import (
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    INVALID_ARGUMENT,
    NOT_FOUND,
    Resource,
    canonical,
    extreme_values,
    protecting,
    refused_values,
    row_strategy,
    unique_text,
    value_strategy,
    written,
)
from tests.support.stacks import TRANSPORTS, Stack

pytestmark = pytest.mark.slow  # real processes: not in the fast tier (README, "Test it")

# ------------------------------------------------------------ reads and writes


@case(TRANSPORTS, RESOURCES)
def test_a_created_row_reads_back_as_it_was_acknowledged(
    stack: Stack, name: str, resource: Resource, data: st.DataObject
) -> None:
    transport = stack.transports[name]
    row = data.draw(row_strategy(resource, parents(transport, resource, data)))

    rows = count(stack, resource)
    outcome = transport.create(resource, row)
    if outcome.code != 0:
        assert count(stack, resource) == rows, "a refused write was stored"
    created = acknowledged(outcome, resource)

    assert canonical(resource, created) == stored(transport, resource, created["id"])
    answered = canonical(resource, created)
    assert {key: answered[key] for key in row} == written(resource, row)


@case(TRANSPORTS, PLAIN)
def test_a_partial_update_changes_only_the_named_field(
    stack: Stack, name: str, resource: Resource, data: st.DataObject
) -> None:
    transport = stack.transports[name]
    fields = scalar_fields(resource)
    created = create(transport, resource, data)
    field = data.draw(st.sampled_from(fields))
    value = data.draw(value_strategy(resource, field))

    outcome = transport.partial_update(resource, created["id"], {field: value})
    if outcome.code != 0:
        assert stored(transport, resource, created["id"]) == canonical(resource, created)
    answered = acknowledged(outcome, resource)

    expected = {**canonical(resource, created), **written(resource, {field: value})}
    assert writable_view(resource, canonical(resource, answered)) == writable_view(
        resource, expected
    )
    assert stored(transport, resource, created["id"]) == canonical(resource, answered)


@case(TRANSPORTS, PLAIN, ONE_EXAMPLE)
def test_every_field_stores_and_answers_the_edges_of_its_range_exactly(
    stack: Stack, name: str, resource: Resource, data: st.DataObject
) -> None:
    """The widest integers and decimals, the largest and smallest doubles, the
    first and last instants, the longest texts, every byte, every choice and
    null: whatever the field's kind, the database and the transport keep
    it to the last digit. A value a computed field of the reply cannot carry
    is refused and changes nothing."""
    transport = stack.transports[name]
    created = create(transport, resource, data)
    current = canonical(resource, created)
    for field in scalar_fields(resource):
        for value in extreme_values(resource, field):
            outcome = transport.partial_update(resource, created["id"], {field: value})
            if refused_for_its_reply(outcome, resource):
                assert stored(transport, resource, created["id"]) == current
                continue
            answered = canonical(resource, outcome.ok())
            assert answered[field] == written(resource, {field: value})[field], (field, value)
            assert stored(transport, resource, created["id"]) == answered, (field, value)
            current = answered


@case(TRANSPORTS, PLAIN, ONE_EXAMPLE)
def test_a_value_just_outside_a_fields_range_is_refused_naming_the_field_and_changes_nothing(
    stack: Stack, name: str, resource: Resource, data: st.DataObject
) -> None:
    """One past the widest integer or decimal, an impossible date, an instant
    beyond the year 9999 once in UTC, a duration SQLite cannot hold, text one
    character too long, a file name outside the storage, a choice not offered:
    INVALID_ARGUMENT naming the field, on every transport and database alike."""
    transport = stack.transports[name]
    created = create(transport, resource, data)
    for field in scalar_fields(resource):
        for value in refused_values(resource, field):
            outcome = transport.partial_update(resource, created["id"], {field: value})
            named = f"{field}.0" if isinstance(value, list) else field  # a list names the item
            try:
                outcome.refused(INVALID_ARGUMENT, named)
            except AssertionError as error:
                raise AssertionError(f"{field} = {value!r}: {error}") from None
    assert stored(transport, resource, created["id"]) == canonical(resource, created)


@case(TRANSPORTS, RESOURCES)
def test_a_partial_update_that_names_no_field_is_refused_and_changes_nothing(
    stack: Stack, name: str, resource: Resource, data: st.DataObject
) -> None:
    transport = stack.transports[name]
    created = create(transport, resource, data)

    transport.partial_update(resource, created["id"], {}).refused(INVALID_ARGUMENT)

    assert stored(transport, resource, created["id"]) == canonical(resource, created)


@case(TRANSPORTS, RESOURCES)
def test_an_update_replaces_the_row_as_a_create_would_write_it(
    stack: Stack, name: str, resource: Resource, data: st.DataObject
) -> None:
    transport = stack.transports[name]
    created = create(transport, resource, data)
    # Only the required fields: every other one must take its create-time value.
    minimal = data.draw(
        row_strategy(resource, parents(transport, resource, data), required_only=True)
    )

    updated = acknowledged(transport.update(resource, created["id"], minimal), resource)
    fresh_values = {key: unique_text(40) for key in resource.unique_fields()}
    fresh = acknowledged(transport.create(resource, {**minimal, **fresh_values}), resource)

    # A default made afresh for each row (uuid4, now) differs between the two.
    ignored = {"id", *resource.unique_fields(), *resource.fresh_defaults()}

    def comparable(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in canonical(resource, row).items() if k not in ignored}

    assert comparable(updated) == comparable(fresh)
    assert stored(transport, resource, created["id"]) == canonical(resource, updated)


# ------------------------------------------------------------ addressing rows


@case(TRANSPORTS, RESOURCES)
def test_a_row_that_does_not_exist_is_not_found(
    stack: Stack, name: str, resource: Resource, data: st.DataObject
) -> None:
    transport = stack.transports[name]
    row = data.draw(row_strategy(resource, parents(transport, resource, data)))
    rows = count(stack, resource)

    transport.retrieve(resource, MISSING_ID).refused(NOT_FOUND)
    transport.update(resource, MISSING_ID, row).refused(NOT_FOUND)
    fields = scalar_fields(resource)
    if fields:
        transport.partial_update(resource, MISSING_ID, {fields[0]: row[fields[0]]}).refused(
            NOT_FOUND
        )
    transport.destroy(resource, MISSING_ID).refused(NOT_FOUND)

    assert count(stack, resource) == rows, "an update of a missing row inserted it"


# ------------------------------------------------------------ conflicts


@case(TRANSPORTS, UNIQUE)
def test_a_taken_unique_value_is_already_exists_and_writes_nothing(
    stack: Stack, name: str, resource: Resource, data: st.DataObject
) -> None:
    transport = stack.transports[name]
    first = create(transport, resource, data)
    second = create(transport, resource, data)
    field = data.draw(st.sampled_from(resource.unique_fields()))
    row = data.draw(row_strategy(resource, parents(transport, resource, data)))
    rows = count(stack, resource)

    transport.create(resource, {**row, field: first[field]}).refused(ALREADY_EXISTS, field)
    transport.partial_update(resource, second["id"], {field: first[field]}).refused(
        ALREADY_EXISTS, field
    )

    assert count(stack, resource) == rows
    assert stored(transport, resource, second["id"]) == canonical(resource, second)


@case(TRANSPORTS, PROTECTED)
def test_deleting_a_row_that_others_reference_is_a_failed_precondition(
    stack: Stack, name: str, resource: Resource, data: st.DataObject
) -> None:
    transport = stack.transports[name]
    parent = create(transport, resource, data)
    child_resource, _ = data.draw(st.sampled_from(protecting(resource)))
    references = {**parents(transport, child_resource, data), resource.name: parent["id"]}
    child = data.draw(row_strategy(child_resource, references))
    acknowledged(transport.create(child_resource, child), child_resource)

    transport.destroy(resource, parent["id"]).refused(FAILED_PRECONDITION)

    assert stored(transport, resource, parent["id"]) == canonical(resource, parent)


@case(TRANSPORTS, REFERENCING)
def test_a_reference_to_a_missing_row_is_an_invalid_argument_naming_the_field(
    stack: Stack, name: str, resource: Resource, data: st.DataObject
) -> None:
    transport = stack.transports[name]
    field = data.draw(st.sampled_from(sorted(resource.required_references())))
    row = data.draw(row_strategy(resource, parents(transport, resource, data)))
    rows = count(stack, resource)

    transport.create(resource, {**row, field: MISSING_ID}).refused(INVALID_ARGUMENT, field)

    assert count(stack, resource) == rows


# ------------------------------------------------------------ bounded requests


@case(TRANSPORTS, LISTS)
def test_a_list_longer_than_the_limit_is_refused_naming_the_field_and_writes_nothing(
    stack: Stack, name: str, resource: Resource, data: st.DataObject
) -> None:
    transport = stack.transports[name]
    created = create(transport, resource, data)
    field = data.draw(st.sampled_from(list_fields(resource)))
    long = too_long(resource, field, data)
    row = data.draw(row_strategy(resource, parents(transport, resource, data)))
    rows = count(stack, resource)

    transport.create(resource, {**row, field: long}).refused(INVALID_ARGUMENT, field)
    transport.partial_update(resource, created["id"], {field: long}).refused(
        INVALID_ARGUMENT, field
    )

    assert count(stack, resource) == rows
    assert stored(transport, resource, created["id"]) == canonical(resource, created)


# ------------------------------------------------------------ the written rules


def test_every_test_the_semantics_page_cites_exists() -> None:
    tests = Path(__file__).parent.parent
    page = (tests.parent / "docs" / "semantics.md").read_text(encoding="utf-8")
    cited = set(re.findall(r"`(test_[a-z0-9_]+)`", page))
    defined = {
        name
        for module in tests.rglob("test_*.py")
        for name in re.findall(r"^def (test_[a-z0-9_]+)", module.read_text(encoding="utf-8"), re.M)
    }
    assert cited, "the page cites no test"
    assert cited <= defined, f"cited but not defined: {sorted(cited - defined)}"
