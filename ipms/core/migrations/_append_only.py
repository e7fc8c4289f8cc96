"""Database triggers that make a table append-only; used by core's migrations.

Kept beside the migrations (the loader skips names starting with "_") and never changed
once a migration uses it: a migration must do the same thing forever.

* PostgreSQL: one trigger function refuses UPDATE and DELETE on the tables it guards,
  with SQLSTATE 23001 (restrict_violation), which Django raises as ``IntegrityError``.
  TRUNCATE is not guarded: it needs the table owner's rights, and Django's test runner
  empties tables with it between transactional tests.
* SQLite: a trigger refuses UPDATE. DELETE is left to the ORM guard there, because
  SQLite has no TRUNCATE and Django's ``flush`` (run between transactional tests) empties
  every table with DELETE. SQLite drops a table's triggers when a migration rebuilds the
  table, so a later migration that alters a guarded table must call ``install`` again
  (the tests that UPDATE with raw SQL would notice).
"""

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION ipms_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
"""


def install(schema_editor, table: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)  # "%" is plpgsql here
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')
        schema_editor.execute(
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION ipms_refuse_change()"
        )
    elif vendor == "sqlite":
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_no_update"')
        schema_editor.execute(
            f'CREATE TRIGGER "{table}_no_update" BEFORE UPDATE ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END"
        )


def uninstall(schema_editor, table: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')
    elif vendor == "sqlite":
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_no_update"')
