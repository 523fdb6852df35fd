"""Reads of one partition of stores: a range of store_id in text order.

Each statement restricts the stores by their id range through the unique index
on stores.store_id, and reaches the polls of each of them through the polls'
primary key (store_key, ts), so a partition reads its own rows and no others.
Without bounds the statements are the whole fleet's (storemon_core.db.reads).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from sqlalchemy import Connection

from storemon_core.db.columns import read_columns
from storemon_core.partitions import Partition, text_order

# The only characters a loaded store id can have (docs/formats.md): bounds are
# spelled into the SQL (connectorx takes no parameters), so anything else is refused.
_ID_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-")


def _literal(store_id: str) -> str:
    if not store_id or not set(store_id) <= _ID_CHARACTERS:
        raise ValueError(f"not a store id that can bound a partition: {store_id!r}")
    return f"'{store_id}'"


@dataclass(frozen=True)
class StoreRange:
    """The stores with first <= store_id < end (None: no bound on that side)."""

    first: str | None = None
    end: str | None = None

    @staticmethod
    def of(partition: Partition) -> StoreRange:
        return StoreRange(partition.first, partition.end)

    @property
    def bounded(self) -> bool:
        return self.first is not None or self.end is not None

    def condition(self, column: str) -> str:
        """The SQL condition on a store_id column ("1 = 1" when unbounded)."""
        parts = []
        if self.first is not None:
            parts.append(f"{column} >= {_literal(self.first)}")
        if self.end is not None:
            parts.append(f"{column} < {_literal(self.end)}")
        return " AND ".join(parts) or "1 = 1"

    def stores_of(self, table: str, alias: str, mysql: bool, index: str | None = None) -> str:
        """FROM-clause text: `table alias`, and when bounded, joined to the range's stores.

        The join order is fixed, stores first, then each store's rows by its key
        (`index` names the one to use on MySQL): a planner whose statistics lag
        behind a load would otherwise scan a whole week of polls per partition."""
        if not self.bounded:
            return f"{table} {alias}"
        join = "STRAIGHT_JOIN" if mysql else "CROSS JOIN"
        hint = f" FORCE INDEX ({index})" if mysql and index else ""
        return (f"stores s {join} {table} {alias}{hint} ON {alias}.store_key = s.id "
                f"AND {self.condition('s.store_id')}")


EVERY_STORE = StoreRange()


def stored_store_ids(url: str, conn: Connection) -> pa.Array:
    """Every store id in the database, in text order (for planning partitions)."""
    cols = read_columns(url, conn, "SELECT store_id FROM stores", ["store_id"])
    return text_order([str(s) for s in cols["store_id"]])
