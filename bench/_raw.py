"""The baseline of the write benchmarks: copies of the rows a run produced, inserted with
SQLAlchemy Core ``insert()`` executemany in one transaction (no rules, no ORM)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, insert, select, text

from claimdesk.claims.models import Claim, ClaimEvent, LossLine, Payment


@dataclass
class RawRows:
    claims: list[dict[str, Any]]
    loss_lines: list[dict[str, Any]]
    events: list[dict[str, Any]]
    payments: list[dict[str, Any]]


def read_rows(engine: Engine, claim_ids: Sequence[int]) -> RawRows:
    """The rows the adjudication left, as plain dicts (the copy source of the baseline)."""
    tables = (Claim, LossLine, ClaimEvent, Payment)
    result: list[list[dict[str, Any]]] = []
    with engine.connect() as connection:
        for model in tables:
            table = model.__table__
            key = table.c.id if model is Claim else table.c.claim_id
            rows = connection.execute(
                select(table).where(key.in_(claim_ids)).order_by(table.c.id)
            ).mappings()
            result.append([dict(row) for row in rows])
    return RawRows(*result)


def _reserve_ids(connection: Connection, table: Table, count: int) -> list[int] | None:
    """Claim ids for ``count`` new rows, so the insert needs no RETURNING.

    (On psycopg, SQLAlchemy's batched INSERT .. RETURNING of 2000 wide claim rows costs about
    six times a plain executemany: the driver re-parses one huge statement per page.)
    """
    if connection.dialect.name == "postgresql":
        sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
        return list(
            connection.execute(
                text(f"SELECT nextval({sequence}) FROM generate_series(1, :n)"), {"n": count}
            ).scalars()
        )
    if connection.dialect.name == "sqlite":  # one writer; rowids continue from the maximum
        top = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        return list(range(top + 1, top + 1 + count))
    return None


def raw_insert(engine: Engine, rows: RawRows, *, tag: str, everything: bool) -> float:
    """Insert copies of ``rows`` (claims and loss lines, or everything) in one transaction.

    Core ``insert()`` executemany; claim ids are reserved up front (a sequence on PostgreSQL)
    so that every insert is a plain executemany.
    """
    claims_t: Table = Claim.__table__  # type: ignore[assignment]
    old_ids = [row["id"] for row in rows.claims]
    claims = [
        {**{k: v for k, v in row.items() if k != "id"}, "number": f"{tag}-{row['id']}"}
        for row in rows.claims
    ]

    def children(source: list[dict[str, Any]], **renamed: str) -> list[dict[str, Any]]:
        copies = []
        for row in source:
            copy = {k: v for k, v in row.items() if k != "id"}
            for column, prefix in renamed.items():
                copy[column] = f"{prefix}-{copy[column]}"
            copies.append(copy)
        return copies

    dependants = [(LossLine.__table__, children(rows.loss_lines))]
    if everything:
        dependants += [
            (ClaimEvent.__table__, children(rows.events)),
            (Payment.__table__, children(rows.payments, reference=tag)),
        ]

    started = perf_counter()
    with engine.begin() as connection:
        new_ids = _reserve_ids(connection, claims_t, len(claims))
        if new_ids is None:
            new_ids = list(
                connection.execute(
                    insert(claims_t).returning(claims_t.c.id, sort_by_parameter_order=True),
                    claims,
                ).scalars()
            )
        else:
            for claim, new_id in zip(claims, new_ids, strict=True):
                claim["id"] = new_id
            connection.execute(insert(claims_t), claims)
        remap = dict(zip(old_ids, new_ids, strict=True))
        for table, copies in dependants:
            if copies:
                for copy in copies:
                    copy["claim_id"] = remap[copy["claim_id"]]
                connection.execute(insert(table), copies)
    return perf_counter() - started
