"""Alembic environment: the connection comes from trainer.db.migrate."""

from alembic import context

from trainer.db import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
