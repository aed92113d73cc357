"""Schemathesis sends generated requests for every operation of the OpenAPI document to the
app in-process, signed in as an administrator and anonymously: nothing answers 5xx, and
every status answered is one the document lists for the operation.
CLAIMDESK_SCHEMATHESIS_EXAMPLES sets the examples per operation (default 10, up from 4)."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from claimdesk.security.enums import Role

EXAMPLES_PER_OPERATION = int(os.environ.get("CLAIMDESK_SCHEMATHESIS_EXAMPLES", "10"))


def test_no_operation_answers_with_a_server_error(client, world):
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    admin = world.staff(Role.ADMIN)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    failures: list[str] = []

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
                try:
                    case.validate_response(
                        response, checks=[not_a_server_error, status_code_conformance]
                    )
                except (AssertionError, BaseExceptionGroup) as failure:  # one, or several
                    failures.append(
                        f"{case.operation.label}: {response.status_code} "
                        f"{response.text[:200]} ({str(failure)[:300]})"
                    )

        no_server_error()
    assert failures == []
