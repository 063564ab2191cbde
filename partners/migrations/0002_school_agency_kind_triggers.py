"""The database itself refuses a school whose district is not a school district or whose
police agency is not a police agency, and an agency kind change that would break a school.

A CHECK constraint cannot look at another table, so these are triggers, written for the two
databases the project runs on.
"""

from django.db import migrations

MESSAGE = "school district must be a school district and police agency a police agency"

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER partners_school_kinds_{event.lower()}
    BEFORE {event} ON partners_school
    WHEN (SELECT kind FROM partners_agency WHERE id = NEW.district_id) IS NOT 'district'
      OR (SELECT kind FROM partners_agency WHERE id = NEW.police_agency_id) IS NOT 'police'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """
    for event in ("INSERT", "UPDATE")
] + [
    f"""
    CREATE TRIGGER partners_agency_kind_change
    BEFORE UPDATE OF kind ON partners_agency
    WHEN (NEW.kind IS NOT 'district' AND EXISTS (SELECT 1 FROM partners_school WHERE district_id = NEW.id))
      OR (NEW.kind IS NOT 'police' AND EXISTS (SELECT 1 FROM partners_school WHERE police_agency_id = NEW.id))
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS partners_school_kinds_insert",
    "DROP TRIGGER IF EXISTS partners_school_kinds_update",
    "DROP TRIGGER IF EXISTS partners_agency_kind_change",
]

POSTGRES_FORWARD = [
    f"""
    CREATE FUNCTION partners_school_check_kinds() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF (SELECT kind FROM partners_agency WHERE id = NEW.district_id) IS DISTINCT FROM 'district'
         OR (SELECT kind FROM partners_agency WHERE id = NEW.police_agency_id) IS DISTINCT FROM 'police' THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$;
    """,
    """
    CREATE TRIGGER partners_school_check_kinds
    BEFORE INSERT OR UPDATE OF district_id, police_agency_id ON partners_school
    FOR EACH ROW EXECUTE FUNCTION partners_school_check_kinds();
    """,
    f"""
    CREATE FUNCTION partners_agency_check_kind() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF (NEW.kind <> 'district' AND EXISTS (SELECT 1 FROM partners_school WHERE district_id = NEW.id))
         OR (NEW.kind <> 'police' AND EXISTS (SELECT 1 FROM partners_school WHERE police_agency_id = NEW.id)) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$;
    """,
    """
    CREATE TRIGGER partners_agency_check_kind
    BEFORE UPDATE OF kind ON partners_agency
    FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind)
    EXECUTE FUNCTION partners_agency_check_kind();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS partners_agency_check_kind ON partners_agency",
    "DROP FUNCTION IF EXISTS partners_agency_check_kind()",
    "DROP TRIGGER IF EXISTS partners_school_check_kinds ON partners_school",
    "DROP FUNCTION IF EXISTS partners_school_check_kinds()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
