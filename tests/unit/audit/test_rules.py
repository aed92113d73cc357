from dataclasses import replace
from datetime import UTC, datetime, timedelta

from claimdesk.audit.rules import GENESIS, Link, entry_hash, verify_chain

T0 = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


def chain(length: int) -> list[Link]:
    links, prev = [], GENESIS
    for seq in range(1, length + 1):
        fields = dict(
            seq=seq,
            at=T0 + timedelta(minutes=seq),
            actor_id=7,
            actor_role="adjuster",
            action="claim.assess",
            subject_type="claim_event",
            subject_id=str(seq),
            data={"claim_id": 1, "amount": "100.00", "备注": "理赔"},
            prev_hash=prev,
        )
        prev = entry_hash(**fields)
        links.append(Link(**fields, hash=prev))
    return links


def test_an_untouched_chain_verifies_and_reports_its_head():
    links = chain(5)
    verdict = verify_chain(links)
    assert verdict.ok
    assert (verdict.entries, verdict.head_seq, verdict.head_hash) == (5, 5, links[-1].hash)


def test_an_empty_ledger_is_intact():
    assert verify_chain([]).ok


def test_changed_content_is_found_at_its_entry():
    links = chain(5)
    links[2] = replace(links[2], data={**links[2].data, "amount": "1000.00"})
    verdict = verify_chain(links)
    assert not verdict.ok
    assert verdict.first_broken_seq == 3
    assert "changed" in verdict.reason


def test_a_rewritten_entry_with_a_fresh_hash_breaks_the_next_link():
    links = chain(5)
    forged = replace(links[1], actor_id=99)
    links[1] = replace(
        forged, hash=entry_hash(**{k: v for k, v in vars(forged).items() if k != "hash"})
    )
    verdict = verify_chain(links)
    assert verdict.first_broken_seq == 3
    assert "link" in verdict.reason


def test_a_deleted_entry_is_reported_missing():
    links = chain(5)
    del links[3]
    verdict = verify_chain(links)
    assert verdict.first_broken_seq == 4
    assert "missing" in verdict.reason


def test_a_reader_far_above_the_median_and_the_minimum_is_unusual() -> None:
    from claimdesk.audit.rules import unusual_readers

    counts: dict[int | None, int] = {1: 200, 2: 10, 3: 12, 4: 9, 5: 11}
    found = unusual_readers(counts, factor=5, minimum=20)
    assert [(r.user_id, r.records, r.peer_median) for r in found] == [(1, 200, 11.0)]


def test_a_small_team_reading_little_has_no_unusual_reader() -> None:
    from claimdesk.audit.rules import unusual_readers

    assert unusual_readers({1: 6, 2: 1, 3: 1}, factor=5, minimum=20) == []
    assert unusual_readers({}, factor=5, minimum=20) == []
