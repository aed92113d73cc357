from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from claimdesk.core.db import Base


def test_migrations_build_exactly_the_schema_the_models_describe(container):
    with container.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
