"""Engine, sessions and column types shared by every domain."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar, cast
from uuid import uuid4

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Dialect,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    create_engine,
    event,
    inspect,
    select,
)
from sqlalchemy.engine import CursorResult, Result, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.orm import (
    DeclarativeBase,
    InstrumentedAttribute,
    Mapped,
    Session,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

from claimdesk.core.errors import DATABASE_RETRY_AFTER_SECONDS, DatabaseBusy, ValidationFailed
from claimdesk.core.writer import WriterGate, writer_gate

log = logging.getLogger(__name__)
T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; ClaimDesk stores aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """Decimal money with two places; SQLite keeps it as text-exact NUMERIC."""

    impl = Numeric(14, 2, asdecimal=True)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value).quantize(Decimal("0.01"))


class Acting(Protocol):
    """Who acts (security.service.Actor is one); read-only, so frozen dataclasses match."""

    @property
    def user_id(self) -> int | None: ...

    @property
    def role(self) -> str: ...


class HistoryEntry:
    """Columns of a history row (claim timeline, ticket history): who, when, what, why.

    A declarative mixin: a mapped class lists it beside ``Base`` and gets these columns.
    """

    if TYPE_CHECKING:
        # The constructor the mapped subclass gets from Base (keyword arguments per column).
        def __init__(self, **kw: Any) -> None: ...

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @classmethod
    def by(
        cls,
        actor: Acting,
        at: datetime,
        *,
        kind: str,
        from_status: str | None = None,
        to_status: str | None = None,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Self:
        return cls(
            at=at,
            actor_id=actor.user_id,
            actor_role=actor.role,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            data=data or {},
        )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by _begin_writing below, not by the driver: reads run outside
    # a transaction (WAL: they never wait for a writer), writes inside BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Statements that write (or open a savepoint, which is always around writes): on SQLite the
# first of them in a transaction takes the writer's turn (see core/writer.py).
_WRITING = ("insert", "update", "delete", "replace", "savepoint")


class _GatedConnection(sqlite3.Connection):
    """A sqlite3 connection that gives its writer's turn back when its transaction ends."""

    gate: WriterGate
    write_wait_seconds: float
    holds_turn = False

    def begin_writing(self) -> None:
        """BEGIN IMMEDIATE once it is this connection's turn (bounded wait)."""
        if not self.gate.acquire(self.write_wait_seconds):
            raise DatabaseBusy(
                f"The database is busy with other changes (waited {self.write_wait_seconds:g} "
                "s); nothing was changed. Try again in a few seconds. "
                "数据库正忙于其他更改，未做任何更改，请稍后重试。",
                retry_after=DATABASE_RETRY_AFTER_SECONDS,
            )
        self.holds_turn = True
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._give_turn_back()
            raise

    def _give_turn_back(self) -> None:
        if self.holds_turn:
            self.holds_turn = False
            self.gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._give_turn_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._give_turn_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_turn_back()


def _begin_writing_before(conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
    if statement.lstrip()[:9].lower().startswith(_WRITING):
        _begin_writing(conn)


def _begin_writing_for_update(conn: Connection, clause: Any, *_: Any) -> None:
    """``SELECT ... FOR UPDATE`` means "I am about to write this": SQLite has no row locks,
    so the transaction takes the writer's turn before it reads."""
    if getattr(clause, "_for_update_arg", None) is not None:
        _begin_writing(conn)


def _begin_writing(conn: Connection) -> None:
    dbapi_connection = conn.connection.dbapi_connection
    if (
        isinstance(dbapi_connection, _GatedConnection)
        and not dbapi_connection.in_transaction
        and conn.in_transaction()  # not in autocommit use (DDL at start-up, say)
    ):
        dbapi_connection.begin_writing()


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _refuse_out_of_range(
    _conn: Connection,
    _cursor: Any,
    _statement: str,
    parameters: Any,
    *_: Any,
) -> None:
    """The one guard for integers the database cannot hold (an id of 2**63 in a path, a
    query or a body, from the API, a form or a file): refused as bad input before they
    reach the driver, which would fail with an overflow. (PostgreSQL's 4-byte columns
    refuse smaller ones themselves: api/errors.py maps that DataError to 422 too.)"""
    # Several rows come as a list; one row (or a batch of inserted rows) as a tuple or dict.
    for row in parameters if isinstance(parameters, list) else (parameters,):
        values = row.values() if isinstance(row, dict) else row or ()
        for value in values:
            if type(value) is int and not INT64_MIN <= value <= INT64_MAX:
                raise ValidationFailed(
                    f"The number {value} is out of range (at most {INT64_MAX}). "
                    f"数字 {value} 超出范围。",
                    details=[{"reason": "out_of_range"}],
                )


# A pooled server connection is pinged before use only when it has been idle this long: one
# in constant use (a busy server) was just seen working, and a ping is a network round trip.
IDLE_PING_SECONDS = 5.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_when_idle(dialect: Dialect, idle_seconds: float) -> Callable[[Any, Any, Any], None]:
    """SQLAlchemy's pessimistic disconnect handling (``pool_pre_ping``) for connections
    idle for ``idle_seconds``: a dead one is replaced before the caller sees it. A
    database restarted within that window fails the next statement instead, which
    invalidates the pool (the request answers 503, the next gets a fresh connection)."""

    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in = record.info.get("checked_in_at")
        if checked_in is not None and time.monotonic() - checked_in < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("the database connection was closed") from exc

    return on_checkout


def sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite URL (None for other databases and in-memory ones)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).resolve()


def build_engine(
    url: str,
    *,
    write_wait_seconds: float = 10.0,
    idle_ping_seconds: float = IDLE_PING_SECONDS,
    **kwargs: Any,
) -> Engine:
    """Create an engine. An SQLite file gets its folder, WAL mode, foreign keys, and writers
    that queue for their turn for up to ``write_wait_seconds`` (then DatabaseBusy); a
    server's pooled connections are pinged after ``idle_ping_seconds`` unused."""
    path = sqlite_file(url)
    if path is None:
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _note_checkin)  # a new connection was just seen working
        event.listen(engine, "checkin", _note_checkin)
        event.listen(engine, "checkout", _ping_when_idle(engine.dialect, idle_ping_seconds))
        event.listen(engine, "before_cursor_execute", _refuse_out_of_range)
        return engine
    path.parent.mkdir(parents=True, exist_ok=True)
    connection_class = type(
        "GatedConnection",
        (_GatedConnection,),
        {"gate": writer_gate(path), "write_wait_seconds": write_wait_seconds},
    )
    engine = create_engine(
        url,
        connect_args={
            "check_same_thread": False,
            "factory": connection_class,
            # Writers not going through the gate (the sqlite3 shell, a migration) wait this long.
            "timeout": write_wait_seconds,
        },
        # Connections are cheap; readers never wait for one behind queued writers.
        pool_size=10,
        max_overflow=50,
        **kwargs,
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "before_cursor_execute", _refuse_out_of_range)
    event.listen(engine, "before_cursor_execute", _begin_writing_before)
    event.listen(engine, "before_execute", _begin_writing_for_update)
    return engine


def _refuse_nulls(session: Session, _context: object, _instances: object) -> None:
    """The one guard for explicit nulls where a value is required: a change that would set a
    NOT NULL column to null (``{"title": null}`` in an update, say) is refused as bad input
    naming the field, instead of failing in the database."""
    for obj in session.dirty:
        state = inspect(obj)
        columns = state.mapper.columns
        for key in state.committed_state:
            column = columns.get(key)
            if column is not None and not column.nullable and getattr(obj, key) is None:
                raise ValidationFailed(
                    f"'{key}' cannot be empty (null); leave it out to keep its value. "
                    f"字段 '{key}' 不能为空。",
                    details=[{"field": key, "reason": "null"}],
                )


def build_session_factory(
    engine: Engine, *, bus: object = None, jobs: object = None
) -> sessionmaker[Session]:
    """Sessions that carry the event bus and the job queue in ``session.info`` (see
    core/events.py, jobs/queue.py) and refuse nulls for required columns."""
    factory = sessionmaker(bind=engine, expire_on_commit=False, info={"bus": bus, "jobs": jobs})
    event.listen(factory, "before_flush", _refuse_nulls)
    return factory


def build_read_factory(engine: Engine, sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions for short reads that change nothing (the token check, a status read): on
    PostgreSQL in autocommit, so a read costs its queries' round trips and no BEGIN and
    ROLLBACK around them; on SQLite reads already run outside a transaction."""
    if engine.dialect.name == "sqlite":
        return sessions
    return sessionmaker(
        bind=engine.execution_options(isolation_level="AUTOCOMMIT"),
        expire_on_commit=False,
        info=dict(sessions.kw.get("info") or {}),
    )


# A read on the event loop gives up after this long rather than hold every other request.
LOOP_READ_TIMEOUT_MS = 500


# The application name of the event loop's read connection on a database server.
LOOP_READS_APPLICATION = "claimdesk-loop-reads"


class LoopReads:
    """One database connection for reads made on the event loop itself (the claim status
    read and a cached token's sign-in, api/): a call to the thread pool costs more than such
    a read, and under load the event loop and the worker threads then take turns for the
    interpreter.

    The loop never waits here. It runs one read at a time, so the connection is free when
    asked for; it never connects: :meth:`read` answers None until a worker thread has
    opened the connection (:meth:`open`), and after the connection was lost (it is then
    dropped, not replaced on the loop). Statements give up after ``LOOP_READ_TIMEOUT_MS``
    (on PostgreSQL the server's ``statement_timeout``; on SQLite the busy timeout, though
    WAL readers do not wait for writers)."""

    def __init__(self, engine: Engine) -> None:
        timeout_seconds = LOOP_READ_TIMEOUT_MS / 1000
        if engine.dialect.name == "sqlite":
            connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": timeout_seconds}
            options: dict[str, Any] = {}
        else:
            connect_args = {
                "options": f"-c statement_timeout={LOOP_READ_TIMEOUT_MS}",
                "application_name": LOOP_READS_APPLICATION,
            }
            options = {"isolation_level": "AUTOCOMMIT"}
        self._engine = create_engine(
            engine.url,
            connect_args=connect_args,
            pool_size=1,
            max_overflow=0,
            pool_timeout=0,
            **options,
        )
        event.listen(self._engine, "before_cursor_execute", _refuse_out_of_range)

    @property
    def _pool(self) -> QueuePool:
        return cast(QueuePool, self._engine.pool)  # a new one after dispose()

    def read(self, query: Callable[[Connection], T]) -> T | None:
        """``query`` on the open connection; None when it is not open, or when the database
        failed (the caller then reads in a worker thread, which meets the failure again and
        answers for it). A lost connection is dropped, to be opened again off the loop."""
        if self._pool.checkedin() == 0:
            return None
        try:
            with self._engine.connect() as connection:
                return query(connection)
        except DBAPIError as exc:
            if exc.connection_invalidated:
                self._engine.dispose()
            return None

    def open(self) -> None:
        """Open the connection (in a worker thread: connecting may wait on the network).
        A failure is logged, not raised: reads then go on in worker threads."""
        if self._pool.checkedin() == 0 and self._pool.checkedout() == 0:
            try:
                self._engine.connect().close()
            except DBAPIError:
                log.warning("The event loop's read connection could not be opened.", exc_info=True)

    def close(self) -> None:
        self._engine.dispose()


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def patiently(
    call: Callable[[], T], *, seconds: float = 300, sleep: Callable[[float], None] = time.sleep
) -> T:
    """``call()``, tried again while the database cannot be reached (a restart, a failover),
    for up to ``seconds``, pausing with ``sleep``: for background work, which can wait.
    Requests do not wait; they fail at once with a 503 (see api/errors.py)."""
    deadline = time.monotonic() + seconds
    pause = 0.5
    while True:
        try:
            return call()
        except (OperationalError, InterfaceError) as exc:
            if time.monotonic() + pause > deadline:
                raise
            log.warning("database unreachable, trying again in %.1f s: %s", pause, exc.orig)
            sleep(pause)
            pause = min(2 * pause, 10.0)


class Scheduled(Protocol):
    """A row a periodic sweep revisits when its ``next_check_at`` comes (SLA and statutory
    clocks). Read-only here, so mapped classes (``Mapped[...]`` columns) match."""

    @property
    def id(self) -> int: ...

    @property
    def next_check_at(self) -> datetime | None: ...


class _ScheduledColumns(Protocol):
    """The same columns seen on the mapped class (what queries are built from)."""

    id: InstrumentedAttribute[int]
    next_check_at: InstrumentedAttribute[datetime | None]


ScheduledT = TypeVar("ScheduledT", bound=Scheduled)


def due_in_batches(
    session: Session, model: type[ScheduledT], *, now: datetime, batch_size: int
) -> Iterator[list[ScheduledT]]:
    """The rows of ``model`` whose ``next_check_at`` has come, oldest first, ``batch_size``
    at a time and locked (a concurrent sweep skips them), flushed after each batch. The
    caller moves each row's ``next_check_at`` past ``now`` or clears it: the sweep ends when
    no row is due."""
    # A protocol cannot say "mapped class"; the bound above checks the row side.
    columns = cast("type[_ScheduledColumns]", model)
    while True:
        batch = list(
            session.scalars(
                select(model)
                .where(columns.next_check_at <= now)
                .order_by(columns.next_check_at, columns.id)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        )
        if not batch:
            return
        yield batch
        session.flush()


def affected_rows(result: Result[*tuple[Any, ...]]) -> int:
    """Rows an UPDATE or DELETE run through ``Session.execute`` matched (its result is a
    CursorResult; the session's signature says Result, which has no ``rowcount``)."""
    assert isinstance(result, CursorResult)
    return result.rowcount


def temporary_number() -> str:
    """A unique stand-in for a business number that is derived from the row id after flush."""
    return f"tmp-{uuid4().hex[:24]}"
