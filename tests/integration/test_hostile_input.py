"""Every route of the OpenAPI document, walked with hostile values: integers beyond what the
database holds (2**63, and below -2**63) in every integer path and query parameter, and in
body fields; explicit nulls in body fields. Each is refused with a clear 4xx in the error
shape (or, where the value is allowed, served), never a 5xx."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from claimdesk.security.enums import Role

TOO_LARGE = 2**63
TOO_SMALL = -(2**63) - 1
JSON_BODY = "application/json"


def operations(openapi: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def is_integer(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "integer" or any(
        option.get("type") == "integer" for option in schema.get("anyOf", [])
    )


def body_properties(openapi: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get(JSON_BODY, {}).get("schema", {})
    if "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema.get("properties", {})


def with_ids(path: str, **values: int) -> str:
    """The path with each parameter set to 1, or to the value given for it."""
    return re.sub(r"\{(\w+)\}", lambda found: str(values.get(found[1], 1)), path)


def hostile_requests(openapi: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, url, request keywords) for every hostile variant of every operation."""
    for method, path, operation in operations(openapi):
        parameters = operation.get("parameters", [])
        path_ints = {p["name"] for p in parameters if p["in"] == "path" and is_integer(p["schema"])}
        plain = with_ids(path)
        for name in path_ints:
            for value in (TOO_LARGE, TOO_SMALL):
                yield method, with_ids(path, **{name: value}), {}
        for parameter in parameters:
            if parameter["in"] == "query" and is_integer(parameter["schema"]):
                for value in (TOO_LARGE, TOO_SMALL):
                    yield method, plain, {"params": {parameter["name"]: value}}
        for name, schema in body_properties(openapi, operation).items():
            yield method, plain, {"json": {name: None}}
            if is_integer(schema):
                yield method, plain, {"json": {name: TOO_LARGE}}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.CUSTOMER])
def test_hostile_integers_and_nulls_get_a_4xx_on_every_route(client, world, role):
    holder = world.customer()
    headers = world.login(role, holder if role == Role.CUSTOMER else None)
    openapi = client.get("/api/v1/openapi.json").json()
    answers: dict[str, int] = {}
    for method, url, keywords in hostile_requests(openapi):
        response = client.request(method, url, headers=headers, **keywords)
        answers[f"{method} {url} {keywords}"] = response.status_code
        if 400 <= response.status_code < 500:
            assert response.json()["error"]["code"], response.text
    assert len(answers) > 100
    assert {key: code for key, code in answers.items() if code >= 500} == {}
    refusals = {code for code in answers.values() if code >= 400}
    assert refusals <= {400, 401, 403, 404, 405, 409, 413, 415, 422, 429}


def test_a_claim_id_beyond_the_database_range_is_refused_as_out_of_range(client, world):
    customer = world.login(Role.CUSTOMER, world.customer())

    response = client.get(f"/api/v1/claims/{TOO_LARGE}", headers=customer)

    assert response.status_code == 422
    assert response.json()["error"]["details"] == [{"reason": "out_of_range"}]


def test_a_null_for_a_required_field_in_an_update_is_refused_naming_the_field(client, world):
    editor = world.staff(Role.ADMIN)
    entry = client.post(
        "/api/v1/assistant/kb",
        json={
            "key": "opening-hours",
            "locale": "en",
            "category": "service",
            "title": "Opening hours",
            "body": "The service desk answers around the clock.",
        },
        headers=editor,
    ).json()

    response = client.patch(
        f"/api/v1/assistant/kb/{entry['id']}", json={"title": None}, headers=editor
    )

    assert response.status_code == 422
    assert response.json()["error"]["details"] == [{"field": "title", "reason": "null"}]
    again = client.get(f"/api/v1/assistant/kb/{entry['id']}", headers=editor).json()
    assert again["title"] == entry["title"]
