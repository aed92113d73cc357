"""Factories: build customers, policies and signed-in users with as little noise as possible."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response

from claimdesk.bootstrap import Container
from claimdesk.claims.models import Claim
from claimdesk.claims.service import documents_for
from claimdesk.compliance.service import certify_for_every_gate
from claimdesk.core.db import unit_of_work
from claimdesk.core.errors import split_languages
from claimdesk.customers.models import BankAccount, Customer
from claimdesk.customers.schemas import BankAccountIn, CustomerIn
from claimdesk.customers.service import create_customer
from claimdesk.documents import paperwork
from claimdesk.policies.models import Policy
from claimdesk.policies.schemas import InsuredIn, PolicyIn
from claimdesk.policies.service import create_policy
from claimdesk.security.enums import HANDLER_ROLES, Role
from claimdesk.security.service import create_user
from claimdesk.web.i18n import catalogue

PASSWORD = "correct-horse-9"
_serial = itertools.count(1)


class World:
    """A test's little universe: its database (through services) and its HTTP client."""

    def __init__(self, container: Container, client: TestClient) -> None:
        self.container = container
        self.client = client
        self._staff: dict[tuple[Role, bool], dict[str, str]] = {}
        self.last_username = ""

    @property
    def now(self) -> datetime:
        return self.container.clock.now()

    def customer(
        self, name: str | None = None, *, verified_account: bool = True, name_en: str | None = None
    ) -> Customer:
        """A customer with one bank account in their name; ``verified_account``: a second
        member of staff (a supervisor) has verified it, as payments require."""
        n = next(_serial)
        name = name or f"客户{n}"
        holder = name if verified_account else f"Someone Else {_letters(n)}"
        data = CustomerIn(
            name=name,
            name_en=name_en or f"Customer {_letters(n)}",
            id_number=f"11010119900101{n:04d}",
            phone="13800000000",
            bank_accounts=[
                BankAccountIn(
                    bank_name="ICBC", account_number=f"62220200{n:010d}", holder_name=holder
                )
            ],
        )
        with unit_of_work(self.container.sessions) as session:
            customer = create_customer(session, data=data, now=self.now)
        if verified_account:
            self.verify_account(customer.id, customer.bank_accounts[0].id)
        return customer

    def verify_account(self, customer_id: int, account_id: int) -> None:
        """A supervisor verifies the account, as the second person."""
        response = self.client.post(
            f"/api/v1/customers/{customer_id}/bank-accounts/{account_id}/verify",
            headers=self.staff(Role.SUPERVISOR),
        )
        assert response.status_code == 200, response.text

    def policy(
        self,
        holder: Customer,
        product_code: str = "MED-HOSP",
        *,
        start: date = date(2026, 1, 1),
        end: date = date(2026, 12, 31),
        sum_insured: str = "300000",
        insured: list[Customer] | None = None,
    ) -> Policy:
        data = PolicyIn(
            product_code=product_code,
            holder_id=holder.id,
            insured=[InsuredIn(customer_id=c.id) for c in insured or []],
            start_date=start,
            end_date=end,
            sum_insured=Decimal(sum_insured),
        )
        with unit_of_work(self.container.sessions) as session:
            return create_policy(session, data=data, now=self.now)

    def login(
        self, role: Role, customer: Customer | None = None, *, qualified: bool = True
    ) -> dict[str, str]:
        """Create a user of this role and return its Authorization header.

        Claim handlers and investigators hold every certificate the claim gates ask for
        (valid through 2030) unless ``qualified`` is false.
        """
        username = f"{role.value}-{next(_serial)}"
        self.last_username = username  # for signing in to the web pages with PASSWORD
        with unit_of_work(self.container.sessions) as session:
            user = create_user(
                session,
                hasher=self.container.hasher,
                username=username,
                password=PASSWORD,
                role=role,
                customer_id=customer.id if customer else None,
                now=self.now,
            )
            if qualified and role in HANDLER_ROLES | {Role.INVESTIGATOR}:
                certify_for_every_gate(
                    session,
                    user=user,
                    issued_on=date(2020, 1, 1),
                    expires_on=date(2030, 12, 31),
                    issuer="中国保险行业协会 Insurance Association of China",
                    now=self.now,
                )
        return self.sign_in(username)

    def sign_in(self, username: str) -> dict[str, str]:
        """A fresh Authorization header for an existing user (say, after a token expired)."""
        response = self.client.post(
            "/api/v1/auth/token", data={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def staff(self, role: Role, *, qualified: bool = True) -> dict[str, str]:
        """One shared user per staff role in this test (see ``login`` for ``qualified``)."""
        if (role, qualified) not in self._staff:
            self._staff[(role, qualified)] = self.login(role, qualified=qualified)
        return self._staff[(role, qualified)]

    def report(
        self,
        headers: dict[str, str],
        policy: Policy,
        *,
        amount: str = "5000.00",
        claim_type: str = "inpatient",
        incident_date: str = "2026-06-01",
        key: str | None = None,
        **extra: Any,
    ) -> Response:
        body = {
            "policy_id": policy.id,
            "claim_type": claim_type,
            "incident_date": incident_date,
            "description": "Hospitalised for pneumonia / 肺炎住院",
            "claimed_amount": amount,
            **extra,
        }
        more = {"Idempotency-Key": key} if key else {}
        return self.client.post("/api/v1/claims", json=body, headers={**headers, **more})

    def act(self, headers: dict[str, str], claim_id: int, action: str, **fields: Any) -> Response:
        return self.client.post(
            f"/api/v1/claims/{claim_id}/transitions",
            json={"action": action, **fields},
            headers=headers,
        )

    def timeline(
        self, headers: dict[str, str], claim_id: int, language: str | None = None
    ) -> list[dict[str, Any]]:
        """The claim's timeline, its texts in ``language`` (Accept-Language) when given."""
        asked = {"Accept-Language": language} if language else {}
        response = self.client.get(
            f"/api/v1/claims/{claim_id}/timeline", headers={**headers, **asked}
        )
        assert response.status_code == 200, response.text
        return list(response.json())

    def claim(self, headers: dict[str, str], claim_id: int) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/claims/{claim_id}", headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    # ------------------------------------------------------------ decisions

    def settle(
        self, customer: dict[str, str], claim_id: int, *, until: str = "pay"
    ) -> dict[str, Any]:
        """Take a reported claim the usual way up to ``until`` (an action): an adjuster
        reviews it, the customer's documents are uploaded and read, the adjuster assesses
        and verifies coverage, a senior adjuster approves and the adjuster pays (four-eyes
        and segregation of duties). Returns the claim after the last step."""
        adjuster, senior = self.staff(Role.ADJUSTER), self.staff(Role.SENIOR_ADJUSTER)
        steps = [
            ("start_review", adjuster),
            ("evidence", customer),
            ("assess", adjuster),
            ("verify_coverage", adjuster),
            ("approve", senior),
            ("pay", adjuster),
            ("close", adjuster),
        ]
        for action, headers in steps:
            if action == "evidence":
                self.evidence(headers, claim_id)
                continue
            response = self.act(headers, claim_id, action)
            assert response.status_code == 200, response.text
            if action == until:
                return dict(response.json())
        raise ValueError(f"'{until}' is not a step of settle()")

    # ------------------------------------------------------------ evidence

    def evidence(
        self,
        headers: dict[str, str],
        claim_id: int,
        *,
        skip: tuple[str, ...] = (),
        amount: str | None = None,
        patient: str | None = None,
    ) -> dict[str, Response]:
        """Upload a readable PDF (text layer, read by the real pipeline) for each document
        the claim requires, made to match it: the claimant's name, the incident date, an
        invoice for the claimed amount (or ``amount``), the payee account's number and
        holder. ``skip`` leaves kinds out; ``patient`` names someone else on the papers."""
        with self.container.sessions() as session:
            claim = session.get(Claim, claim_id)
            assert claim is not None
            customer = session.get(Customer, claim.customer_id)
            assert customer is not None
            account = session.get(BankAccount, claim.bank_account_id or 0)
            kinds = [d.kind for d in documents_for(claim)]
            facts = paperwork.Facts(
                name=patient or customer.name_en or customer.name,
                day=claim.incident_date.isoformat(),
                amount=amount or f"{claim.claimed_amount:.2f}",
                holder=customer.name_en or customer.name,
                account_number=account.account_number if account else "6222020000000000",
                ref=f"{claim_id:06d}",
            )
        responses = {}
        for kind in kinds:
            if kind in skip:
                continue
            pdf = paperwork.text_pdf(paperwork.lines_for(kind, facts))
            responses[kind] = self.client.post(
                f"/api/v1/claims/{claim_id}/documents",
                files={"file": (f"{kind}.pdf", pdf, "application/pdf")},
                data={"kind": kind},
                headers=headers,
            )
            assert responses[kind].status_code in (200, 201), responses[kind].text  # 200: again
        return responses


def _letters(n: int) -> str:
    """1 -> 'A', 27 -> 'AA': names that documents read back (names have no digits)."""
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters.capitalize()


def keyed(entry: dict[str, Any], key: str, reason: str | None = None) -> dict[str, Any]:
    """A history entry the system wrote: its message stored as ``key`` (in both
    catalogues) and parameters; ``reason`` holds only what a person typed (if anything)."""
    message = entry["data"].get("message")
    assert message is not None and message["key"] == key, entry
    assert key in catalogue()["en"] and key in catalogue()["zh-CN"]
    assert entry["reason"] == reason, entry["reason"]
    return dict(message["params"])


def said_in(text: str | None, language: str) -> bool:
    """``text`` is written in ``language`` only: no half of it in the other."""
    return bool(text) and set(split_languages(text or "")) == {language}
