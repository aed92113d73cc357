"""Mapping a legacy motor feed row (the 1994-95 vehicle claims columns) onto a claim."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from claimdesk.claims.imports import RowRejected, map_row, mapping_for, nth_weekday

FEED = """\
Month,WeekOfMonth,DayOfWeek,Make,AccidentArea,DayOfWeekClaimed,MonthClaimed,WeekOfMonthClaimed,Sex,MaritalStatus,Age,Fault,PolicyType,VehicleCategory,VehiclePrice,FraudFound_P,PolicyNumber,RepNumber,Deductible,DriverRating,Days_Policy_Accident,Days_Policy_Claim,PastNumberOfClaims,AgeOfVehicle,AgeOfPolicyHolder,PoliceReportFiled,WitnessPresent,AgentType,NumberOfSuppliments,AddressChange_Claim,NumberOfCars,Year,BasePolicy
Dec,5,Wednesday,Honda,Urban,Tuesday,Jan,1,Female,Single,21,Policy Holder,Sport - Liability,Sport,more than 69000,0,1,12,300,1,more than 30,more than 30,none,3 years,26 to 30,No,No,External,none,1 year,3 to 4,1994,Liability
Jul,2,Monday,Honda,Rural,0,0,1,Male,Single,0,Policy Holder,Sedan - All Perils,Sedan,more than 69000,0,1517,15,400,2,more than 30,none,none,new,16 to 17,No,No,External,none,no change,1 vehicle,1994,All Perils
Jan,3,Wednesday,Tesla,Urban,Monday,Jan,4,Male,Single,34,Policy Holder,Sport - Collision,Sport,more than 69000,0,2,15,400,4,more than 30,more than 30,none,6 years,31 to 35,Yes,No,External,none,no change,1 vehicle,1994,Collision
"""  # noqa: E501


def _rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(FEED)))


def test_the_nth_weekday_of_a_month_and_the_last_when_there_are_fewer():
    assert nth_weekday(1994, 1, 1, 1) == date(1994, 1, 4)  # first Tuesday
    assert nth_weekday(1993, 12, 5, 2) == date(1993, 12, 29)  # fifth Wednesday
    assert nth_weekday(1994, 2, 5, 0) == date(1994, 2, 28)  # only four Mondays: the last


def test_a_feed_row_maps_onto_the_motor_claim_policy_and_schema():
    mapped = map_row(mapping_for("MOTOR-COMP"), _rows()[0])
    assert (mapped.claim_ref, mapped.policy_ref) == ("1", "1")
    # claimed in January 1994, the accident in December: the year before
    assert mapped.reported_on == date(1994, 1, 4)
    assert mapped.incident_date == date(1993, 12, 29)
    assert mapped.claim_attributes == {
        "fault": "policy_holder",
        "accident_area": "urban",
        "police_report_filed": "false",
        "witness_present": "false",
        "number_of_cars": "3_to_4",
        "days_policy_accident": "more_than_30",
        "days_policy_claim": "more_than_30",
        "past_number_of_claims": "none",
        "number_of_supplements": "none",
        "address_change": "1_year",
    }
    assert mapped.insured_object["make"] == "honda"
    assert mapped.insured_object["vehicle_price"] == "more_than_69000"
    assert mapped.insured_object["driver_rating"] == "1"
    # 'more than 30' days: the policy started 31 days before the accident
    assert (mapped.incident_date - mapped.policy_start).days == 31
    assert mapped.sum_insured == Decimal("100000.00")
    assert mapped.claimed_amount == Decimal("1.00")
    assert "amount not in the feed" in mapped.description
    assert mapped.holder_gender == "female"


def test_a_feed_amount_and_description_are_taken_when_the_feed_has_them():
    row = {**_rows()[0], "ClaimAmount": "8,650.50", "Description": "Rear-ended"}
    mapped = map_row(mapping_for("MOTOR-COMP"), row)
    assert (mapped.claimed_amount, mapped.description) == (Decimal("8650.50"), "Rear-ended")


@pytest.mark.parametrize(
    ("row", "column"),
    [(1, "MonthClaimed"), (2, "Make")],
)
def test_a_row_the_mapping_cannot_read_is_rejected_naming_the_column(row, column):
    with pytest.raises(RowRejected) as rejected:
        map_row(mapping_for("MOTOR-COMP"), _rows()[row])
    assert rejected.value.reason.startswith(f"{column}:")
