"""Smart assistant (R8): knowledge base, retrieval, dialogue and hand-off to the service desk."""
