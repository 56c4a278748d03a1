"""Importing cases from CSV: every row checked first, every problem reported by its line, and
nothing imported unless every row is good; then a preview of what would change, applied only when
the admin confirms. A reference already held updates its case (this used to be refused: changed on
purpose in issue 10), and cases may be closed and reopened."""

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


def upload(client, content: bytes | str, filename: str = "cases.csv", *, full_export: bool = False):
    """Post a file as a browser would. The body is built in memory: the test client's own encoder
    spools a large body to a temporary file that it never closes."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    fields = {"csrf_token": client.csrf_token(), "file": FileStorage(io.BytesIO(content), filename, "file", "text/csv")}
    if full_export:
        fields["scope"] = "full"
    boundary, body = encode_multipart(fields)
    return client.post(
        "/admin/cases/import", data=body, content_type=f"multipart/form-data; boundary={boundary}", csrf=False
    )


def confirm(client, preview_url: str):
    """Press "Apply these changes" on the preview, as the page offers it."""
    fingerprint = parse(client.get(preview_url)).find("input", attrs={"name": "fingerprint"})["value"]
    return client.post(preview_url, data={"fingerprint": fingerprint})


def import_file(client, content: bytes | str, *, full_export: bool = False):
    """Upload, see the preview, confirm: the response to the confirmation."""
    response = upload(client, content, full_export=full_export)
    assert response.status_code == 303, page_text(response)
    return confirm(client, response.headers["Location"])


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

    response = import_file(admin_client, content)

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/cases"
    assert "Import applied: 3 cases added, 0 updated, 0 closed, 0 reopened, 0 unchanged." in page_text(
        admin_client.get("/admin/cases")
    )
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
    response = import_file(admin_client, "reference,team,plan_type\nCS-1,Safeguarding East,early help\n")
    assert "Import applied: 1 case added" in page_text(admin_client.get(response.headers["Location"]))


def test_columns_may_be_in_any_order_with_spaced_or_capitalised_names(app, admin_client, teams):
    response = import_file(admin_client, "Plan Type,Team,Reference,Worker-Email\nearly help,Safeguarding East,CS-9,\n")
    assert response.status_code == 302
    assert cases(app)["CS-9"].plan_type == "early_help"


def test_windows_line_endings_and_a_byte_order_mark_are_handled(app, admin_client, teams):
    content = ("\ufeffreference,team,plan_type\r\nCS-1,Safeguarding East,care leaver\r\n").encode()
    response = import_file(admin_client, content)
    assert response.status_code == 302
    assert set(cases(app)) == {"CS-1"}


def test_excel_style_utf8_with_bom_and_quoted_values(app, admin_client, teams):
    content = (
        '\ufeff"reference","team","plan_type","ethnicity"\r\n'
        '"CS-1","Safeguarding East","child in need","Black, Black British, Caribbean or African"\r\n'
    )
    response = import_file(admin_client, content.encode("utf-8"))
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


def test_a_reference_already_held_updates_that_case(app, admin_client, make, teams):
    """Changed on purpose (issue 10): this used to be refused as "already exists", so the monthly
    export could never be imported again."""
    make.case(teams[0], reference="CS-1")
    response = import_file(
        admin_client, "reference,team,plan_type\ncs-1,Assessment North,early help\nCS-2,Assessment North,early help\n"
    )
    assert response.status_code == 302
    found = cases(app)
    assert set(found) == {"CS-1", "CS-2"}
    assert found["CS-1"].team_id == teams[1].id


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

    response = import_file(admin_client, content)

    assert response.status_code == 302
    text = page_text(admin_client.get(response.headers["Location"]))
    assert (
        "1 case added, 0 updated, 0 closed, 0 reopened, 0 unchanged. "
        "These columns were ignored and not stored: child_name, Date of birth." in text
    )
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
    response = import_file(admin_client, content)
    assert response.status_code == 302
    assert case_count(app) == 2000


# Keeping step with the case-management system: preview, then update and close.

MONTHLY = (
    "reference,team,plan_type,worker_email\n"
    "CS-1,Safeguarding East,child in need,wyn@test.example\n"
    "CS-2,Safeguarding East,child protection,\n"
    "CS-3,Assessment North,early help,nia@test.example\n"
    "CS-4,Assessment North,care leaver,\n"
)


def section_rows(page, section_id: str) -> list[list[str]]:
    heading = page.find(id=section_id)
    assert heading is not None, f"no section {section_id}"
    return [[text_of(cell) for cell in row.find_all("td")] for row in heading.find_next("table").tbody.find_all("tr")]


def counts(page) -> dict[str, str]:
    summary = page.find(id="counts")
    return {text_of(row.dt): text_of(row.dd) for row in summary.find_all("div", class_="govuk-summary-list__row")}


def test_reimporting_the_monthly_export_previews_then_updates_and_closes(app, admin_client, admin, teams, workers):
    from audit.clock import today
    from audit.templating import format_date

    assert import_file(admin_client, MONTHLY, full_export=True).status_code == 302
    before = cases(app)
    # The next month: CS-2 is now child in need, CS-4 has left the export.
    next_month = MONTHLY.replace("CS-2,Safeguarding East,child protection", "CS-2,Safeguarding East,child in need")
    next_month = next_month.replace("CS-4,Assessment North,care leaver,\n", "")

    response = upload(admin_client, next_month, full_export=True)

    assert response.status_code == 303
    preview_url = response.headers["Location"]
    page = admin_client.get_page(preview_url)
    assert counts(page) == {
        "New cases": "0",
        "Changed cases": "1",
        "Cases to close": "1",
        "Cases to reopen": "0",
        "Unchanged cases": "2",
        "Problems": "0",
    }
    assert section_rows(page, "changed-cases") == [["3", "CS-2", "Plan type", "Child protection", "Child in need"]]
    closing = f"Closed on {format_date(today())}"
    assert section_rows(page, "cases-to-close") == [["Not in the file", "CS-4", "Status", "Open", closing]]
    assert cases(app)["CS-2"].plan_type == "child_protection"  # the preview changes nothing
    assert cases(app)["CS-4"].closed_on is None

    response = confirm(admin_client, preview_url)

    assert response.status_code == 302
    text = page_text(admin_client.get(response.headers["Location"]))
    assert "Import applied: 0 cases added, 1 updated, 1 closed, 0 reopened, 2 unchanged." in text
    after = cases(app)
    assert after["CS-2"].plan_type == "child_in_need"
    assert after["CS-4"].closed_on == today()
    assert all(after[ref].closed_on is None for ref in ("CS-1", "CS-2", "CS-3"))
    assert after["CS-1"].updated_at == before["CS-1"].updated_at  # unchanged rows are not touched
    with app.app_context():
        logged = db.session.scalars(
            select(AccessLogEntry.case_id).where(AccessLogEntry.action == "import", AccessLogEntry.id > 0)
        ).all()
    # One "import" row per case created (first import), then per case updated or closed.
    assert sorted(logged) == sorted([case.id for case in after.values()] + [after["CS-2"].id, after["CS-4"].id])
    # The upload is gone once applied: confirming again does nothing.
    assert admin_client.post(preview_url, data={"fingerprint": "x"}).headers["Location"] == "/admin/cases/import"
    # The admin case list and the case page say it is closed.
    assert closing in page_text(admin_client.get("/admin/cases"))
    assert closing in page_text(admin_client.get(f"/cases/{after['CS-4'].id}"))

    # The case reappears in a later export: it is reopened.
    page = admin_client.get_page(upload(admin_client, MONTHLY, full_export=True).headers["Location"])
    assert section_rows(page, "cases-to-reopen") == [["5", "CS-4", "Status", closing, "Open"]]


def test_without_full_export_absent_cases_stay_open_and_a_status_column_closes(app, admin_client, teams, workers):
    import_file(admin_client, MONTHLY)
    response = import_file(
        admin_client, "reference,team,plan_type,status\nCS-1,Safeguarding East,child in need,Closed\n"
    )
    assert response.status_code == 302
    found = cases(app)
    assert found["CS-1"].closed_on is not None
    assert [ref for ref, case in found.items() if case.closed_on is None] == ["CS-2", "CS-3", "CS-4"]


def test_a_column_left_out_leaves_that_detail_but_an_empty_value_clears_it(app, admin_client, teams, workers):
    import_file(
        admin_client,
        "reference,team,plan_type,worker_email,gender\nCS-1,Safeguarding East,early help,wyn@test.example,Male\n",
    )
    import_file(admin_client, "reference,team,plan_type,gender\nCS-1,Safeguarding East,early help,\n")
    case = cases(app)["CS-1"]
    assert (case.worker_id, case.gender) == (workers[0].id, None)


def test_a_problem_row_blocks_applying_anything(app, admin_client, teams, workers):
    import_file(admin_client, MONTHLY)
    before = cases(app)
    changed = MONTHLY.replace("CS-2,Safeguarding East,child protection", "CS-2,Safeguarding East,child in need")
    response = upload(admin_client, changed + "CS-5,Safeguarding East,adopted,\n", full_export=True)
    assert response.status_code == 200
    assert "No cases were imported" in field_error(response, "file")
    assert problems(response)[0][0] == "6"
    after = cases(app)
    assert after["CS-2"].plan_type == before["CS-2"].plan_type == "child_protection"
    assert "CS-5" not in after


def test_confirming_rechecks_and_refuses_a_file_that_has_become_wrong(app, admin_client, make, teams, workers):
    import_file(admin_client, MONTHLY)
    response = upload(admin_client, MONTHLY.replace("child protection", "child in need"))
    preview_url = response.headers["Location"]
    fingerprint = parse(admin_client.get(preview_url)).find("input", attrs={"name": "fingerprint"})["value"]
    # Meanwhile the worker on line 2 is moved to another team.
    with app.app_context():
        from audit.models import User

        db.session.get(User, workers[0].id).team_id = teams[1].id
        db.session.commit()

    response = admin_client.post(preview_url, data={"fingerprint": fingerprint})

    assert response.status_code == 200
    assert "Nothing was applied" in page_text(response)
    assert problems(response) == [("2", "wyn@test.example is not in the Safeguarding East team")]
    assert cases(app)["CS-2"].plan_type == "child_protection"


def test_confirming_a_plan_that_has_changed_shows_it_again(app, admin_client, make, teams, workers):
    import_file(admin_client, MONTHLY)
    response = upload(admin_client, MONTHLY.replace("child protection", "child in need"))
    preview_url = response.headers["Location"]
    fingerprint = parse(admin_client.get(preview_url)).find("input", attrs={"name": "fingerprint"})["value"]
    make.case(teams[0], reference="CS-9")  # not in the file: no change for a partial file
    with app.app_context():
        db.session.get(Case, cases(app)["CS-2"].id).plan_type = "care_leaver"
        db.session.commit()

    response = admin_client.post(preview_url, data={"fingerprint": fingerprint})

    assert response.status_code == 200
    assert "The cases have changed since you checked the file" in page_text(response)
    assert cases(app)["CS-2"].plan_type == "care_leaver"
    assert section_rows(parse(response), "changed-cases") == [
        ["3", "CS-2", "Plan type", "Care leaver", "Child in need"]
    ]
    assert confirm(admin_client, preview_url).status_code == 302
    assert cases(app)["CS-2"].plan_type == "child_in_need"


def test_an_upload_is_reachable_only_by_its_uploader(app, client, make, admin, teams):
    client.sign_in_as(admin)
    preview_url = upload(client, MONTHLY.replace(",wyn@test.example", ",").replace(",nia@test.example", ",")).headers[
        "Location"
    ]
    client.sign_in_as(make.user(Role.ADMIN))
    response = client.get(preview_url)
    assert response.headers["Location"] == "/admin/cases/import"
    assert case_count(app) == 0


def test_an_expired_upload_must_be_uploaded_again(app, admin_client, teams, monkeypatch):
    from audit.domain import case_import

    preview_url = upload(admin_client, "reference,team,plan_type\nCS-1,Safeguarding East,early help\n").headers[
        "Location"
    ]
    monkeypatch.setattr(case_import, "KEEP_UPLOAD_FOR", case_import.KEEP_UPLOAD_FOR * 0)
    response = admin_client.get(preview_url)
    assert response.headers["Location"] == "/admin/cases/import"
    assert "Upload it again" in page_text(admin_client.get("/admin/cases/import"))


def test_a_near_miss_team_name_suggests_the_team(app, admin_client, teams):
    response = upload(admin_client, "reference,team,plan_type\nCS-1,Safeguarding Est,early help\n")
    assert problems(response) == [
        ("2", "There is no team called 'Safeguarding Est'. Did you mean 'Safeguarding East'?")
    ]


def test_the_template_csv_has_the_columns_and_one_example_that_imports(app, admin_client, make):
    response = admin_client.get("/admin/cases/import/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "reference,team,plan_type,worker_email,age_band,gender,ethnicity,religion,disability,status"
    assert len(lines) == 2
    # The example is made up but valid once its team and worker exist.
    team = make.team("Safeguarding East")
    make.user(Role.PRACTITIONER, team=team, email="worker@example.org")
    assert import_file(admin_client, response.get_data()).status_code == 302
    assert set(cases(app)) == {"CS-000001"}


def test_closed_cases_are_not_sampled(app, make, teams):
    from datetime import date

    from audit.domain.programme import sample_cases

    open_case = make.case(teams[0], reference="CS-1")
    make.case(teams[0], reference="CS-2", closed_on=date(2026, 1, 1))
    with app.app_context():
        sample = sample_cases([teams[0].id], per_team=5, seed=1, as_of=date(2026, 11, 1))
    assert [case.id for case in sample.cases] == [open_case.id]
