"""Schema revisions (Alembic), oldest first, in versions/.

To change the schema, edit storemon_core/db/schema.py, then run

    python -m storemon_core.db.migrations "add the history table"

which writes versions/000N_add_the_history_table.py from the difference between
schema.py and the newest revision. Read it, add what autogenerate cannot know
(moving data, renames), and run tests/test_migrations.py: it checks on SQLite
and MySQL that the revisions build exactly the tables of schema.py and that a
filled database upgraded to the new revision still gives the same report.
Never change a revision that has shipped; write a new one.
"""
