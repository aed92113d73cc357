"""``python -m claimdesk`` is the ``claimdesk`` command."""

from claimdesk.cli import app

app(prog_name="claimdesk")
