"""The statements one claim report sends to the database (issue 16: the report path's round
trips). A budget, not a timing: the count rises only when the report path does more work,
and then this test names the statements so that the new one is a choice, not an accident."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from claimdesk.bootstrap import Container
from claimdesk.security.enums import Role

# Agent reports for the holder by phone, with the payee account and an Idempotency-Key
# (the benchmark's request, bench/http_intake.py): sign-in 1, idempotency 1, policy with
# product, coverages, insured, holder and what was approved on it 1, payee account 1, claim
# and loss lines 2, claim number with timeline, reserve and idempotency record 4,
# acknowledgement clock (team, tier, clock, its event) 4, acknowledgement (preferences,
# key, templates, outbox row) 4, webhook subscriptions 1, jobs 1, audit ledger (lock, last
# entry, entries) 3. SQLite: no advisory lock, but its two jobs are two INSERTs.
# Before issue 16: 32 on PostgreSQL, 31 on SQLite.
STATEMENTS = {"postgresql": 23, "sqlite": 23}


@contextmanager
def statements_until_commit(container: Container) -> Iterator[list[str]]:
    """The statements sent until the first commit (the report's; the jobs it queued run
    inline in tests, after it, and are not counted)."""
    seen: list[str] = []
    committed = False

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if not committed:
            seen.append(statement.split("\n")[0][:100])

    def commit(_conn) -> None:  # type: ignore[no-untyped-def]
        nonlocal committed
        committed = True

    event.listen(container.engine, "before_cursor_execute", count)
    event.listen(container.engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(container.engine, "before_cursor_execute", count)
        event.remove(container.engine, "commit", commit)


def test_one_claim_report_stays_within_its_statement_budget(world, container):
    holder = world.customer()
    policy = world.policy(holder)
    agent = world.staff(Role.AGENT)
    body = {
        "channel": "phone",
        "customer_id": holder.id,
        "bank_account_id": holder.bank_accounts[0].id,
    }
    assert world.report(agent, policy, key="warm-up", **body).status_code == 201
    with statements_until_commit(container) as seen:
        response = world.report(agent, policy, key="counted", amount="800.00", **body)
    assert response.status_code == 201, response.text
    budget = STATEMENTS[container.engine.dialect.name]
    assert len(seen) <= budget, "\n".join(seen)
