"""API errors in the language the request asks for (Accept-Language), with the same codes;
without the header the message is as raised."""

from __future__ import annotations

import pytest

from claimdesk.core.errors import code_messages
from claimdesk.security.enums import Role

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def holder(world):
    return world.customer("韩梅", name_en="Han Mei")


def reserve_refused(world, holder, language):
    customer = world.login(Role.CUSTOMER, holder)
    claim = world.report(
        customer,
        world.policy(holder),
        amount="5000.00",
        claim_type="inpatient",
        bank_account_id=holder.bank_accounts[0].id,
    ).json()
    return world.client.post(
        f"/api/v1/claims/{claim['id']}/reserve",
        json={"amount": "100.00", "reason": "   "},
        headers={**world.staff(Role.SUPERVISOR), **language},
    )


def test_a_domain_error_is_said_in_the_language_asked_with_the_same_code(world, holder):
    english = reserve_refused(world, holder, EN)
    chinese = reserve_refused(world, holder, ZH)
    assert english.status_code == chinese.status_code == 422
    assert english.json()["error"]["code"] == chinese.json()["error"]["code"]
    assert english.json()["error"]["message"] == "Say why the reserve changes."
    assert chinese.json()["error"]["message"] == "请说明调整准备金的原因。"
    assert chinese.headers["Content-Language"] == "zh-CN"
    assert english.json()["error"]["details"] == chinese.json()["error"]["details"]


def test_without_accept_language_the_message_is_as_raised(world, holder):
    response = reserve_refused(world, holder, {})
    assert (
        response.json()["error"]["message"]
        == "Say why the reserve changes. / 请说明调整准备金的原因。"
    )


def test_framework_errors_follow_the_language_too(world):
    chinese = world.client.get("/api/v1/no-such-thing", headers=ZH)
    assert chinese.status_code == 404
    assert chinese.json()["error"] == {
        "code": "not_found",
        "message": code_messages()["zh-CN"]["not_found"],
        "details": [],
    }
    english = world.client.post(
        "/api/v1/claims", json={}, headers={**world.staff(Role.AGENT), **EN}
    )
    assert english.status_code == 422
    assert english.json()["error"]["code"] == "validation_failed"
    assert english.json()["error"]["message"].startswith("Some fields are not valid:")
    chinese = world.client.post(
        "/api/v1/claims", json={}, headers={**world.staff(Role.AGENT), **ZH}
    )
    assert chinese.json()["error"]["message"].startswith("部分字段无效：")
