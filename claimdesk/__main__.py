"""``python -m claimdesk`` is the ``claimdesk`` command."""

from claimdesk.cli.main import app

app(prog_name="claimdesk")
