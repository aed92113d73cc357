"""Staff edit the message templates with a preview; stored versions override the files."""

from __future__ import annotations

from claimdesk.security.enums import Role
from tests.integration.messaging.conftest import customer_with_email

URL = "/api/v1/message-templates"
EDITED = """{% block subject %}We got claim {{ number }}{% endblock %}
{% block text %}Hi {{ name }}, claim {{ number }} needs {{ documents|length }} documents.
{%- endblock %}
{% block html %}<p>Hi <b>{{ name }}</b></p>{% endblock %}
{% block sms %}Claim {{ number }} received{% endblock %}"""


def test_staff_list_every_event_in_both_languages_with_the_shipped_text(world):
    templates = world.client.get(URL, headers=world.staff(Role.AGENT)).json()
    assert {(t["event"], t["locale"]) for t in templates} >= {
        ("claim_reported", "zh-CN"),
        ("claim_reported", "en"),
        ("documents_requested", "en"),
        ("claim_denied", "zh-CN"),
        ("ticket_reply", "en"),
    }
    reported = next(t for t in templates if (t["event"], t["locale"]) == ("claim_reported", "en"))
    assert reported["overridden"] is False and reported["category"] == "statutory"
    assert "{% block subject %}" in reported["source"]


def test_a_preview_shows_the_message_with_example_values_or_given_ones(world):
    agent = world.staff(Role.AGENT)
    preview = world.client.post(f"{URL}/claim_paid/zh-CN/preview", json={}, headers=agent).json()
    assert preview["subject"] == "理赔 CLM202606150000042：已支付 CNY 3,680.00"
    assert "**** 1234" in preview["text"] and preview["html"].startswith("<!doctype html>")
    assert len(preview["sms"]) <= 160
    draft = world.client.post(
        f"{URL}/claim_reported/en/preview",
        json={"source": EDITED, "params": {"name": "<Ann>", "number": "CLM1", "documents": []}},
        headers=agent,
    ).json()
    assert draft["text"] == "Hi <Ann>, claim CLM1 needs 0 documents."
    assert "<b>&lt;Ann&gt;</b>" in draft["html"]  # HTML escaped, text not


def test_a_stored_template_is_used_for_the_next_message_and_reset_brings_back_the_default(
    world, smtp_out
):
    agent = world.staff(Role.AGENT)
    stored = world.client.put(f"{URL}/claim_reported/en", json={"source": EDITED}, headers=agent)
    assert stored.status_code == 200, stored.text
    assert stored.json()["overridden"] is True
    customer = customer_with_email(world)
    claim = world.report(world.login(Role.CUSTOMER, customer), world.policy(customer)).json()
    [mail] = smtp_out.to("li.lei@example.com")
    assert mail["Subject"] == f"We got claim {claim['number']}"

    reset = world.client.delete(f"{URL}/claim_reported/en", headers=agent).json()
    assert reset["overridden"] is False
    world.report(world.login(Role.CUSTOMER, customer), world.policy(customer))
    assert "documents we need" in smtp_out.to("li.lei@example.com")[-1]["Subject"]


def test_a_template_that_cannot_render_is_refused_with_the_reason(world):
    agent = world.staff(Role.AGENT)
    cases = {
        "{% block subject %}{{ number }{% endblock %}": "syntax error on line 1",
        "{% block subject %}x{% endblock %}": "missing: text, sms",
        EDITED.replace("{{ name }}", "{{ nme }}"): "'nme' is undefined",
        EDITED.replace("{{ name }}", "{{ name.__class__.__mro__ }}"): "cannot be rendered",
    }
    for source, reason in cases.items():
        response = world.client.put(
            f"{URL}/claim_reported/en", json={"source": source}, headers=agent
        )
        assert response.status_code == 422, source
        assert reason in response.json()["error"]["message"], response.json()
    assert world.client.get(f"{URL}/claim_reported/en", headers=agent).json()["overridden"] is False
    assert world.client.get(f"{URL}/claim_eaten/en", headers=agent).status_code == 422
    assert world.client.get(f"{URL}/claim_reported/fr", headers=agent).status_code == 422


def test_customers_and_auditors_cannot_touch_templates(world):
    customer = world.login(Role.CUSTOMER, world.customer())
    for headers in (customer, world.staff(Role.AUDITOR)):
        assert world.client.get(URL, headers=headers).status_code == 403
        assert (
            world.client.put(
                f"{URL}/claim_reported/en", json={"source": EDITED}, headers=headers
            ).status_code
            == 403
        )
