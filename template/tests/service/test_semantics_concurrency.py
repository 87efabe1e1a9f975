"""Concurrent writers on the same rows lose no acknowledged write
(docs/semantics.md), on SQLite and PostgreSQL, for every resource served;
a write PostgreSQL aborts in a deadlock is ABORTED and leaves nothing behind.

Two clients call at once through a barrier; where there are two server
processes, each reaches its own, so the writes race as they do in production.
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import psycopg
import pytest
from django.db import models
from hypothesis import strategies as st
from psycopg import sql

from tests.support.cases import (
    ONE_EXAMPLE,
    PLAIN,
    REFERENCING,
    TWO_FIELDS,
    UNIQUE,
    acknowledged,
    case,
    changed_value,
    count,
    create,
    parents,
    scalar_fields,
    stored,
)
from tests.support.conformance import (
    ABORTED,
    ALREADY_EXISTS,
    NOT_FOUND,
    OK,
    Outcome,
    Resource,
    canonical,
    resource_named,
    row_strategy,
    value_strategy,
    written,
)
from tests.support.databases import deadlock_timeout, wait_until_blocked_by
from tests.support.stacks import RACING, TRANSPORTS, Stack

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


# SQLite has no row locks, so no deadlock: PostgreSQL only (the session's
# PostgreSQL stack, not a stack of its own).
@pytest.mark.parametrize("stack", ["postgresql"], indirect=True)
@case(TRANSPORTS, REFERENCING, ONE_EXAMPLE)
def test_a_write_caught_in_a_deadlock_is_aborted_writes_nothing_and_succeeds_when_sent_again(
    stack: Stack, name: str, resource: Resource, data: st.DataObject
) -> None:
    transport = stack.transports[name]
    field = data.draw(st.sampled_from(sorted(resource.required_references())))
    model = resource.required_references()[field]
    row = data.draw(row_strategy(resource, parents(transport, resource, data)))
    created = acknowledged(transport.create(resource, row), resource)
    other = create(transport, resource_named(model.__name__), data)  # the row to point at instead
    before = canonical(resource, created)
    other_id = canonical(resource_named(model.__name__), other)["id"]
    lock_other = sql.SQL("SELECT 1 FROM {} WHERE {} = %s FOR UPDATE").format(
        sql.Identifier(model._meta.db_table), sql.Identifier(_key_column(model))
    )
    column = sql.Identifier(_column(resource.model, resource.writable()[field].source))
    touch_row = sql.SQL("UPDATE {} SET {} = {} WHERE {} = %s").format(
        sql.Identifier(resource.model._meta.db_table),
        column,
        column,
        sql.Identifier(_key_column(resource.model)),
    )
    change = {field: other["id"]}

    # The connection closes (its locks go) before the pool waits for the call.
    with ThreadPoolExecutor(1) as pool, psycopg.connect(stack.database_url) as test_side:
        test_side.execute(lock_other, [other_id])
        # The server's UPDATE locks the row; its foreign-key check (at commit:
        # Django's constraints are deferred) then waits for the other row.
        call = pool.submit(transport.partial_update, resource, created["id"], change)
        # PostgreSQL checks for a deadlock once, deadlock_timeout after a
        # backend begins to wait, and aborts the backend whose check finds the
        # cycle. Closing the cycle halfway through the server's wait makes the
        # server's check come first, by half a deadlock_timeout either way.
        wait_until_blocked_by(
            stack.database_url,
            test_side.info.backend_pid,
            call,
            waited=deadlock_timeout(stack.database_url) / 2,
        )
        try:
            test_side.execute(touch_row, [before["id"]])  # waits for the server's row lock
        except psycopg.errors.DeadlockDetected as error:
            test_side.rollback()
            pytest.fail(
                "PostgreSQL aborted the test's transaction, not the server's, so this run "
                f"proves nothing: {error}; the call answered {call.result(timeout=60)}"
            )
        test_side.rollback()
        outcome = call.result(timeout=60)

    outcome.refused(ABORTED)
    assert stored(transport, resource, created["id"]) == before, "a refused write was stored"
    again = acknowledged(transport.partial_update(resource, created["id"], change), resource)
    assert canonical(resource, again)[field] == other_id
    assert stored(transport, resource, created["id"]) == canonical(resource, again)


def _column(model: type[models.Model], name: str) -> str:
    column = model._meta.get_field(name)
    assert isinstance(column, models.Field), f"{model.__name__}.{name} is not a column"
    return str(column.column)


def _key_column(model: type[models.Model]) -> str:
    assert model._meta.pk is not None
    return str(model._meta.pk.column)
