"""The staff claim page lists the fields reading was not sure of, in the reader's language;
customers do not see them."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from claimdesk.documents.schemas import CompletenessOut, MismatchOut
from claimdesk.web.i18n import Translator
from claimdesk.web.rendering import templates


def _fragment(*, staff: bool, locale: str) -> str:
    look = MismatchOut(
        document_id=7,
        kind="itemised_invoice",
        field="patient_name",
        value="JAA",
        code="needs_look",
        message_en="'发票.jpg': the name was read as “JAA” but not clearly; please check it.",
        message_zh="“发票.jpg”的姓名识别为“JAA”，但不够清晰，请对照原件核实。",
    )
    completeness = CompletenessOut(
        claim_id=1,
        claim_status="under_review",
        complete=True,
        required=[],
        present=[],
        missing=[],
        unreadable=[],
        unrecognised=[],
        pending=[],
        mismatched=[],
        needs_look=[look],
        invoiced_total=Decimal("0.00"),
        claimed_amount=Decimal("100.00"),
    )
    panel = SimpleNamespace(
        claim_id=1,
        upload_error=None,
        completeness=completeness,
        kinds=[],
        documents=[],
        staff=staff,
        decided=False,
        names={},
    )
    template = templates.env.get_template("fragments/documents.html")
    return template.render(panel=panel, t=Translator(locale, "Asia/Shanghai"))


def test_staff_see_which_fields_need_a_look_in_their_language():
    english = _fragment(staff=True, locale="en")
    assert "Needs a look" in english and "JAA" in english
    chinese = _fragment(staff=True, locale="zh-CN")
    assert "需核实" in chinese and "对照原件核实" in chinese


def test_customers_are_not_shown_the_fields_that_need_a_look():
    assert "JAA" not in _fragment(staff=False, locale="en")
