"""N writers for T seconds against a server process, and what the database
must hold afterwards: every acknowledged write, once, and nothing else."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from tests.support.databases import query

WRITERS = 8
SECONDS = 5.0

Row = tuple[Any, ...]


class Client(Protocol):
    """One writer's connection to the service, over some transport."""

    def create_warehouse(self, name: str, capacity_grams: int) -> Row:
        """(id, name, capacity_grams), as the reply gives them."""

    def create_item(self, sku: str, warehouse: int, quantity: int) -> Row:
        """(id, sku, warehouse id, quantity), as the reply gives them."""

    def close(self) -> None: ...


@dataclass
class Writes:
    warehouses: list[Row] = field(default_factory=list)
    items: list[Row] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        rate = (len(self.warehouses) + len(self.items)) / self.seconds
        return (
            f"{WRITERS} writers, {self.seconds:.1f} s: {len(self.warehouses)} warehouses and "
            f"{len(self.items)} items acknowledged ({rate:.0f} writes/s), "
            f"{len(self.failures)} failed"
        )


def write_concurrently(connect: Callable[[], Client]) -> Writes:
    """Runs WRITERS threads for SECONDS, each with its own client, creating a
    warehouse and then an item in it, with keys no other write uses."""
    writes = Writes()
    lock = threading.Lock()
    ready = threading.Barrier(WRITERS + 1)
    deadline = 0.0

    def write(writer: int) -> None:
        client = connect()
        try:
            ready.wait()
            n = 0
            while time.monotonic() < deadline:
                key = f"{writer}-{n}"
                try:
                    capacity = writer * 10**12 + n
                    warehouse = client.create_warehouse(f"w{key}", capacity)
                    with lock:
                        writes.warehouses.append(warehouse)
                    item = client.create_item(f"i{key}", warehouse[0], n)
                    with lock:
                        writes.items.append(item)
                    if warehouse[1:] != (f"w{key}", capacity) or item[1:] != (
                        f"i{key}",
                        warehouse[0],
                        n,
                    ):
                        raise AssertionError(f"reply differs from request: {warehouse}, {item}")
                except Exception as error:  # every failure is reported by the test
                    with lock:
                        writes.failures.append(f"{key}: {error!r}")
                n += 1
        finally:
            client.close()

    threads = [threading.Thread(target=write, args=(writer,)) for writer in range(WRITERS)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    deadline = started + SECONDS
    ready.wait()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)
    writes.seconds = time.monotonic() - started
    return writes


def assert_stored_exactly(writes: Writes, database_url: str) -> None:
    """The database holds exactly the acknowledged rows: same ids, same values,
    none missing, none twice, none unacknowledged; and no call failed."""
    assert writes.failures == [], writes.failures[:10]
    writers = {row[1].split("-")[0] for row in writes.warehouses}
    assert writers == {f"w{writer}" for writer in range(WRITERS)}, "a writer got nothing through"
    for rows, statement in (
        (writes.warehouses, "SELECT id, name, capacity_grams FROM inventory_warehouse"),
        (writes.items, "SELECT id, sku, warehouse_id, quantity FROM inventory_item"),
    ):
        ids = [row[0] for row in rows]
        assert len(set(ids)) == len(ids), "one id was acknowledged for two writes"
        assert sorted(query(database_url, statement)) == sorted(rows)
