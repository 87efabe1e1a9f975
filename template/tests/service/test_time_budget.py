"""No call outlives the time budget (API_TIME_BUDGET_SECONDS, deadlines.py):
a write held up past it is answered DEADLINE_EXCEEDED (504) and never stored,
though its caller set no deadline of its own. For every resource served, on
every transport, on SQLite and PostgreSQL.

The test holds the row's lock (PostgreSQL) or the database's write lock
(SQLite) for longer than the budget, then lets go and watches the row.
"""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import strategies as st

from tests.support.cases import (
    ONE_EXAMPLE,
    PLAIN,
    case,
    changed_value,
    create,
    scalar_fields,
    stored_value,
)
from tests.support.conformance import Resource, canonical
from tests.support.databases import ENGINES, write_held
from tests.support.stacks import TRANSPORTS, Stack, running_stack

pytestmark = pytest.mark.slow  # real processes: not in the fast tier (README, "Test it")

DEADLINE_EXCEEDED = 4
BUDGET_SECONDS = 1.0
# How long past the budget the lock is still held: on SQLite the write waits
# for it, then must refuse to commit.
HELD_PAST_SECONDS = 0.5
# How long the row is watched after the lock is let go: a write still pending
# would land within milliseconds of it.
WATCH_SECONDS = 1.0


@pytest.fixture(scope="module", params=ENGINES)
def budgeted(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp(f"budget-{request.param}")
    env = {"API_TIME_BUDGET_SECONDS": str(BUDGET_SECONDS)}
    with running_stack(request.param, folder, env) as stack:
        yield stack


@case(TRANSPORTS, PLAIN, ONE_EXAMPLE)
def test_a_write_held_past_the_time_budget_is_refused_and_never_stored(
    budgeted: Stack, name: str, resource: Resource, data: st.DataObject
) -> None:
    transport = budgeted.transports[name]
    url = budgeted.database_url
    created = canonical(resource, create(transport, resource, data))
    field = data.draw(st.sampled_from(scalar_fields(resource)))
    value = changed_value(resource, field, created[field], data)
    before = stored_value(url, resource, created["id"], field)
    with ThreadPoolExecutor(1) as pool:
        with write_held(url, resource.model._meta.db_table, created["id"]):
            outcome = pool.submit(transport.partial_update, resource, created["id"], {field: value})
            time.sleep(BUDGET_SECONDS + HELD_PAST_SECONDS)
        answered = outcome.result(timeout=60)
    assert answered.code == DEADLINE_EXCEEDED, answered
    watch_until = time.monotonic() + WATCH_SECONDS
    while time.monotonic() < watch_until:
        stored = stored_value(url, resource, created["id"], field)
        assert stored == before, f"{field} was stored after the call was refused"
        time.sleep(0.1)
