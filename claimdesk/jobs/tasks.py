"""Imports every domain's tasks so a worker knows them all (add a line per tasks module)."""

from claimdesk.jobs.queue import huey

__all__ = ["huey"]
