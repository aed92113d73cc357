"""Merge a duplicate customer found later into the record that stays.

Every row that points at the duplicate (policies held or insured, claims, tickets, surveys,
notifications, loyalty, sign-in accounts, conversations...) is moved to the customer who
stays; the duplicate stays as an empty record marked ``merged_into_id`` (so old references
and the ledger still resolve) and is no longer found by its ID number. The merge is one
ledger entry with what moved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Table, and_, delete, func, select, update
from sqlalchemy.orm import Session

from claimdesk.audit import service as audit
from claimdesk.core.db import Base, affected_rows
from claimdesk.core.errors import Conflict, NotFound, ValidationFailed
from claimdesk.customers import rules
from claimdesk.customers.models import Customer, LoyaltyAccount
from claimdesk.security.permissions import require
from claimdesk.security.service import Actor


def _references() -> list[tuple[Table, Column[Any]]]:
    """Every column of every table with a foreign key to customers.id (but the merge mark)."""
    found: list[tuple[Table, Column[Any]]] = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "customers" and fk.parent.name != "merged_into_id":
                found.append((table, fk.parent))
    return found


def _unique_sets(table: Table, column: Column[Any]) -> list[list[Column[Any]]]:
    """The primary key or unique constraints that include the column (moving a row could
    collide with a row the survivor already has)."""
    sets: list[list[Column[Any]]] = []
    if column.primary_key:
        sets.append(list(table.primary_key.columns))
    for constraint in table.constraints:
        columns = list(getattr(constraint, "columns", []))
        if constraint.__class__.__name__ == "UniqueConstraint" and column in columns:
            sets.append(columns)
    return sets


def merge_customers(
    session: Session,
    *,
    actor: Actor,
    survivor_id: int,
    duplicate_id: int,
    reason: str,
    now: datetime,
) -> dict[str, int]:
    """Move everything of ``duplicate_id`` to ``survivor_id``; returns rows moved per table."""
    require(actor, "customers.merge")
    if survivor_id == duplicate_id:
        raise ValidationFailed(
            "A customer cannot be merged into themself. 不能将客户与其自身合并。"
        )
    survivor = session.get(Customer, survivor_id)
    duplicate = session.get(Customer, duplicate_id)
    for wanted, found in ((survivor_id, survivor), (duplicate_id, duplicate)):
        if found is None:
            raise NotFound(f"Customer {wanted} does not exist. 客户 {wanted} 不存在。")
    assert survivor is not None and duplicate is not None
    if survivor.merged_into_id is not None or duplicate.merged_into_id is not None:
        raise Conflict(
            "One of these customers was already merged into another record; merge into "
            f"that record instead. 客户已合并至记录 "
            f"{survivor.merged_into_id or duplicate.merged_into_id}。"
        )
    session.flush()
    moved: dict[str, int] = {}
    _merge_loyalty(session, survivor_id=survivor_id, duplicate_id=duplicate_id)
    for table, column in _references():
        if table.name == LoyaltyAccount.__tablename__:
            continue
        for unique in _unique_sets(table, column):
            others = [c for c in unique if c is not column]
            # Rows the survivor already has under the same key: the duplicate's go.
            mine = table.alias("mine")
            clash = select(mine.c[column.name]).where(
                mine.c[column.name] == survivor_id,
                *[mine.c[c.name] == table.c[c.name] for c in others],
            )
            session.execute(delete(table).where(and_(column == duplicate_id, clash.exists())))
        values: dict[str, Any] = {column.name: survivor_id}
        if "version" in table.c:  # claims' cached copies are checked against their version
            values["version"] = table.c.version + 1
        result = session.execute(update(table).where(column == duplicate_id).values(values))
        if changed := affected_rows(result):
            moved[f"{table.name}.{column.name}"] = changed
    duplicate.merged_into_id = survivor_id
    session.flush()
    audit.record(
        session,
        {
            "at": now,
            "actor_id": actor.user_id,
            "actor_role": actor.role,
            "action": "customer.merged",
            "subject_type": "customer",
            "subject_id": str(survivor_id),
            "data": {
                "duplicate_id": duplicate_id,
                "id_number_hash": duplicate.id_number_hash,
                "moved": moved,
                "reason": reason,
            },
        },
    )
    return moved


def _merge_loyalty(session: Session, *, survivor_id: int, duplicate_id: int) -> None:
    """One points account per customer: the duplicate's balance joins the survivor's."""
    theirs = session.get(LoyaltyAccount, duplicate_id)
    if theirs is None:
        return
    mine = session.get(LoyaltyAccount, survivor_id)
    if mine is None:
        session.execute(
            update(LoyaltyAccount)
            .where(LoyaltyAccount.customer_id == duplicate_id)
            .values(customer_id=survivor_id)
        )
        session.expire_all()
        return
    mine.balance += theirs.balance
    mine.earned_total += theirs.earned_total
    mine.tier = rules.load_loyalty().tier_for(mine.earned_total).code
    session.delete(theirs)
    session.flush()


def count_duplicates(session: Session) -> int:
    """How many ID numbers are held by more than one unmerged customer."""
    grouped = (
        select(Customer.id_number_hash)
        .where(Customer.merged_into_id.is_(None), Customer.id_number_hash.is_not(None))
        .group_by(Customer.id_number_hash)
        .having(func.count() > 1)
        .subquery()
    )
    return session.scalar(select(func.count()).select_from(grouped)) or 0
