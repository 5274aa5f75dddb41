"""Rows nothing reads back at once, written together: one statement per table.

The audit log, the history and the new entries of the inbound ledger are only ever added to
by the intake, and nothing in the same transaction needs their ids. Added one by one through
the ORM, each costs a statement of its own (on SQLite the ORM inserts row by row whenever it
fetches the new ids). Kept here instead, they are written as one executemany per table:
before the transaction commits, before any query that reads or changes their table, and
before any flush that deletes, so that every read in the transaction still sees them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, event, inspect
from sqlalchemy.orm import ORMExecuteState, Session


class DeferredInserts:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending: dict[Table, list[Any]] = {}
        event.listen(session, "do_orm_execute", self._before_statement)
        event.listen(session, "before_flush", self._before_flush)
        event.listen(session, "before_commit", self._before_commit)

    def add(self, row: Any) -> None:
        """Insert this (new, not added) ORM row later; it may still change until then."""
        table = inspect(type(row)).local_table
        assert isinstance(table, Table)
        self._pending.setdefault(table, []).append(row)

    def write(self) -> None:
        pending, self._pending = self._pending, {}
        connection = self.session.connection()
        for table, rows in pending.items():
            mapper = inspect(type(rows[0]))
            groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for row in rows:
                values = {
                    attr.columns[0].key: row.__dict__[attr.key]
                    for attr in mapper.column_attrs
                    if attr.key in row.__dict__
                }
                groups.setdefault(tuple(values), []).append(values)
            for params in groups.values():
                connection.execute(table.insert(), params)

    def _before_statement(self, state: ORMExecuteState) -> None:
        if not self._pending:
            return
        if not state.is_select:
            self.write()
            return
        tables = {m.local_table for m in state.all_mappers}
        if tables & set(self._pending):
            self.write()

    def _before_flush(self, session: Session, context: Any, instances: Any) -> None:
        if self._pending and session.deleted:
            self.write()

    def _before_commit(self, session: Session) -> None:
        if self._pending:
            self.write()

    def discard(self) -> None:
        """Forget what is not written (the transaction is rolled back)."""
        self._pending = {}

    def close(self) -> None:
        self._pending = {}
        event.remove(self.session, "do_orm_execute", self._before_statement)
        event.remove(self.session, "before_flush", self._before_flush)
        event.remove(self.session, "before_commit", self._before_commit)
