"""Masking of sensitive values for people who do not need them in clear."""

from __future__ import annotations

# Characters kept at the start and end of each kind of value; the rest become '*'.
KEEP: dict[str, tuple[int, int]] = {
    "id_number": (3, 4),  # 110***********1234
    "phone": (3, 4),  # 138****1234
    "account_number": (4, 4),  # 6222**********1234
}


def mask(value: str, *, keep_start: int = 3, keep_end: int = 4) -> str:
    """Keep a few characters at each end; short values are masked whole."""
    hidden = len(value) - keep_start - keep_end
    if hidden < 4:
        return "*" * len(value)
    return value[:keep_start] + "*" * hidden + value[len(value) - keep_end :]


def mask_field(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    start, end = KEEP[field]
    return mask(value, keep_start=start, keep_end=end)
