"""Webhooks for partner systems: subscriptions to domain events, deliveries signed per the
Standard Webhooks specification, retried with backoff, logged, replayable."""
