"""The one SQLAlchemy engine of the process and short-lived sessions on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

_engine: Engine | None = None
RETRYABLE_MYSQL_ERRORS = {1213, 1205}  # chosen as a deadlock victim; a lock wait timed out: the whole transaction


def build_engine(url: str) -> Engine:
    """An engine with the options each backend needs (utf8mb4 and pre-ping on MySQL, WAL on SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == 'sqlite':
        engine = create_engine(parsed, connect_args={'check_same_thread': False, 'timeout': 30})
        event.listen(engine, 'connect', _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() in {'mysql', 'mariadb'}:
        parsed = parsed.update_query_dict({'charset': 'utf8mb4'})
    return create_engine(parsed, pool_pre_ping=True, pool_recycle=1800, pool_size=10, max_overflow=20)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.close()


def configure(url: str) -> Engine:
    """Create (or replace) the process-wide engine."""
    global _engine
    if _engine is not None:
        _engine.dispose()
    _engine = build_engine(url)
    return _engine


def get_engine() -> Engine:
    if _engine is None:
        raise RuntimeError('database engine is not configured')
    return _engine


@contextmanager
def session_scope() -> Iterator[Session]:
    """One short unit of work: commit on success, roll back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def is_retryable(error: BaseException) -> bool:
    """Whether the database rolled the transaction back because of other transactions (a MariaDB deadlock victim or
    lock wait timeout): running it again from the start is safe and usually succeeds."""
    if not isinstance(error, DBAPIError) or error.orig is None or not error.orig.args:
        return False
    return error.orig.args[0] in RETRYABLE_MYSQL_ERRORS
