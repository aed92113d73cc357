"""The demo data set comes with loyalty points and behaviour segments."""

from sqlalchemy import func, select

from claimdesk.customers.models import CustomerSegment, LoyaltyEntry, SegmentationRun
from claimdesk.demo import load_demo


def test_the_demo_has_loyalty_points_and_named_segments(container, session):
    load_demo(container)
    reasons = set(session.scalars(select(LoyaltyEntry.reason)))
    assert {"tenure_year", "self_service_claim"} <= reasons
    run = session.scalars(select(SegmentationRun)).one()
    assert all(s["name_en"] and s["explanation_zh"] for s in run.segments)
    assert session.scalar(select(func.count()).select_from(CustomerSegment)) == run.customers
