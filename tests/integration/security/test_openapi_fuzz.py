"""Schemathesis sends generated requests for every operation of the OpenAPI document to the
app in-process, signed in as an administrator and anonymously: nothing answers 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from claimdesk.security.enums import Role

EXAMPLES_PER_OPERATION = 4


def test_no_operation_answers_with_a_server_error(client, world):
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    admin = world.staff(Role.ADMIN)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    server_errors: list[str] = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case):
            for headers in (admin, {}):
                response = case.call(headers=headers, timeout=300)
                if response.status_code >= 500:
                    server_errors.append(
                        f"{case.operation.label}: {response.status_code} {response.text[:200]}"
                    )

        no_server_error()
    assert server_errors == []
