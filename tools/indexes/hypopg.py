"""HypoPG: hypothetical indexes of this backend, created, sized, dropped and reset safely."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import sql

from tools.indexes.models import IndexSpec

log = logging.getLogger("pgarchitect.indexes")

HYPOPG_HINT = (
    "install HypoPG to have every workload index proven by the planner: CREATE EXTENSION "
    "hypopg (available on Neon; on Debian/Ubuntu install postgresql-NN-hypopg first); this "
    "tool never creates extensions"
)


class HypoPG:
    """Hypothetical indexes of this backend; `reset` drops them all.

    They belong to the backend session, not to the transaction: a rolled-back savepoint keeps
    them, and a pooled connection would carry them to the next caller. So every use runs in a
    savepoint of ours, and the cleanup runs after rolling back to it (`dropped_after`,
    `discard`), when the transaction accepts statements again.
    """

    def __init__(self, conn: psycopg.Connection, schema: str) -> None:
        self.conn = conn
        self.schema = schema

    def _call(self, function: str, argument: Any) -> Any:
        query = sql.SQL("SELECT * FROM {}(%s)").format(sql.Identifier(self.schema, function))
        return self.conn.execute(query, (argument,)).fetchone()

    def create(self, spec: IndexSpec) -> int:
        row = self._call(
            "hypopg_create_index", spec.create_sql(concurrently=False, if_not_exists=False)
        )
        return int(row[0])

    def drop(self, oid: int) -> None:
        self._call("hypopg_drop_index", oid)

    def size(self, oid: int) -> int:
        return int(self._call("hypopg_relation_size", oid)[0])

    def reset(self) -> None:
        query = sql.SQL("SELECT {}()").format(sql.Identifier(self.schema, "hypopg_reset"))
        self.conn.execute(query)

    @contextlib.contextmanager
    def dropped_after(self, oid: int) -> Iterator[None]:
        """Run the block in a savepoint, then drop the hypothetical index, error or not.

        After an error the savepoint is rolled back first, so the drop can run; a drop failing
        then is logged (the caller's reset remains), never hiding the first error.
        """
        try:
            with self.conn.transaction():
                yield
        except BaseException:
            self.discard(oid)
            raise
        self.drop(oid)

    def discard(self, oid: int | None = None) -> None:
        """Drop one hypothetical index (None: all of them) after an error, never raising."""
        if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.INTRANS:
            log.warning("hypothetical indexes left: the transaction is aborted or gone")
            return
        try:
            with self.conn.transaction():
                if oid is None:
                    self.reset()
                else:
                    self.drop(oid)
        except psycopg.Error as err:
            log.warning("hypothetical indexes could not be dropped: %s", err)
