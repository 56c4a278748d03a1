"""Importing cases from CSV: every row checked first, every problem reported by its line, and
nothing imported unless every row is good."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from audit.extensions import db
from audit.models import AccessLogEntry, Case, Role
from tests.conftest import page_text
from tests.govuk_html import assert_error, field_error, title
from tests.pages import parse, text_of

HEADER = "reference,team,plan_type,worker_email,age_band,gender,ethnicity,religion,disability"


@pytest.fixture
def teams(make):
    return make.team("Safeguarding East"), make.team("Assessment North")


@pytest.fixture
def workers(make, teams):
    east, north = teams
    return (
        make.user(Role.PRACTITIONER, team=east, email="wyn@test.example", name="Wyn Worker"),
        make.user(Role.PRACTITIONER, team=north, email="nia@test.example", name="Nia North"),
    )


@pytest.fixture
def admin(make):
    return make.user(Role.ADMIN)


@pytest.fixture
def admin_client(client, admin):
    client.sign_in_as(admin)
    return client


def upload(client, content: bytes | str, filename: str = "cases.csv"):
    """Post a file as a browser would. The body is built in memory: the test client's own encoder
    spools a large body to a temporary file that it never closes."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    boundary, body = encode_multipart(
        {"csrf_token": client.csrf_token(), "file": FileStorage(io.BytesIO(content), filename, "file", "text/csv")}
    )
    return client.post(
        "/admin/cases/import", data=body, content_type=f"multipart/form-data; boundary={boundary}", csrf=False
    )


def problems(response) -> list[tuple[str, str]]:
    """The rows of the problems table: (line, problem)."""
    heading = parse(response).find(id="problems")
    if heading is None:
        return []
    rows = [row.find_all("td", class_="govuk-table__cell") for row in heading.find_next("table").find_all("tr")]
    return [(text_of(cells[0]), text_of(cells[1])) for cells in rows if len(cells) == 2]


def case_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case))


def cases(app) -> dict[str, Case]:
    with app.app_context():
        found = db.session.scalars(select(Case)).all()
        for case in found:
            db.session.expunge(case)
        return {case.reference: case for case in found}


def assert_nothing_imported(app, response, before: int) -> None:
    assert response.status_code == 200
    assert title(response).startswith("Error: Import cases")
    assert "No cases were imported" in field_error(response, "file")
    assert case_count(app) == before


def test_a_good_file_imports_every_case(app, admin_client, admin, teams, workers):
    east, north = teams
    content = "\n".join(
        [
            HEADER,
            "cs-1001,Safeguarding East,child_protection,WYN@test.example,10 to 15,female,White,Christian,no",
            "CS 10-02,safeguarding east,Child in need,,,,,,",
            "CS-1003,  Assessment  North ,child-in-care,nia@test.example,Under 1,Not recorded,,not recorded,Yes",
            "",
        ]
    )

    response = upload(admin_client, content)

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/cases"
    assert "3 cases imported." in page_text(admin_client.get("/admin/cases"))
    found = cases(app)
    assert set(found) == {"CS-1001", "CS10-02", "CS-1003"}
    first = found["CS-1001"]
    assert (first.team_id, first.worker_id, first.plan_type) == (east.id, workers[0].id, "child_protection")
    assert (first.age_band, first.gender, first.ethnicity, first.religion, first.disability) == (
        "10 to 15",
        "Female",
        "White",
        "Christian",
        "No",
    )
    second = found["CS10-02"]
    assert (second.team_id, second.worker_id, second.plan_type) == (east.id, None, "child_in_need")
    assert (second.age_band, second.gender, second.ethnicity, second.religion, second.disability) == (None,) * 5
    third = found["CS-1003"]
    assert (third.team_id, third.worker_id, third.plan_type) == (north.id, workers[1].id, "child_in_care")
    # "Not recorded" is stored as no value, as the add a case page stores it.
    assert (third.age_band, third.gender, third.religion, third.disability) == ("Under 1", None, None, "Yes")
    with app.app_context():
        logged = db.session.execute(
            select(AccessLogEntry.user_id, AccessLogEntry.action, AccessLogEntry.case_id).where(
                AccessLogEntry.action == "import"
            )
        ).all()
    assert sorted(logged) == sorted((admin.id, "import", case.id) for case in found.values())


def test_one_case_says_case_not_cases(admin_client, teams):
    response = upload(admin_client, "reference,team,plan_type\nCS-1,Safeguarding East,early help\n")
    assert "1 case imported." in page_text(admin_client.get(response.headers["Location"]))


def test_columns_may_be_in_any_order_with_spaced_or_capitalised_names(app, admin_client, teams):
    response = upload(admin_client, "Plan Type,Team,Reference,Worker-Email\nearly help,Safeguarding East,CS-9,\n")
    assert response.status_code == 302
    assert cases(app)["CS-9"].plan_type == "early_help"


def test_windows_line_endings_and_a_byte_order_mark_are_handled(app, admin_client, teams):
    content = ("\ufeffreference,team,plan_type\r\nCS-1,Safeguarding East,care leaver\r\n").encode()
    response = upload(admin_client, content)
    assert response.status_code == 302
    assert set(cases(app)) == {"CS-1"}


def test_excel_style_utf8_with_bom_and_quoted_values(app, admin_client, teams):
    content = (
        '\ufeff"reference","team","plan_type","ethnicity"\r\n'
        '"CS-1","Safeguarding East","child in need","Black, Black British, Caribbean or African"\r\n'
    )
    response = upload(admin_client, content.encode("utf-8"))
    assert response.status_code == 302
    assert cases(app)["CS-1"].ethnicity == "Black, Black British, Caribbean or African"


def test_missing_column_is_reported_on_line_1_and_nothing_is_imported(app, admin_client, teams):
    before = case_count(app)
    response = upload(admin_client, "reference,team\nCS-1,Safeguarding East\n")
    assert_nothing_imported(app, response, before)
    assert problems(response) == [("1", "The file is missing the column: plan_type")]


def test_several_missing_columns_are_named_together(app, admin_client, teams):
    response = upload(admin_client, "case_ref,plan\nCS-1,child in need\n")
    assert problems(response) == [("1", "The file is missing the columns: reference, team, plan_type")]


def test_a_column_named_twice_is_refused(app, admin_client, teams):
    before = case_count(app)
    response = upload(
        admin_client, "reference,team,plan_type,Team\nCS-1,Safeguarding East,early help,Assessment North\n"
    )
    assert_nothing_imported(app, response, before)
    assert problems(response) == [("1", "The header names these columns more than once: team")]


ROW_PROBLEMS = [
    (
        "CS-2,Safeguarding East,adopted,,,,,,",
        "Plan type 'adopted' is not one of: early help, child in need, child protection, child in care, care leaver",
    ),
    ("CS-2,Safeguarding East,,,,,,,", "Enter the plan type"),
    ("CS-2,Safeguarding Central,child in need,,,,,,", "There is no team called 'Safeguarding Central'"),
    ("CS-2,,child in need,,,,,,", "Enter the team"),
    (",Safeguarding East,child in need,,,,,,", "Enter a case reference"),
    (
        "Jane Smith,Safeguarding East,child in need,,,,,,",
        "Case reference JANESMITH must include a number: it is the case-management system's reference, never a name",
    ),
    (
        "CS/10'4,Safeguarding East,child in need,,,,,,",
        "Case reference CS/10'4 must start with a letter or number and contain only letters, numbers and / _ - .",
    ),
    (
        "-CS2,Safeguarding East,child in need,,,,,,",
        "Case reference -CS2 must start with a letter or number and contain only letters, numbers and / _ - .",
    ),
    ("C" * 41 + ",Safeguarding East,child in need,,,,,,", "Case reference must be 40 characters or fewer"),
    (
        "CS-2,Safeguarding East,child in need,nobody@test.example,,,,,",
        "There is no user with the email address nobody@test.example",
    ),
    (
        "CS-2,Safeguarding East,child in need,nia@test.example,,,,,",
        "nia@test.example is not in the Safeguarding East team",
    ),
    (
        "CS-2,Safeguarding East,child in need,,Toddler,,,,",
        "Age band 'Toddler' is not one of: Unborn, Under 1, 1 to 4, 5 to 9, 10 to 15, 16 to 17, 18 to 25",
    ),
    (
        "CS-2,Safeguarding East,child in need,,,,,Pastafarian,",
        "Religion 'Pastafarian' is not one of: No religion, Buddhist, Christian, Hindu, Jewish, Muslim, Sikh, "
        "Other religion, Not recorded",
    ),
    ("CS-2,Safeguarding East,child in need,,,,,,Maybe", "Disability 'Maybe' is not one of: Yes, No, Not recorded"),
]


@pytest.mark.parametrize(("row", "problem"), ROW_PROBLEMS)
def test_a_bad_row_is_reported_by_line_and_nothing_is_imported(app, admin_client, teams, workers, row, problem):
    before = case_count(app)
    content = f"{HEADER}\nCS-1,Safeguarding East,child in need,,,,,,\n{row}\nCS-3,Safeguarding East,early help,,,,,,\n"

    response = upload(admin_client, content)

    assert_nothing_imported(app, response, before)
    assert problems(response) == [("3", problem)]
    assert field_error(response, "file") == (
        "The file has 1 problem. No cases were imported. Correct the file and upload it again."
    )


def test_every_problem_on_every_line_is_reported_in_line_order(app, admin_client, teams):
    before = case_count(app)
    content = (
        "reference,team,plan_type\n"
        "CS-1,Nowhere,adopted\n"
        "CS-2,Safeguarding East,child in need\n"
        "CS-3,Safeguarding East,child, in need\n"
        ",Safeguarding East,\n"
    )

    response = upload(admin_client, content)

    assert_nothing_imported(app, response, before)
    assert [line for line, _ in problems(response)] == ["2", "2", "4", "5", "5"]
    assert problems(response)[2] == (
        "4",
        "The line has 4 values but the header has 3 columns (a value with a comma in it must be in double quotes)",
    )
    assert "The file has 5 problems." in field_error(response, "file")


def test_duplicate_reference_within_the_file_names_the_first_line(app, admin_client, teams):
    before = case_count(app)
    content = (
        "reference,team,plan_type\n"
        "CS-1,Safeguarding East,early help\n"
        "CS-2,Safeguarding East,early help\n"
        "cs-1,Safeguarding East,early help\n"
        "CS-1,Safeguarding East,early help\n"
    )
    response = upload(admin_client, content)
    assert_nothing_imported(app, response, before)
    assert problems(response) == [
        ("4", "Case reference CS-1 is also on line 2"),
        ("5", "Case reference CS-1 is also on line 2"),
    ]


def test_duplicate_reference_within_the_file_after_normalising(app, admin_client, teams):
    content = "reference,team,plan_type\nCS-1,Safeguarding East,early help\n cs-1 ,Safeguarding East,early help\n"
    response = upload(admin_client, content)
    assert problems(response) == [("3", "Case reference CS-1 is also on line 2")]


def test_duplicate_reference_against_the_database(app, admin_client, make, teams):
    make.case(teams[0], reference="CS-1")
    before = case_count(app)
    response = upload(
        admin_client, "reference,team,plan_type\ncs-1,Assessment North,early help\nCS-2,Assessment North,early help\n"
    )
    assert_nothing_imported(app, response, before)
    assert problems(response) == [("2", "A case with the reference CS-1 already exists")]


def test_deactivated_worker_cannot_be_allocated(app, admin_client, make, teams):
    make.user(Role.PRACTITIONER, team=teams[0], email="gone@test.example", active=False)
    response = upload(
        admin_client, "reference,team,plan_type,worker_email\nCS-1,Safeguarding East,early help,gone@test.example\n"
    )
    assert problems(response) == [("2", "gone@test.example has been deactivated and cannot be allocated cases")]


def test_line_numbers_are_physical_lines_with_blank_lines_and_multi_line_values(app, admin_client, teams):
    content = (
        "reference,team,plan_type,notes\n"  # line 1
        "\n"  # 2: blank, skipped
        "CS-1,Safeguarding East,early help,\n"  # 3
        ",,,\n"  # 4: empty values, skipped
        'CS-2,Safeguarding East,early help,"a note\nover two lines"\n'  # 5-6
        "CS-3,Safeguarding East,adopted,\n"  # 7
        "   \n"  # 8: spaces only, skipped
        "CS-4,Nowhere,early help,\n"  # 9
    )
    response = upload(admin_client, content)
    assert [line for line, _ in problems(response)] == ["7", "9"]


def test_a_bad_value_on_a_multi_line_row_is_reported_on_the_line_it_starts(app, admin_client, teams):
    content = 'reference,team,plan_type,notes\nCS-1,Nowhere,early help,"one\ntwo\nthree"\n'
    assert problems(upload(admin_client, content)) == [("2", "There is no team called 'Nowhere'")]


def test_blank_lines_before_the_header_are_skipped_and_counted(app, admin_client, teams):
    response = upload(admin_client, "\n\nreference,team\nCS-1,Safeguarding East\n")
    assert problems(response) == [("3", "The file is missing the column: plan_type")]


def test_extra_columns_such_as_names_are_ignored_never_stored_and_reported(app, admin_client, teams):
    content = (
        "reference,child_name,team,plan_type,Date of birth\n"
        "CS-1,Jane Smith,Safeguarding East,child in need,2015-03-02\n"
    )

    response = upload(admin_client, content)

    assert response.status_code == 302
    text = page_text(admin_client.get(response.headers["Location"]))
    assert "1 case imported. These columns were ignored and not stored: child_name, Date of birth." in text
    with app.app_context():
        stored = db.session.execute(select(Case.__table__)).all()
    assert len(stored) == 1
    assert not any("Jane" in str(value) or "2015" in str(value) for value in stored[0])


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "The file is empty"),
        (b"\xef\xbb\xbf", "The file is empty"),
        (b"\n\n  \n", "The file is empty"),
        (b"reference,team,plan_type\n", "The file has a header row but no cases"),
        (b"reference,team,plan_type\n\n,,\n", "The file has a header row but no cases"),
        (
            "reference,team,plan_type\nCS-1,Équipe,early help\n".encode("latin-1"),
            "The file must be a CSV saved with UTF-8 encoding",
        ),
        ("reference,team,plan_type\n".encode("utf-16"), "The file must be a CSV saved with UTF-8 encoding"),
    ],
)
def test_files_with_no_cases_or_the_wrong_encoding(app, admin_client, teams, content, problem):
    before = case_count(app)
    response = upload(admin_client, content)
    assert_nothing_imported(app, response, before)
    assert problems(response) == [("Whole file", problem)]


@pytest.mark.parametrize(
    "row",
    [
        "CS-1,Safe\x00guarding East,early help",
        "CS-\x001,Safeguarding East,early help",
        "CS-1,Safeguarding East,early help,wyn\x00@test.example",
    ],
)
def test_a_nul_character_is_reported_not_a_crash(app, admin_client, teams, workers, row):
    """PostgreSQL refuses NUL in text: it must be caught before any query."""
    before = case_count(app)
    content = f"reference,team,plan_type,worker_email\nCS-0,Safeguarding East,early help\n{row}\n".encode()
    response = upload(admin_client, content)
    assert_nothing_imported(app, response, before)
    assert problems(response) == [("3", "The line contains a null character: save the file again as a CSV")]


def test_no_file_selected(app, admin_client):
    response = admin_client.post("/admin/cases/import", data={}, content_type="multipart/form-data")
    assert_error(response, "file", "Select a CSV file")


def test_a_file_that_is_not_a_csv(app, admin_client, teams):
    response = upload(admin_client, "reference,team,plan_type\nCS-1,Safeguarding East,early help\n", "cases.xlsx")
    assert_error(response, "file", "The selected file must be a CSV")
    assert case_count(app) == 0


def test_a_file_over_the_upload_limit_gets_a_field_error(app, admin_client, teams):
    limit = app.config["MAX_UPLOAD_BYTES"]
    row = "CS-{:07d},Safeguarding East,early help\n"
    lines = ["reference,team,plan_type\n"] + [row.format(n) for n in range(limit // len(row.format(0)) + 10)]
    content = "".join(lines).encode()
    assert limit < len(content) < app.config["MAX_CONTENT_LENGTH"]

    response = upload(admin_client, content)

    assert_error(response, "file", f"The selected file must be smaller than {limit // (1024 * 1024)} MB")
    assert case_count(app) == 0


def test_a_request_over_the_content_limit_gets_the_413_page_not_a_crash(app, admin_client, teams):
    content = b"reference,team,plan_type\n" + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = upload(admin_client, content)
    assert response.status_code == 413
    text = page_text(response)
    assert "The file or form you sent is too large" in text
    assert "Traceback" not in text
    assert case_count(app) == 0


def test_a_smaller_configured_limit_is_respected(app, admin_client, teams, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 2 * 1024 * 1024)
    content = b"reference,team,plan_type\n" + b"CS-1,Safeguarding East,early help\n" * 70_000
    response = upload(admin_client, content)
    assert_error(response, "file", "The selected file must be smaller than 2 MB")


def test_import_page_explains_the_columns(admin_client):
    text = page_text(admin_client.get("/admin/cases/import"))
    for column in (
        "reference",
        "team",
        "plan_type",
        "worker_email",
        "age_band, gender, ethnicity, religion, disability",
    ):
        assert column in text
    assert "Do not include children's names." in text or "Do not include children&#39;s names." in text


def test_import_is_for_admins_only(app, client, make, teams):
    client.sign_in_as(make.user(Role.LEADER))
    response = upload(client, "reference,team,plan_type\nCS-1,Safeguarding East,early help\n")
    assert response.status_code == 403
    assert case_count(app) == 0


def test_a_very_bad_file_lists_the_first_500_problems_and_counts_the_rest(app, admin_client, teams):
    content = "reference,team,plan_type\n" + "".join(f"CS-{n},Nowhere,early help\n" for n in range(600))
    response = upload(admin_client, content)
    assert len(problems(response)) == 500
    assert problems(response)[0] == ("2", "There is no team called 'Nowhere'")
    assert "And 100 more problems." in page_text(response)
    assert "The file has 600 problems." in field_error(response, "file")
    assert case_count(app) == 0


def test_a_file_with_too_many_rows_is_refused_whole(app, admin_client, teams):
    from audit.domain.case_import import MAX_ROWS

    content = "reference,team,plan_type\n" + "".join(
        f"CS-{n},Safeguarding East,early help\n" for n in range(MAX_ROWS + 1)
    )
    response = upload(admin_client, content)
    assert problems(response) == [
        ("Whole file", f"The file has more than {MAX_ROWS:,} cases: split it into smaller files")
    ]
    assert case_count(app) == 0


def test_a_large_good_file_imports_in_one_go(app, admin_client, teams):
    content = "reference,team,plan_type\n" + "".join(f"CS-{n:05d},Safeguarding East,early help\n" for n in range(2000))
    response = upload(admin_client, content)
    assert response.status_code == 302
    assert case_count(app) == 2000
