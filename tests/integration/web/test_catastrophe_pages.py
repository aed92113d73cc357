"""The workbench's catastrophe pages: events, an event's summary and its queue by lane,
in Chinese and English; customers are kept out."""

from __future__ import annotations

from claimdesk.security.enums import Role
from tests.integration.catastrophe.test_catastrophe_api import API, EVENT, _row
from tests.integration.web.pages import signed_in


def _event_with_claims(world) -> int:
    holder = world.customer()
    event_id = world.client.post(API, json=EVENT, headers=world.staff(Role.SUPERVISOR)).json()["id"]
    rows = [
        _row("car", world.policy(holder, "MOTOR-COMP"), "vehicle_damage", amount="2000.00"),
        _row("death", world.policy(holder, "ACC-PLUS"), "accidental_death_disability"),
    ]
    response = world.client.post(
        f"{API}/{event_id}/claims", json=rows, headers=world.staff(Role.AGENT)
    )
    assert response.json()["created"] == 2, response.text
    return event_id


def test_staff_find_the_event_and_work_its_queue_in_either_language(world):
    event_id = _event_with_claims(world)
    adjuster = signed_in(world, Role.ADJUSTER)
    assert "/staff/catastrophes" in adjuster.get("/staff").text
    events = adjuster.get("/staff/catastrophes", headers={"Accept-Language": "en"})
    assert events.status_code == 200
    assert "TY-2026-HAIKUI" in events.text and "Typhoon Haikui" in events.text

    page = adjuster.get(f"/staff/catastrophes/{event_id}", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    assert "台风海葵" in page.text and "人伤通道" in page.text
    assert page.text.index("death") < page.text.index("car")  # priority order
    english = adjuster.get(
        f"/staff/catastrophes/{event_id}?lane=standard", headers={"Accept-Language": "en"}
    )
    assert "Standard lane" in english.text and "Injury lane" not in english.text


def test_customers_do_not_get_the_catastrophe_pages(world):
    event_id = _event_with_claims(world)
    customer = signed_in(world, Role.CUSTOMER, world.customer())
    assert customer.get("/staff/catastrophes").status_code in (403, 404)
    assert customer.get(f"/staff/catastrophes/{event_id}").status_code in (403, 404)
