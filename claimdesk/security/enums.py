from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    ADJUSTER = "adjuster"
    SENIOR_ADJUSTER = "senior_adjuster"
    SUPERVISOR = "supervisor"
    INVESTIGATOR = "investigator"
    AUDITOR = "auditor"
    ADMIN = "admin"


STAFF_ROLES = frozenset(Role) - {Role.CUSTOMER}
HANDLER_ROLES = frozenset({Role.ADJUSTER, Role.SENIOR_ADJUSTER, Role.SUPERVISOR})
