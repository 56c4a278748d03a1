"""Admin of cases one at a time: add, change, with GOV.UK-style errors and nothing half-saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import AccessLogEntry, Case, PlanType, Role
from tests.conftest import page_text
from tests.govuk_html import assert_error, error_summary, input_value, selected_values


@pytest.fixture
def team(make):
    return make.team("Safeguarding East")


@pytest.fixture
def worker(make, team):
    return make.user(Role.PRACTITIONER, team=team, name="Wyn Worker")


@pytest.fixture
def admin(make):
    return make.user(Role.ADMIN)


@pytest.fixture
def admin_client(client, admin):
    client.sign_in_as(admin)
    return client


def _case(app, reference: str) -> Case | None:
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        if case is not None:
            db.session.expunge(case)
        return case


def _case_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case))


def _log(app, case_id: int) -> list[tuple[int, str, str, int, int]]:
    with app.app_context():
        rows = db.session.execute(
            select(
                AccessLogEntry.user_id,
                AccessLogEntry.action,
                AccessLogEntry.record_type,
                AccessLogEntry.record_id,
                AccessLogEntry.case_id,
            )
            .where(AccessLogEntry.case_id == case_id)
            .order_by(AccessLogEntry.id)
        )
        return [tuple(row) for row in rows]


def _form(case_team, case_worker=None, /, **overrides):
    data = {
        "reference": "CS-104233",
        "team": str(case_team.id),
        "worker": str(case_worker.id) if case_worker else "",
        "plan_type": "child_protection",
        "age_band": "",
        "gender": "",
        "ethnicity": "",
        "religion": "",
        "disability": "",
    }
    data.update(overrides)
    return data


def test_add_a_case_with_only_the_required_fields(app, admin_client, admin, team):
    form = admin_client.get("/admin/cases/new")
    assert form.status_code == 200
    assert "Never a name." in page_text(form)

    response = admin_client.post("/admin/cases/new", data=_form(team, reference=" cs-104 233 "))

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/cases"
    case = _case(app, "CS-104233")  # spaces removed, upper case
    assert case is not None
    assert (case.team_id, case.worker_id, case.plan_type) == (team.id, None, "child_protection")
    assert (case.age_band, case.gender, case.ethnicity, case.religion, case.disability) == (None,) * 5
    assert _log(app, case.id) == [(admin.id, "create", "case", case.id, case.id)]
    assert "Case CS-104233 saved." in page_text(admin_client.get("/admin/cases"))


def test_add_a_case_with_worker_and_every_optional_field(app, admin_client, team, worker):
    response = admin_client.post(
        "/admin/cases/new",
        data=_form(
            team,
            worker,
            plan_type="child_in_care",
            age_band="10 to 15",
            gender="Female",
            ethnicity="Mixed or multiple ethnic groups",
            religion="Muslim",
            disability="Yes",
        ),
    )

    assert response.status_code == 302
    case = _case(app, "CS-104233")
    assert case.worker_id == worker.id
    assert case.plan_type == PlanType.CHILD_IN_CARE.value
    assert (case.age_band, case.gender, case.ethnicity, case.religion, case.disability) == (
        "10 to 15",
        "Female",
        "Mixed or multiple ethnic groups",
        "Muslim",
        "Yes",
    )


def test_the_case_form_has_no_field_for_a_name(admin_client):
    html = admin_client.get("/admin/cases/new").get_data(as_text=True)
    assert 'name="name"' not in html
    assert "child_name" not in html


def test_edit_a_case_logs_the_view_and_the_change(app, admin_client, admin, make, team, worker):
    other_team = make.team("Assessment North")
    other_worker = make.user(Role.PRACTITIONER, team=other_team)
    case = make.case(team, worker=worker, reference="CS-1", gender="Male", religion="Christian")

    form = admin_client.get(f"/admin/cases/{case.id}")
    assert form.status_code == 200
    assert input_value(form, "reference") == "CS-1"
    assert selected_values(form, "team") == [str(team.id)]
    assert selected_values(form, "worker") == [str(worker.id)]
    assert selected_values(form, "gender") == ["Male"]

    response = admin_client.post(
        f"/admin/cases/{case.id}",
        data=_form(other_team, other_worker, reference="CS-1A", plan_type="care_leaver", age_band="18 to 25"),
    )

    assert response.status_code == 302
    saved = _case(app, "CS-1A")
    assert saved.id == case.id
    assert (saved.team_id, saved.worker_id, saved.plan_type, saved.age_band) == (
        other_team.id,
        other_worker.id,
        "care_leaver",
        "18 to 25",
    )
    assert (saved.gender, saved.religion) == (None, None)  # cleared to "Not recorded"
    assert [row[1] for row in _log(app, case.id)] == ["view", "update"]


def test_duplicate_reference_is_refused_and_keeps_what_was_typed(app, admin_client, make, team, worker):
    make.case(team, reference="CS-555")
    before = _case_count(app)

    response = admin_client.post(
        "/admin/cases/new", data=_form(team, worker, reference="cs-555 ", religion="Sikh", plan_type="early_help")
    )

    assert_error(response, "reference", "A case with the reference CS-555 already exists")
    assert input_value(response, "reference") == "cs-555"  # surrounding spaces trimmed
    assert selected_values(response, "worker") == [str(worker.id)]
    assert selected_values(response, "religion") == ["Sikh"]
    assert selected_values(response, "plan_type") == ["early_help"]
    assert _case_count(app) == before


def test_changing_a_reference_to_another_cases_is_refused(app, admin_client, make, team):
    make.case(team, reference="CS-1")
    second = make.case(team, reference="CS-2")
    response = admin_client.post(f"/admin/cases/{second.id}", data=_form(team, reference="CS-1"))
    assert_error(response, "reference", "A case with the reference CS-1 already exists")
    assert _case(app, "CS-2") is not None


def test_worker_must_be_in_the_cases_team(app, admin_client, make, team):
    elsewhere = make.user(Role.PRACTITIONER, team=make.team("Assessment North"))
    before = _case_count(app)
    response = admin_client.post("/admin/cases/new", data=_form(team, elsewhere))
    assert_error(response, "worker", "Select a worker in the case's team, or 'Not allocated'")
    assert _case_count(app) == before


def test_a_user_with_no_team_is_not_offered_as_a_worker(admin_client, make, team):
    leader = make.user(Role.LEADER, name="Lee Leader")
    response = admin_client.get("/admin/cases/new")
    assert "Lee Leader" not in page_text(response)
    tampered = admin_client.post("/admin/cases/new", data=_form(team, leader))
    assert_error(tampered, "worker", "Select a worker from the list, or 'Not allocated'")


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("Jane Smith's case", "Case reference must contain only letters, numbers, spaces and / _ - ."),
        ("CS<104>", "Case reference must contain only letters, numbers, spaces and / _ - ."),
        ("-CS104", "Case reference must contain only letters, numbers, spaces and / _ - ."),
        ("CS\u2011104", "Case reference must contain only letters, numbers, spaces and / _ - ."),
        (
            "Jane Smith",
            "Case reference must include a number: it is the case-management system's reference, never a name",
        ),
        ("", "Enter the case reference"),
        ("   ", "Enter the case reference"),
        ("C" * 41, "Case reference must be 40 characters or fewer"),
    ],
)
def test_invalid_reference_is_refused(app, admin_client, team, reference, message):
    before = _case_count(app)
    response = admin_client.post("/admin/cases/new", data=_form(team, reference=reference))
    assert_error(response, "reference", message)
    if reference.strip():
        assert input_value(response, "reference") == reference
    assert _case_count(app) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("plan_type", "", "Select the plan type"),
        ("plan_type", "adopted", "Select the plan type"),
        ("team", "", "Select the team that holds the case"),
        ("team", "999999", "Select the team that holds the case"),
        ("worker", "999999", "Select a worker from the list, or 'Not allocated'"),
        ("age_band", "Toddler", "Select an age band from the list"),
        ("ethnicity", "Martian", "Select an ethnicity from the list"),
    ],
)
def test_missing_or_tampered_choices_get_clear_messages(app, admin_client, team, field, value, message):
    before = _case_count(app)
    response = admin_client.post("/admin/cases/new", data=_form(team, **{field: value}))
    assert_error(response, field, message)
    assert "valid choice" not in page_text(response)
    assert _case_count(app) == before


def test_every_error_is_in_the_summary(admin_client):
    response = admin_client.post("/admin/cases/new", data={"reference": "", "team": ""})
    assert error_summary(response) == [
        "Enter the case reference",
        "Select the team that holds the case",
        "Select the plan type",
    ]


def test_a_case_saved_with_not_recorded_values_can_be_edited(app, admin_client, make, team):
    """Imported or demo cases may hold "Not recorded": the form shows it as its empty choice."""
    case = make.case(team, reference="CS-NR1", gender="Not recorded", religion="Not recorded", disability="No")
    form = admin_client.get(f"/admin/cases/{case.id}")
    assert selected_values(form, "gender") == [""]
    assert selected_values(form, "disability") == ["No"]

    response = admin_client.post(
        f"/admin/cases/{case.id}", data=_form(team, reference="CS-NR1", gender="", religion="", disability="No")
    )

    assert response.status_code == 302
    saved = _case(app, "CS-NR1")
    assert (saved.gender, saved.religion, saved.disability) == (None, None, "No")


def test_editing_a_case_keeps_its_deactivated_worker_unless_changed(app, admin_client, make, team):
    gone = make.user(Role.PRACTITIONER, team=team, name="Gone Worker", active=False)
    case = make.case(team, worker=gone, reference="CS-GONE1")

    form = admin_client.get(f"/admin/cases/{case.id}")
    assert selected_values(form, "worker") == [str(gone.id)]
    assert "Gone Worker (Safeguarding East), deactivated" in page_text(form)
    # A new case is not offered the deactivated worker.
    assert "Gone Worker" not in page_text(admin_client.get("/admin/cases/new"))

    response = admin_client.post(
        f"/admin/cases/{case.id}", data=_form(team, gone, reference="CS-GONE1", age_band="5 to 9")
    )

    assert response.status_code == 302
    saved = _case(app, "CS-GONE1")
    assert (saved.worker_id, saved.age_band) == (gone.id, "5 to 9")


@pytest.mark.parametrize("case_id", ["999999", "2147483648", "99999999999999999999"])
def test_unknown_case_is_404(admin_client, team, case_id):
    assert admin_client.get(f"/admin/cases/{case_id}").status_code == 404
    assert admin_client.post(f"/admin/cases/{case_id}", data=_form(team)).status_code == 404


@pytest.mark.parametrize("team_id", ["999999", "-1", "2147483648", "99999999999999999999", "x"])
def test_odd_team_filters_are_not_errors(admin_client, make, team, team_id):
    make.case(team, reference="SE-1")
    response = admin_client.get(f"/admin/cases?team={team_id}")
    assert response.status_code == 200
    if team_id == "999999":  # a record id that names no team: nothing matches
        assert "0 cases" in page_text(response)
    else:  # not a record id at all (negative, past the database's integers, not a number): no filter
        assert "SE-1" in page_text(response)


def test_case_admin_is_for_admins_only(client, make, team):
    case = make.case(team)
    client.sign_in_as(make.user(Role.LEADER))
    assert client.get("/admin/cases").status_code == 403
    assert client.get(f"/admin/cases/{case.id}").status_code == 403
    assert client.post("/admin/cases/new", data=_form(team)).status_code == 403


def test_admin_case_list_shows_every_team_and_filters(admin_client, make, team, worker):
    other = make.team("Assessment North")
    make.case(team, worker=worker, reference="SE-001", plan_type="child_protection")
    make.case(team, reference="SE-002", plan_type="early_help")
    make.case(other, reference="AN-001", plan_type="child_protection")

    text = page_text(admin_client.get("/admin/cases"))
    assert "3 cases" in text
    assert "SE-001 Safeguarding East Wyn Worker Child protection" in text
    assert "SE-002 Safeguarding East Not allocated Early help" in text
    assert "AN-001 Assessment North Not allocated Child protection" in text

    text = page_text(admin_client.get("/admin/cases?plan_type=child_protection&q=se-"))
    assert "1 case " in text
    assert "SE-001" in text and "SE-002" not in text and "AN-001" not in text

    text = page_text(admin_client.get(f"/admin/cases?team={other.id}"))
    assert "1 case " in text and "AN-001" in text


def test_admin_case_links_go_to_the_edit_page(admin_client, make, team):
    case = make.case(team, reference="SE-LINK")
    assert f'href="/admin/cases/{case.id}"' in admin_client.get("/admin/cases").get_data(as_text=True)
