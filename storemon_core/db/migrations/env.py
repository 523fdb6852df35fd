"""How Alembic runs storemon's migrations: on the connection storemon hands it.

storemon_core.db.migrate passes a connection that holds the database's turn
(no load or other upgrade runs beside it), inside a transaction that it commits:
on SQLite the whole upgrade is one transaction.
"""

from alembic import context

from storemon_core.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "storemon's migrations run through storemon_core.db.migrate "
        "(storemon db upgrade), which hands them a connection"
    )
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite alters a table by copying it: autogenerate writes batch operations.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
