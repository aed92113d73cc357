"""The served-process fixture of tests/e2e, for the browser tests too."""

from tests.e2e.test_served_process import server  # noqa: F401 - a fixture, used by name
