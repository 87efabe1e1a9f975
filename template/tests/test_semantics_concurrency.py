"""Concurrent writers on the same rows lose no acknowledged write
(docs/semantics.md), on SQLite and PostgreSQL, for every resource served.

Two clients call at once through a barrier; where there are two server
processes, each reaches its own, so the writes race as they do in production.
"""

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from hypothesis import strategies as st

from tests.cases import (
    ONE_EXAMPLE,
    PLAIN,
    TWO_FIELDS,
    UNIQUE,
    case,
    count,
    create,
    parents,
    scalar_fields,
    stored,
)
from tests.conformance import (
    ALREADY_EXISTS,
    NOT_FOUND,
    OK,
    Outcome,
    canonical,
    row_strategy,
    value_strategy,
    written,
)
from tests.stacks import RACING, Stack

pytestmark = pytest.mark.slow  # real processes: not in the fast tier (README, "Test it")

ROUNDS = 6
RACERS = 6


def together(*calls: Callable[[], Outcome]) -> list[Outcome]:
    """Runs the calls at the same moment, one thread each."""
    start = threading.Barrier(len(calls))
    results: list[Outcome | None] = [None] * len(calls)

    def run(index: int) -> None:
        start.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(result is not None for result in results), "a call did not return"
    return [result for result in results if result is not None]


def changed_value(resource: Any, name: str, current: Any, data: st.DataObject) -> Any:
    """A valid value of `name` that differs from `current`, so a lost write shows."""
    return data.draw(
        value_strategy(resource, name).filter(
            lambda value: written(resource, {name: value})[name] != current
        )
    )


@case(RACING, TWO_FIELDS, ONE_EXAMPLE)
def test_concurrent_partial_updates_of_different_fields_both_stay_written(
    stack: Stack, name: str, resource: Any, data: st.DataObject
) -> None:
    one, two = stack.transports[name], stack.second[name]
    for _ in range(ROUNDS):
        created = canonical(resource, create(one, resource, data))
        first, second = data.draw(st.permutations(scalar_fields(resource)))[:2]
        values = {
            first: changed_value(resource, first, created[first], data),
            second: changed_value(resource, second, created[second], data),
        }

        outcomes = together(
            partial(one.partial_update, resource, created["id"], {first: values[first]}),
            partial(two.partial_update, resource, created["id"], {second: values[second]}),
        )

        final = stored(one, resource, created["id"])
        for field, outcome in zip((first, second), outcomes, strict=True):
            assert outcome.code in {OK, 3}, outcome  # 3: a computed value overflowed
            expected = written(resource, {field: values[field]})[field]
            if outcome.code == OK:
                assert final[field] == expected, f"the acknowledged write of {field} was lost"
            else:
                assert final[field] == created[field], "a refused write was stored"


@case(RACING, TWO_FIELDS, ONE_EXAMPLE)
def test_concurrent_partial_updates_of_one_field_leave_one_of_the_values(
    stack: Stack, name: str, resource: Any, data: st.DataObject
) -> None:
    one, two = stack.transports[name], stack.second[name]
    for _ in range(ROUNDS):
        created = canonical(resource, create(one, resource, data))
        field = data.draw(st.sampled_from(scalar_fields(resource)))
        values = [changed_value(resource, field, created[field], data) for _ in range(2)]

        outcomes = together(
            partial(one.partial_update, resource, created["id"], {field: values[0]}),
            partial(two.partial_update, resource, created["id"], {field: values[1]}),
        )

        final = stored(one, resource, created["id"])
        acknowledged = [
            written(resource, {field: value})[field]
            for value, outcome in zip(values, outcomes, strict=True)
            if outcome.code == OK
        ]
        if acknowledged:
            assert final[field] in acknowledged
        untouched = {k: v for k, v in created.items() if k != field and k in resource.writable()}
        assert {k: final[k] for k in untouched} == untouched, "a torn row"


@case(RACING, UNIQUE, ONE_EXAMPLE)
def test_racing_creates_of_one_unique_value_store_one_row_and_refuse_the_rest(
    stack: Stack, name: str, resource: Any, data: st.DataObject
) -> None:
    clients = [stack.transports[name], stack.second[name]]
    field = resource.unique_fields()[0]
    rows = [
        data.draw(row_strategy(resource, parents(clients[0], resource, data)))
        for _ in range(RACERS)
    ]
    for row in rows[1:]:
        row[field] = rows[0][field]
    before = count(stack, resource)

    outcomes = together(
        *[
            (lambda row=row, client=clients[index % 2]: client.create(resource, row))
            for index, row in enumerate(rows)
        ]
    )

    codes = sorted(outcome.code for outcome in outcomes)
    assert codes.count(OK) == 1, [str(outcome) for outcome in outcomes]
    for outcome in outcomes:
        if outcome.code != OK:
            outcome.refused(ALREADY_EXISTS, field)
    assert count(stack, resource) == before + 1


@case(RACING, PLAIN, ONE_EXAMPLE)
def test_a_row_deleted_while_it_is_updated_stays_deleted(
    stack: Stack, name: str, resource: Any, data: st.DataObject
) -> None:
    one, two = stack.transports[name], stack.second[name]
    for _ in range(ROUNDS):
        created = create(one, resource, data)
        field = scalar_fields(resource)[0]
        value = data.draw(value_strategy(resource, field))

        outcomes = together(
            partial(two.destroy, resource, created["id"]),
            partial(
                one.update, resource, created["id"], {**_writable(resource, created), field: value}
            ),
            partial(one.partial_update, resource, created["id"], {field: value}),
        )

        assert outcomes[0].code == OK, outcomes[0]
        for outcome in outcomes[1:]:
            assert outcome.code in {OK, NOT_FOUND, 3}, outcome
        one.retrieve(resource, created["id"]).refused(NOT_FOUND)


def _writable(resource: Any, row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k in resource.writable() and v is not None}
