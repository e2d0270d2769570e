"""Alembic environment: runs on the engine the application hands over (see database.migrate)."""

from alembic import context

from stdwatch.store.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
