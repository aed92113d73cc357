"""Refused waivers and missing evidence worded in the reader's language, and when a
required field investigation is still pending."""

from __future__ import annotations

import pytest

from claimdesk.claims.rules import (
    EvidenceGap,
    check_waiver,
    field_investigation_pending,
    require_evidence,
)
from claimdesk.core.errors import ClaimDeskError, PermissionDenied
from claimdesk.security.enums import Role
from claimdesk.web.forms import claim_action_error
from claimdesk.web.i18n import Translator

EN = Translator("en", "Asia/Shanghai")
ZH = Translator("zh-CN", "Asia/Shanghai")
REQUIRED = ["id_card", "discharge_summary"]


def _refusal(**fields: object) -> ClaimDeskError:
    args: dict = {
        "role": Role.SUPERVISOR,
        "waiver_roles": ["supervisor"],
        "kinds": [],
        "reason": "x",
    }
    args.update(fields)
    with pytest.raises(ClaimDeskError) as caught:
        check_waiver(required=REQUIRED, **args)
    return caught.value


def test_a_waiver_without_a_reason_is_worded_in_one_language():
    exc = _refusal(kinds=["id_card"], reason=" ")
    en = claim_action_error(exc, EN, waiving=True)
    zh = claim_action_error(exc, ZH, waiving=True)
    assert en and "reason" in en and "免除" not in en
    assert zh and "理由" in zh and "reason" not in zh
    assert claim_action_error(exc, EN, waiving=False) is None  # not a waiver form


def test_a_waiver_of_a_kind_not_required_names_it_in_the_readers_language():
    exc = _refusal(kinds=["accident_report"])
    en = claim_action_error(exc, EN, waiving=True)
    zh = claim_action_error(exc, ZH, waiving=True)
    assert en and "Police or traffic accident report" in en and "交警" not in en
    assert zh and "交警事故认定书" in zh and "accident_report" not in zh


def test_other_refusals_keep_their_own_message():
    exc = _refusal(role=Role.ADJUSTER, kinds=["id_card"])
    assert isinstance(exc, PermissionDenied)
    assert claim_action_error(exc, EN, waiving=True) is None


def test_missing_evidence_lists_each_gap_in_the_readers_language():
    gaps = [
        EvidenceGap(
            "discharge_summary", "missing", "Discharge summary is missing.", "缺少出院小结。"
        )
    ]
    with pytest.raises(ClaimDeskError) as caught:
        require_evidence(gaps, action="approve")
    en = claim_action_error(caught.value, EN, waiving=False)
    zh = claim_action_error(caught.value, ZH, waiving=False)
    assert en and "Discharge summary is missing." in en and "缺少" not in en
    assert zh and "缺少出院小结。" in zh and "missing" not in zh


@pytest.mark.parametrize(
    ("reasons", "statuses", "pending"),
    [
        ([], set(), False),
        (["large_amount"], set(), True),
        (["large_amount"], {"open"}, True),
        (["large_amount"], {"open", "completed"}, False),
        (["large_amount"], {"waived"}, False),
    ],
)
def test_a_field_investigation_is_pending_until_completed_or_waived(reasons, statuses, pending):
    assert field_investigation_pending(reasons=reasons, statuses=statuses) is pending
