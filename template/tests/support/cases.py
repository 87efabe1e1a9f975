"""The steps the conformance tests share: rows made with the rows they need,
rows read back, and the resources each kind of case applies to."""

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from tests.support.conformance import (
    INVALID_ARGUMENT,
    Outcome,
    Resource,
    canonical,
    item_strategy,
    protecting,
    resource_named,
    resources,
    row_strategy,
    value_strategy,
    written,
)
from tests.support.databases import query
from tests.support.field_values import json_integer
from tests.support.stacks import Stack
from tests.support.transports import Transport

# Few examples per case, and no shrinking: a case runs on every transport and
# engine, and each example makes real calls (the failing example is printed).
CASES = settings(
    max_examples=3,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# An id no row has: the ids are a sequence from 1.
MISSING_ID = 2**62 + 12345

RESOURCES = resources()


def by_name(items: list[Resource]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("resource", items, ids=[each.name for each in items])


every_resource = by_name(RESOURCES)

Test = Callable[..., None]


def case(
    transports: list[str], items: list[Resource], examples: settings = CASES
) -> Callable[[Test], Test]:
    """A conformance case: run on each of `transports` and each resource of
    `items` (and each engine, through the `stack` fixture), with `data` drawn
    by hypothesis."""

    def decorate(test: Test) -> Test:
        test = examples(given(data=st.data())(test))
        return pytest.mark.parametrize("name", transports)(by_name(items)(test))

    return decorate


def parents(transport: Transport, resource: Resource, data: st.DataObject) -> dict[str, Any]:
    """A row of each model `resource` must reference, created through `transport`."""
    made: dict[str, Any] = {}
    for model in resource.required_references().values():
        if model.__name__ not in made:
            parent = resource_named(model.__name__)
            row = data.draw(row_strategy(parent, parents(transport, parent, data)))
            made[model.__name__] = acknowledged(transport.create(parent, row), parent)["id"]
    return made


def create(transport: Transport, resource: Resource, data: st.DataObject) -> dict[str, Any]:
    row = data.draw(row_strategy(resource, parents(transport, resource, data)))
    return acknowledged(transport.create(resource, row), resource)


def acknowledged(outcome: Outcome, resource: Resource) -> dict[str, Any]:
    """The row a write answered. A valid write whose reply cannot be encoded
    (a computed value beyond its wire type) is refused as INVALID_ARGUMENT
    naming the computed field, and rolled back: hypothesis tries another row."""
    if refused_for_its_reply(outcome, resource):
        assume(False)
    return outcome.ok()


def refused_for_its_reply(outcome: Outcome, resource: Resource) -> bool:
    """Whether a write was refused only because a computed field of its reply
    could not carry the result."""
    computed = {name for name, each in resource.fields().items() if each.read_only}
    named = {name for name, _ in outcome.violations}
    return outcome.code == INVALID_ARGUMENT and bool(named) and named <= computed


def count(stack: Stack, resource: Resource) -> int:
    """Rows of `resource`'s table, read from the database, not the service."""
    rows = query(stack.database_url, f"SELECT COUNT(*) FROM {resource.model._meta.db_table}")  # noqa: S608 - a table name from the models
    return int(rows[0][0])


def stored(transport: Transport, resource: Resource, id: Any) -> dict[str, Any]:
    return canonical(resource, transport.retrieve(resource, id).ok())


def scalar_fields(resource: Resource) -> list[str]:
    """Writable fields that are neither relations nor unique."""
    unique = set(resource.unique_fields())
    references = set(resource.references())
    return [
        name
        for name, each in resource.writable().items()
        if name not in unique and name not in references and not hasattr(each, "child_relation")
    ]


def changed_value(resource: Resource, name: str, current: Any, data: st.DataObject) -> Any:
    """A valid value of `name` that differs from `current`, so a lost write shows."""
    return data.draw(
        value_strategy(resource, name).filter(
            lambda value: written(resource, {name: value})[name] != current
        )
    )


def writable_view(resource: Resource, row: dict[str, Any]) -> dict[str, Any]:
    """The id and the writable fields of a canonical row (computed fields may
    follow the writable ones)."""
    keep = {"id", *resource.writable()}
    return {name: value for name, value in row.items() if name in keep}


def list_fields(resource: Resource) -> list[str]:
    """Writable lists: to-many keys and repeated values."""
    return [
        name
        for name, each in resource.writable().items()
        if isinstance(each, serializers.ManyRelatedField | serializers.ListField)
    ]


def too_long(resource: Resource, name: str, data: st.DataObject) -> list[Any]:
    """A list for field `name` of valid items, one more than it may hold:
    API_MAX_LIST_LENGTH, or an ArrayField's smaller `size`."""
    each = resource.writable()[name]
    if isinstance(each, serializers.ManyRelatedField):
        item: Any = json_integer(each.child_relation, 1)
    else:
        item = data.draw(item_strategy(resource, name))
    limit = getattr(each, "max_length", None) or django_settings.API_MAX_LIST_LENGTH
    return [item] * (limit + 1)


UNIQUE = [each for each in RESOURCES if each.unique_fields()]
PROTECTED = [each for each in RESOURCES if protecting(each)]
REFERENCING = [each for each in RESOURCES if each.required_references()]
PLAIN = [each for each in RESOURCES if scalar_fields(each)]
LISTS = [each for each in RESOURCES if list_fields(each)]
# One example per concurrency case: each runs several rounds of racing calls.
ONE_EXAMPLE = settings(CASES, max_examples=1)
TWO_FIELDS = [each for each in RESOURCES if len(scalar_fields(each)) >= 2]


def stored_value(url: str, resource: Resource, id: Any, field: str) -> Any:
    """The stored value of `field` of row `id`, read from the database, not the service."""
    column: Any = resource.model._meta.get_field(resource.writable()[field].source)
    table = resource.model._meta.db_table
    statement = f'SELECT "{column.column}" FROM "{table}" WHERE id = {int(id)}'  # noqa: S608 - names from the models
    return query(url, statement)[0][0]
