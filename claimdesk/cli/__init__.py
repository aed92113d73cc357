"""The ``claimdesk`` command: an adapter like ``api/`` and ``web/`` (``main.app`` is the root,
one module per domain's commands)."""
