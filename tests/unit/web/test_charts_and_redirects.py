"""Server-drawn charts and the sign-in redirect target."""

from __future__ import annotations

import re

from claimdesk.web.charts import bar_chart, percent
from claimdesk.web.rendering import safe_next


def test_bars_are_scaled_to_the_largest_value_and_labelled():
    svg = bar_chart("Claims <per week>", [("W1", 10), ("W2", 5), ("W3", None)])
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([0-9.]+)"', svg)]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert 'aria-label="Claims &lt;per week&gt;"' in svg
    assert ">—</text>" in svg  # no figure is shown as a dash, not as zero


def test_percentages_and_an_empty_chart():
    assert percent(0.1234) == "12.3%" and percent(None) == "—"
    assert "svg" not in bar_chart("Nothing", [], empty="No data")


def test_only_paths_on_this_site_are_followed_after_sign_in():
    assert safe_next("/staff?queue=sla") == "/staff?queue=sla"
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil", "", None):
        assert safe_next(target, "/") == "/"
