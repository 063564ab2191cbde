from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from partners.models import Agency, School

GOOD = """name,district,grade_band,police_agency
Clayton High School,Clayton School District,high,Clayton Police Department
Wydown Middle School,Clayton School District,middle,Clayton Police Department
Kirkwood High School,Kirkwood School District,High,Kirkwood Police Department
"""


def run_import(tmp_path, text: str, name: str = "schools.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_schools", str(path), stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.django_db
def test_import_creates_schools_and_missing_agencies(tmp_path):
    output = run_import(tmp_path, GOOD)
    assert "3 created, 0 updated, 0 unchanged" in output
    assert "agencies created: 4" in output
    assert School.objects.count() == 3
    wydown = School.objects.get(name="Wydown Middle School")
    assert wydown.district.name == "Clayton School District"
    assert wydown.district.kind == Agency.Kind.DISTRICT
    assert wydown.police_agency.kind == Agency.Kind.POLICE
    assert School.objects.get(name="Kirkwood High School").grade_band == "high"


@pytest.mark.django_db
def test_import_again_changes_nothing(tmp_path):
    run_import(tmp_path, GOOD)
    before = list(School.objects.values_list("pk", "name", "district_id", "police_agency_id", "grade_band", "active"))
    output = run_import(tmp_path, GOOD)
    assert "0 created, 0 updated, 3 unchanged" in output
    assert (
        list(School.objects.values_list("pk", "name", "district_id", "police_agency_id", "grade_band", "active"))
        == before
    )
    assert Agency.objects.count() == 4


@pytest.mark.django_db
def test_import_updates_changed_rows(tmp_path):
    run_import(tmp_path, GOOD)
    changed = GOOD.replace(
        "Wydown Middle School,Clayton School District,middle,Clayton Police Department",
        "Wydown Middle School,Clayton School District,middle,St. Louis County Police Department",
    )
    output = run_import(
        tmp_path, changed + "New Elementary,Clayton School District,elementary,Clayton Police Department\n"
    )
    assert "1 created, 1 updated, 2 unchanged" in output
    assert School.objects.get(name="Wydown Middle School").police_agency.name == "St. Louis County Police Department"


@pytest.mark.django_db
def test_bad_rows_are_all_reported_and_nothing_is_written(tmp_path):
    bad = GOOD + (
        "Lost School,,high,Clayton Police Department\n"
        "Odd School,Clayton School District,university,Clayton Police Department\n"
        "Clayton High School,Clayton School District,high,Clayton Police Department\n"
        "Swapped School,Clayton Police Department,high,Clayton School District\n"
    )
    with pytest.raises(CommandError, match="4 bad row"):
        out = StringIO()
        try:
            call_command("import_schools", str(_write(tmp_path, bad)), stdout=out, stderr=out)
        finally:
            report = out.getvalue()
    assert "line 5: district is empty" in report
    assert "line 6: grade_band 'university'" in report
    assert "line 7: Clayton High School (Clayton School District) is already on line 2" in report
    assert "line 8: Clayton Police Department exists as a Police department, not a School district" in report
    assert School.objects.count() == 0
    assert Agency.objects.count() == 0


@pytest.mark.django_db
def test_missing_column_is_refused(tmp_path):
    with pytest.raises(CommandError, match="missing column"):
        run_import(tmp_path, "name,district\nA,B\n")


@pytest.mark.django_db
def test_large_file_shows_progress(tmp_path, capsys):
    rows = "".join(f"School {n},Big District,elementary,Big Police Department\n" for n in range(450))
    path = _write(tmp_path, "name,district,grade_band,police_agency\n" + rows)
    call_command("import_schools", str(path))
    captured = capsys.readouterr()
    assert "450/450 rows checked" in captured.err
    assert "450 created" in captured.out
    assert School.objects.count() == 450


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_schools", str(tmp_path / "nope.csv"))


def _write(tmp_path, text):
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    return path
