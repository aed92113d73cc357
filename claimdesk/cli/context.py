"""The container a command runs with."""

from __future__ import annotations

import typer

from claimdesk.bootstrap import Container, build


def container_of(ctx: typer.Context) -> Container:
    """The container the caller passed (``obj``: a test's, say), or one built from the
    settings, once per command line."""
    if ctx.obj is None:
        ctx.obj = build()
    container: Container = ctx.obj
    return container
