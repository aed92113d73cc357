"""CSAT: a survey after a resolved ticket or a closed claim; low scores close the loop."""

from datetime import timedelta

from sqlalchemy import select

from claimdesk.security.enums import Role
from claimdesk.support.models import Survey


def survey_of(world, **where):
    with world.container.sessions() as session:
        return session.scalars(select(Survey).filter_by(**where)).one()


def respond(world, headers, survey_id, score, comment=None):
    return world.client.post(
        f"/api/v1/surveys/{survey_id}/responses",
        json={"score": score, "comment": comment},
        headers=headers,
    )


def test_a_low_score_on_a_resolved_ticket_opens_a_follow_up_ticket(world, desk):
    customer = world.login(Role.CUSTOMER, world.customer())
    ticket = desk.open(customer)
    desk.act(desk.agents[0].headers, ticket["id"], "resolve", reason="explained")
    survey = survey_of(world, ticket_id=ticket["id"])
    assert survey.handler_id == desk.agents[0].id
    assert survey.expires_at == world.now + timedelta(days=7)

    response = respond(world, customer, survey.id, 2, "还是没解决")
    assert response.status_code == 201, response.text
    follow_up_id = response.json()["follow_up_ticket_id"]
    follow_up = desk.get(desk.agents[1].headers, follow_up_id)
    assert (follow_up["kind"], follow_up["priority"]) == ("follow_up", "high")
    assert follow_up["owner_id"] == desk.agents[1].id  # round-robin continues
    assert follow_up["messages"][0]["body"] == "还是没解决"

    again = respond(world, customer, survey.id, 5)
    assert again.status_code == 409


def test_a_good_score_opens_nothing(world, desk):
    customer = world.login(Role.CUSTOMER, world.customer())
    ticket = desk.open(customer)
    desk.act(desk.agents[0].headers, ticket["id"], "resolve", reason="explained")
    response = respond(world, customer, survey_of(world, ticket_id=ticket["id"]).id, 4)
    assert response.json()["follow_up_ticket_id"] is None


def test_an_expired_survey_and_someone_elses_survey_are_refused(world, desk, clock):
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    ticket = desk.open(customer)
    desk.act(desk.agents[0].headers, ticket["id"], "resolve", reason="explained")
    survey_id = survey_of(world, ticket_id=ticket["id"]).id
    stranger = world.login(Role.CUSTOMER, world.customer())
    assert respond(world, stranger, survey_id, 5).status_code == 404
    assert respond(world, world.login(Role.AGENT), survey_id, 5).status_code == 403
    clock.advance(timedelta(days=7))
    response = respond(world, world.login(Role.CUSTOMER, holder), survey_id, 5)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "survey_expired"


def test_a_closed_claim_sends_a_survey_and_results_group_by_channel_product_handler(world, desk):
    holder = world.customer()
    customer = world.login(Role.CUSTOMER, holder)
    claim = world.report(
        customer, world.policy(holder), bank_account_id=holder.bank_accounts[0].id
    ).json()
    world.settle(customer, claim["id"], until="close")
    survey = survey_of(world, claim_id=claim["id"], subject="claim")
    assert respond(world, customer, survey.id, 5, "fast!").status_code == 201

    ticket = desk.open(customer, channel="app")
    desk.act(desk.agents[0].headers, ticket["id"], "resolve", reason="done")
    assert (
        respond(world, customer, survey_of(world, ticket_id=ticket["id"]).id, 1).status_code == 201
    )

    manager = world.login(Role.SUPERVISOR)
    by_channel = world.client.get("/api/v1/surveys/results?by=channel", headers=manager).json()
    assert by_channel == [
        {"group": "app", "responses": 1, "average": 1.0, "low_scores": 1},
        {"group": "web", "responses": 1, "average": 5.0, "low_scores": 0},
    ]
    by_product = world.client.get("/api/v1/surveys/results?by=product", headers=manager).json()
    assert {r["group"]: r["responses"] for r in by_product} == {None: 1, "MED-HOSP": 1}
    by_handler = world.client.get("/api/v1/surveys/results?by=handler", headers=manager).json()
    assert {r["group"] for r in by_handler} == {str(survey.handler_id), str(desk.agents[0].id)}
    assert world.client.get("/api/v1/surveys/results?by=mood", headers=manager).status_code == 422
    assert world.client.get("/api/v1/surveys/results", headers=customer).status_code == 403
