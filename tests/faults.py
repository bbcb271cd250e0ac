"""Real fault injection into the process engine: the database refuses (or holds) writes while told to.

A ``before_cursor_execute`` listener on the engine raises the driver's own ``OperationalError`` (the error a
read-only SQLite file or a ``--read-only`` MariaDB server gives) for INSERT, UPDATE and DELETE; SQLAlchemy wraps
and handles it exactly as it would a real one. Reads keep working. Nothing in the app is replaced.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from db import engine as db_engine

WRITES = {'INSERT', 'UPDATE', 'DELETE', 'REPLACE'}
HOLD_LIMIT_S = 30.0


class WriteFault:
    def __init__(self) -> None:
        self.refusing = False
        self.refused: list[str] = []
        self.waiting = threading.Event()
        self._gate: threading.Event | None = None
        self._engine: Engine | None = None

    def refuse(self) -> None:
        """From now on every write on the current process engine fails."""
        self._attach()
        self.refusing = True

    def hold(self) -> None:
        """From now on every write waits (in its worker thread) until ``release``; ``waiting`` is set once one does."""
        self._attach()
        self.waiting.clear()
        self._gate = threading.Event()

    def release(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.set()

    def lift(self) -> None:
        """The database is back: writes work again (nothing in the app is restarted)."""
        self.refusing = False
        self.release()

    def remove(self) -> None:
        self.lift()
        if self._engine is not None:
            event.remove(self._engine, 'before_cursor_execute', self._check)
            self._engine = None

    def _attach(self) -> None:
        engine = db_engine.get_engine()
        if self._engine is not engine:
            self.remove()
            event.listen(engine, 'before_cursor_execute', self._check)
            self._engine = engine

    def _check(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        words = statement.split(None, 1)
        if not words or words[0].upper() not in WRITES:
            return
        gate = self._gate
        if gate is not None:
            self.waiting.set()
            gate.wait(HOLD_LIMIT_S)
        if self.refusing:
            self.refused.append(statement)
            dbapi = conn.dialect.loaded_dbapi
            if conn.dialect.name == 'sqlite':
                raise dbapi.OperationalError('attempt to write a readonly database')
            raise dbapi.OperationalError(
                1290, 'The MariaDB server is running with the --read-only option so it cannot execute this statement'
            )
