"""Alembic environment: runs on the engine the application hands over (see database.migrate)."""

from alembic import context

from stdwatch.store import account_models, job_models, outbox_models, study_models  # noqa: F401 - register tables
from stdwatch.store.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
