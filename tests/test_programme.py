"""The audit programme: sampling, assigning auditors, the leader's form and the progress pages."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from audit.clock import today, utcnow
from audit.domain import programme as programme_data
from audit.extensions import db
from audit.models import AccessLogEntry, Audit, AuditProgramme, AuditStatus, Case, Role, User
from tests.conftest import page_text
from tests.pages import assert_well_formed_page, parse, text_of
from tests.querycount import queries_for

IN_A_MONTH = today() + timedelta(days=30)


def _ids(cases) -> list[int]:
    return [case.id for case in cases]


def _backdate(app, audit, *, created: datetime | None = None, submitted: datetime | None = None) -> None:
    with app.app_context():
        values = {"created_at": created} if created else {}
        if submitted:
            values["submitted_at"] = submitted
        db.session.execute(update(Audit).where(Audit.id == audit.id).values(**values))
        db.session.commit()


def _load(app, model, ids):
    """Records by id, loaded in this context with what the domain needs."""
    return list(db.session.scalars(select(model).where(model.id.in_(ids)).order_by(model.id)))


# Sampling ----------------------------------------------------------------------------------------


def test_sampling_is_reproducible_and_leaves_out_recently_audited_cases(app, make):
    team = make.team()
    auditor = make.user(Role.AUDITOR, team=make.team())
    cases = [make.case(team) for _ in range(14)]
    recently_created = make.audit(cases[0], auditor)  # created now: left out
    long_ago = make.audit(cases[1], auditor, status=AuditStatus.MODERATED)
    _backdate(app, long_ago, created=utcnow() - timedelta(days=400), submitted=utcnow() - timedelta(days=380))
    submitted_lately = make.audit(cases[2], auditor, status=AuditStatus.SUBMITTED)
    _backdate(app, submitted_lately, created=utcnow() - timedelta(days=300), submitted=utcnow() - timedelta(days=60))
    left_out = {cases[0].id, cases[2].id}

    with app.app_context():
        first = programme_data.sample_cases([team.id], 5, seed=1234, as_of=today())
        again = programme_data.sample_cases([team.id], 5, seed=1234, as_of=today())
        everything = programme_data.sample_cases([team.id], 100, seed=1, as_of=today())
        others = [_ids(programme_data.sample_cases([team.id], 5, seed, today()).cases) for seed in range(1, 8)]

    assert len(first.cases) == 5
    assert _ids(first.cases) == _ids(again.cases)
    assert first.seed == 1234
    assert not left_out & set(_ids(first.cases))
    # Everything else is eligible, including a case audited more than six months ago.
    assert set(_ids(everything.cases)) == {case.id for case in cases} - left_out
    assert cases[1].id in _ids(everything.cases)
    # Other sample numbers pick other cases.
    assert len({tuple(sorted(picked)) for picked in [*others, _ids(first.cases)]}) > 1
    assert recently_created.case_id not in [case_id for picked in others for case_id in picked]


def test_sampling_as_of_a_date_counts_six_calendar_months_back(app, make):
    team = make.team()
    auditor = make.user(Role.AUDITOR, team=make.team())
    case = make.case(team)
    audit = make.audit(case, auditor)
    _backdate(app, audit, created=datetime(2026, 2, 28, 9, 0))

    with app.app_context():
        # 31 August less six months is 28 February (the month is shorter): still recent.
        assert programme_data.sample_cases([team.id], 1, 1, date(2026, 8, 31)).cases == []
        assert _ids(programme_data.sample_cases([team.id], 1, 1, date(2026, 9, 1)).cases) == [case.id]
    assert programme_data.months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert programme_data.months_before(date(2026, 3, 15), 6) == date(2025, 9, 15)


def test_sample_takes_the_number_per_team_and_reports_a_shortfall(app, make):
    big, small, empty = make.team("Big team"), make.team("Small team"), make.team("Empty team")
    worker = make.user(Role.PRACTITIONER, team=big)
    big_cases = [make.case(big, worker=worker if n % 2 else None) for n in range(10)]
    small_cases = [make.case(small) for _ in range(2)]

    with app.app_context():
        sample = programme_data.sample_cases([big.id, small.id, empty.id], 4, seed=7, as_of=today())
        by_team = Counter(case.team_id for case in sample.cases)
        shortfalls = [(item.team.name, item.wanted, item.found, item.message) for item in sample.shortfalls]

    assert by_team == {big.id: 4, small.id: 2}
    assert set(_ids(sample.cases)) >= set(_ids(small_cases))
    assert set(_ids(sample.cases)) - set(_ids(small_cases)) <= set(_ids(big_cases))
    assert shortfalls == [
        ("Empty team", 4, 0, "Empty team has no cases that were not audited in the last 6 months"),
        ("Small team", 4, 2, "Small team had only 2 cases to sample, not 4"),
    ]


def test_a_teams_sample_does_not_change_when_another_team_is_added(app, make):
    first, second = make.team(), make.team()
    for _ in range(8):
        make.case(first)
        make.case(second)
    with app.app_context():
        alone = programme_data.sample_cases([first.id], 3, 99, today())
        together = programme_data.sample_cases([second.id, first.id], 3, 99, today())
    assert set(_ids(alone.cases)) < set(_ids(together.cases))


@pytest.mark.parametrize("per_team", [0, 101])
def test_sample_size_must_be_from_1_to_100(app, make, per_team):
    team = make.team()
    with app.app_context(), pytest.raises(programme_data.ProgrammeError, match="between 1 and 100"):
        programme_data.sample_cases([team.id], per_team, 1, today())


# Chosen cases ------------------------------------------------------------------------------------


def test_chosen_references_are_found_and_unknown_ones_reported(app, make):
    team = make.team()
    make.case(team, reference="CS-100001")
    make.case(team, reference="CS-100002")
    text = " cs-100002, CS-100001\r\nCS-404\n\ncs - 100001 ; NOPE-1\t"

    assert programme_data.parse_references(text) == ["CS-100002", "CS-100001", "CS-404", "NOPE-1"]
    with app.app_context():
        chosen = programme_data.chosen_cases(programme_data.parse_references(text))
        references = [case.reference for case in chosen.cases]
    assert references == ["CS-100002", "CS-100001"]
    assert chosen.unknown == ["CS-404", "NOPE-1"]


# Assigning auditors ------------------------------------------------------------------------------


def test_auditors_are_never_the_cases_worker_or_a_manager_of_its_team(app, make):
    east, west = make.team("East"), make.team("West")
    # Both hold cases and audit; the manager of East also audits.
    worker_auditor = make.user(Role.PRACTITIONER, Role.AUDITOR, team=east, name="Worker Auditor")
    east_manager = make.user(Role.SUPERVISOR, Role.AUDITOR, team=east, name="East Manager")
    west_auditor = make.user(Role.AUDITOR, team=west, name="West Auditor")
    cases = [make.case(east, worker=worker_auditor) for _ in range(4)]
    cases += [make.case(west, worker=west_auditor) for _ in range(2)]
    cases += [make.case(west) for _ in range(3)]
    creator = make.user(Role.LEADER)

    with app.app_context():
        created = programme_data.create_programme(
            name="March audits",
            month=date(2030, 3, 9),
            tool_version=make.tool_version(),
            due_date=IN_A_MONTH,
            created_by=db.session.get(User, creator.id),
            cases=_load(app, Case, _ids(cases)),
            auditors=_load(app, User, [worker_auditor.id, east_manager.id, west_auditor.id]),
        )
        db.session.commit()
        audits = [(audit.case.worker_id, audit.case.team_id, audit.auditor_id) for audit in created.audits]
        programme = created.programme
        assert programme.month == date(2030, 3, 1)
        assert {audit.programme_id for audit in created.audits} == {programme.id}
        assert {audit.due_date for audit in created.audits} == {IN_A_MONTH}
        assert {audit.status for audit in created.audits} == {AuditStatus.ASSIGNED.value}

    assert len(audits) == 9
    for worker_id, team_id, auditor_id in audits:
        assert auditor_id != worker_id
        assert not (auditor_id == east_manager.id and team_id == east.id)
    # East's cases could only go to West Auditor; West's own cases to the other two.
    assert {auditor for _, team, auditor in audits if team == east.id} == {west_auditor.id}


def test_cases_are_shared_out_round_robin(app, make):
    team = make.team()
    auditors = [make.user(Role.AUDITOR, team=make.team()) for _ in range(3)]
    cases = [make.case(team) for _ in range(10)]
    with app.app_context():
        assigned = programme_data.assign_auditors(_load(app, Case, _ids(cases)), _load(app, User, _ids(auditors)))
    loads = Counter(auditor.id for auditor in assigned.values())
    assert sorted(loads.values()) == [3, 3, 4]
    assert set(assigned) == set(_ids(cases))


def test_sharing_out_stays_even_when_some_auditors_cannot_take_some_cases(app, make):
    """Placed in list order, the three West cases would all go to the first two auditors'
    only free one; placing the most constrained cases first keeps everyone within one case."""
    east, west = make.team(), make.team()
    east_manager = make.user(Role.SUPERVISOR, Role.AUDITOR, team=east)
    west_manager = make.user(Role.SUPERVISOR, Role.AUDITOR, team=west)
    outsider = make.user(Role.AUDITOR, team=make.team())
    cases = [make.case(east) for _ in range(3)] + [make.case(west) for _ in range(3)]
    with app.app_context():
        assigned = programme_data.assign_auditors(
            _load(app, Case, _ids(cases)), _load(app, User, [east_manager.id, west_manager.id, outsider.id])
        )
    loads = Counter(auditor.id for auditor in assigned.values())
    assert sorted(loads.values()) == [2, 2, 2]


def test_a_case_nobody_selected_can_audit_is_named_and_nothing_is_created(app, make):
    team = make.team()
    manager = make.user(Role.SUPERVISOR, Role.AUDITOR, team=team, name="Mo Manager")
    worker = make.user(Role.PRACTITIONER, Role.AUDITOR, team=make.team(), name="Wren Worker")
    fine = make.case(team, worker=make.user(team=team), reference="CS-200001")
    held = make.case(make.team(), worker=worker, reference="CS-200002")
    creator = make.user(Role.LEADER)
    with app.app_context():
        before = db.session.scalar(select(db.func.count(AuditProgramme.id)))
        with pytest.raises(programme_data.ProgrammeError) as raised:
            programme_data.create_programme(
                name="Doomed",
                month=date(2030, 3, 1),
                tool_version=make.tool_version(),
                due_date=IN_A_MONTH,
                created_by=db.session.get(User, creator.id),
                cases=_load(app, Case, [fine.id, held.id]),
                auditors=_load(app, User, [worker.id]),
            )
        assert db.session.scalar(select(db.func.count(AuditProgramme.id))) == before
    assert str(raised.value) == (
        "None of the selected auditors can audit case CS-200002: "
        "Wren Worker is the case's allocated worker and cannot audit it. Select another auditor"
    )
    assert raised.value.about == "auditors"
    # A manager of the case's team is refused the same way.
    with app.app_context(), pytest.raises(programme_data.ProgrammeError, match="case CS-200001: Mo Manager manages"):
        programme_data.assign_auditors(_load(app, Case, [fine.id]), _load(app, User, [manager.id]))


def test_the_due_date_must_not_be_in_the_past(app, make):
    team = make.team()
    case = make.case(team)
    auditor = make.user(Role.AUDITOR, team=make.team())
    creator = make.user(Role.LEADER)
    with app.app_context(), pytest.raises(programme_data.ProgrammeError, match="today or in the future"):
        programme_data.create_programme(
            name="Late",
            month=date(2030, 3, 1),
            tool_version=make.tool_version(),
            due_date=today() - timedelta(days=1),
            created_by=db.session.get(User, creator.id),
            cases=_load(app, Case, [case.id]),
            auditors=_load(app, User, [auditor.id]),
        )


# Progress ----------------------------------------------------------------------------------------


def _programme_with_every_status(make, *, due_date: date, name: str | None = None) -> AuditProgramme:
    team = make.team()
    auditor = make.user(Role.AUDITOR, team=make.team())
    statuses = [AuditStatus.ASSIGNED] * 2 + [AuditStatus.IN_PROGRESS, AuditStatus.SUBMITTED, AuditStatus.MODERATED]
    return make.programme(
        make.user(Role.LEADER),
        [(make.case(team), auditor, status) for status in statuses],
        due_date=due_date,
        name=name,
    )


def test_summaries_count_audits_by_status_and_overdue(app, make):
    late = _programme_with_every_status(make, due_date=today() - timedelta(days=1), name="Late programme")
    on_time = _programme_with_every_status(make, due_date=IN_A_MONTH, name="On-time programme")
    empty = make.programme(make.user(Role.LEADER), due_date=IN_A_MONTH, name="Empty programme")
    with app.app_context():
        summaries = {summary.programme.id: summary for summary in programme_data.programme_summaries()}
        one = programme_data.programme_summary(late.id)
        assert programme_data.programme_summary(999_999) is None

    counts = {
        programme.id: (lambda s: (s.not_started, s.in_progress, s.submitted, s.moderated, s.overdue, s.total))(
            summaries[programme.id]
        )
        for programme in (late, on_time, empty)
    }
    # Past due and not submitted: the two not started and the one in progress.
    assert counts[late.id] == (2, 1, 1, 1, 3, 5)
    assert counts[on_time.id] == (2, 1, 1, 1, 0, 5)
    assert counts[empty.id] == (0, 0, 0, 0, 0, 0)
    assert one is not None and one.overdue == 3


def test_index_lists_programmes_with_overdue_flagged(app, client, make):
    late = _programme_with_every_status(make, due_date=today() - timedelta(days=2), name="Late programme")
    _programme_with_every_status(make, due_date=IN_A_MONTH, name="On-time programme")
    client.sign_in_as(make.user(Role.LEADER))

    response = client.get("/programme/")

    assert response.status_code == 200
    assert_well_formed_page(response)
    rows = parse(response).find_all("tr")
    late_row = next(row for row in rows if "Late programme" in text_of(row))
    on_time_row = next(row for row in rows if "On-time programme" in text_of(row))
    assert any(text_of(tag).startswith("3 overdue") for tag in late_row.select(".govuk-tag--red"))
    assert "overdue" not in str(on_time_row)
    assert late_row.find("a", href=f"/programme/{late.id}")
    assert "3 audits are overdue across the service" in page_text(response)


def test_programme_page_lists_its_audits_with_the_overdue_ones_tagged(app, client, make):
    team = make.team("Ash team")
    auditor = make.user(Role.AUDITOR, team=make.team(), name="Ada Auditor")
    late = make.programme(
        make.user(Role.LEADER),
        [
            (make.case(team, reference="LATE-0001"), auditor, AuditStatus.IN_PROGRESS),
            (make.case(team, reference="LATE-0002"), auditor, AuditStatus.SUBMITTED),
        ],
        due_date=today() - timedelta(days=3),
        name="Late programme",
    )
    client.sign_in_as(make.user(Role.LEADER))

    response = client.get(f"/programme/{late.id}")

    assert response.status_code == 200
    assert_well_formed_page(response)
    rows = [text_of(row) for row in parse(response).find_all("tr", class_="govuk-table__row")]
    open_row = next(row for row in rows if "LATE-0001" in row)
    submitted_row = next(row for row in rows if "LATE-0002" in row)
    assert "Ash team" in open_row and "Ada Auditor" in open_row and "In progress" in open_row
    assert "Overdue" in open_row
    assert "Overdue" not in submitted_row and "Submitted" in submitted_row
    assert "1 overdue" in page_text(response)


def test_an_unknown_programme_is_not_found(client, make):
    client.sign_in_as(make.user(Role.LEADER))
    assert client.get("/programme/999999").status_code == 404
    assert client.get("/programme/99999999999").status_code == 404


@pytest.mark.parametrize("role", [role for role in Role if role != Role.LEADER])
def test_only_leaders_may_plan_programmes(client, make, role):
    client.sign_in_as(make.user(role, team=make.team()))
    assert client.get("/programme/").status_code == 403
    assert client.get("/programme/new").status_code == 403
    assert client.post("/programme/new", data={"name": "Sneaky"}).status_code == 403


def test_the_list_sends_the_same_queries_for_1_programme_as_for_10(app, client, make):
    client.sign_in_as(make.user(Role.LEADER))
    _programme_with_every_status(make, due_date=today() - timedelta(days=1))
    client.get("/programme/")
    few = queries_for(app, client, "/programme/")
    for _ in range(9):
        _programme_with_every_status(make, due_date=IN_A_MONTH)
    many = queries_for(app, client, "/programme/")
    assert many.count == few.count, f"1 programme: {few}\n10 programmes: {many}"


def test_the_programme_page_sends_the_same_queries_for_2_audits_as_for_20(app, client, make):
    leader = make.user(Role.LEADER)
    client.sign_in_as(leader)
    auditor = make.user(Role.AUDITOR, team=make.team())
    small = make.programme(leader, [(make.case(make.team()), auditor, AuditStatus.ASSIGNED) for _ in range(2)])
    big = make.programme(leader, [(make.case(make.team()), auditor, AuditStatus.ASSIGNED) for _ in range(20)])
    client.get(f"/programme/{small.id}")
    assert (
        queries_for(app, client, f"/programme/{small.id}").count
        == queries_for(app, client, f"/programme/{big.id}").count
    )


def test_a_large_programme_is_listed_a_page_at_a_time_with_its_total(app, client, make, monkeypatch):
    """The list draws a page of audits however large the programme; the total is the programme's
    counts (cancelled audits listed too), and every audit is on exactly one page."""
    monkeypatch.setattr(programme_data, "PROGRAMME_PAGE_SIZE", 2)
    leader = make.user(Role.LEADER)
    client.sign_in_as(leader)
    auditor = make.user(Role.AUDITOR, team=make.team())
    team = make.team()
    statuses = [AuditStatus.ASSIGNED, AuditStatus.IN_PROGRESS, AuditStatus.SUBMITTED, AuditStatus.CANCELLED]
    big = make.programme(
        leader, [(make.case(team, reference=f"PAGE-{n:04d}"), auditor, status) for n, status in enumerate(statuses)]
    )
    seen = []
    for number in (1, 2):
        response = client.get(f"/programme/{big.id}?page={number}")
        assert_well_formed_page(response)
        caption = text_of(parse(response).find("caption"))
        assert caption == f"4 audits: page {number} of 2"
        seen += [text_of(row) for row in parse(response).select("tbody tr")]
    assert [row.split()[0] for row in seen] == ["PAGE-0000", "PAGE-0001", "PAGE-0002", "PAGE-0003"]
    assert "Cancelled" in seen[3]
    first = parse(client.get(f"/programme/{big.id}"))
    assert first.find("a", href=f"/programme/{big.id}?page=2")
    # A page past the end shows the last; one that is no page number at all, the first.
    assert "page 2 of 2" in text_of(parse(client.get(f"/programme/{big.id}?page=3")).find("caption"))
    assert "page 1 of 2" in text_of(parse(client.get(f"/programme/{big.id}?page=99999999999999999999")).find("caption"))
    assert "page 1 of 2" in text_of(parse(client.get(f"/programme/{big.id}?page=-3")).find("caption"))
    assert "page 1 of 2" in text_of(parse(client.get(f"/programme/{big.id}?page=two")).find("caption"))


# The form ----------------------------------------------------------------------------------------


class Council:
    """Two teams with cases, three auditors (one manages North) and a leader."""

    def __init__(self, make):
        self.north = make.team("North team")
        self.south = make.team("South team")
        self.north_manager = make.user(Role.SUPERVISOR, Role.AUDITOR, team=self.north, name="Nia North")
        self.south_auditor = make.user(Role.AUDITOR, team=self.south, name="Sol South")
        self.outside = make.user(Role.AUDITOR, team=make.team("QA team"), name="Quinn QA")
        self.north_cases = [make.case(self.north, reference=f"NOR-{n:04d}") for n in range(6)]
        self.south_cases = [make.case(self.south, reference=f"SOU-{n:04d}") for n in range(2)]
        self.tool = make.tool_version()
        self.leader = make.user(Role.LEADER, name="Lee Leader")

    def form(self, **changes):
        data = {
            "name": "June 2030: fathers",
            "month": ["6", "2030"],
            "tool": str(self.tool.id),
            "selection": "sample",
            "per_team": "4",
            "teams": [str(self.north.id), str(self.south.id)],
            "seed": "",
            "references": "",
            "auditors": [str(self.north_manager.id), str(self.south_auditor.id), str(self.outside.id)],
            "due_date": [str(IN_A_MONTH.day), str(IN_A_MONTH.month), str(IN_A_MONTH.year)],
        }
        data.update(changes)
        return {key: value for key, value in data.items() if value is not None}


def _error_summary(response) -> list[str]:
    """The text of the error summary's links, in order."""
    summary = parse(response).select_one("div.govuk-error-summary")
    assert summary, "no error summary"
    return [text_of(link) for link in summary.find_all("a")]


def _value(html: str, name: str) -> str | None:
    found = parse(html).find("input", attrs={"name": name, "value": True})
    return str(found["value"]) if found else None


def _textarea(html: str, name: str) -> str:
    found = parse(html).find("textarea", attrs={"name": name})
    assert found, f"no textarea {name}"
    return found.get_text().removeprefix("\n")  # HTML drops the newline after <textarea>


def _checked(html: str, name: str) -> set[str]:
    return {str(tag["value"]) for tag in parse(html).find_all("input", attrs={"name": name, "checked": True})}


def test_the_form_offers_the_latest_tools_the_teams_and_the_auditors(app, client, make):
    council = Council(make)
    client.sign_in_as(council.leader)
    response = client.get("/programme/new")
    assert response.status_code == 200
    assert_well_formed_page(response)
    text = page_text(response)
    assert council.tool.label in text
    assert "Random sample per team" in text and "Chosen cases" in text
    assert "North team" in text and "South team" in text
    assert "Nia North North team" in text and "Quinn QA QA team" in text  # each auditor with their team
    assert "Lee Leader" not in text.split("Auditors", 1)[1]
    assert "Error:" not in text


def test_a_sample_creates_the_programme_and_reports_the_shortfall(app, client, make):
    council = Council(make)
    client.sign_in_as(council.leader)

    response = client.post("/programme/new", data=council.form(seed="31337"))

    assert response.status_code == 302, _error_summary(response)
    with app.app_context():
        programme = db.session.scalar(select(AuditProgramme).order_by(AuditProgramme.id.desc()))
        audits = db.session.scalars(select(Audit).where(Audit.programme_id == programme.id)).all()
        logged = db.session.scalars(
            select(AccessLogEntry.record_id).where(
                AccessLogEntry.user_id == council.leader.id, AccessLogEntry.action == "create"
            )
        ).all()
        assert response.headers["Location"] == f"/programme/{programme.id}"
        assert (programme.name, programme.month, programme.sample_seed, programme.per_team) == (
            "June 2030: fathers",
            date(2030, 6, 1),
            31337,
            4,
        )
        assert Counter(audit.team_id for audit in audits) == {council.north.id: 4, council.south.id: 2}
        assert all(
            audit.auditor_id != council.north_manager.id for audit in audits if audit.team_id == council.north.id
        )
        assert sorted(Counter(audit.auditor_id for audit in audits).values()) == [2, 2, 2]
        assert sorted(logged) == sorted(audit.id for audit in audits)

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert_well_formed_page(page)
    text = page_text(page)
    assert (
        "Programme created: 6 audits assigned to 3 auditors. "
        "Fewer cases than asked for: South team had only 2 cases to sample, not 4." in text
    )
    assert "sample number 31337" in text
    assert text.count("Not started") == 6


def test_a_sample_without_a_number_gets_one(app, client, make):
    council = Council(make)
    client.sign_in_as(council.leader)
    response = client.post("/programme/new", data=council.form(teams=[str(council.south.id)], per_team="1"))
    assert response.status_code == 302
    with app.app_context():
        programme = db.session.scalar(select(AuditProgramme).order_by(AuditProgramme.id.desc()))
        assert 100_000 <= programme.sample_seed <= 999_999


def test_chosen_cases_are_audited_and_unknown_references_named(app, client, make):
    council = Council(make)
    client.sign_in_as(council.leader)
    typed = "nor-0001, SOU-0001\nMISSING-1\nMISSING-2"

    response = client.post("/programme/new", data=council.form(selection="chosen", references=typed, per_team=""))

    assert response.status_code == 200
    assert _error_summary(response) == ["There are no cases with the references MISSING-1, MISSING-2"]
    html = response.get_data(as_text=True)
    # As a browser reads it: exactly what was typed, with no indenting added to its lines.
    assert _textarea(html, "references") == typed
    assert _value(html, "name") == "June 2030: fathers"
    assert _checked(html, "selection") == {"chosen"}

    response = client.post(
        "/programme/new", data=council.form(selection="chosen", references="nor-0001, SOU-0001", per_team="")
    )
    assert response.status_code == 302
    with app.app_context():
        programme = db.session.scalar(select(AuditProgramme).order_by(AuditProgramme.id.desc()))
        references = db.session.scalars(
            select(Case.reference).join(Audit, Audit.case_id == Case.id).where(Audit.programme_id == programme.id)
        ).all()
        assert sorted(references) == ["NOR-0001", "SOU-0001"]
        assert programme.sample_seed is None and programme.per_team is None
    assert "Programme created: 2 audits assigned to 2 auditors." in page_text(client.get(f"/programme/{programme.id}"))


def test_unknown_references_are_reported_with_the_other_errors(app, client, make):
    council = Council(make)
    client.sign_in_as(council.leader)
    data = council.form(selection="chosen", references="NOR-0001\nGONE-1", tool=None, auditors=None)

    response = client.post("/programme/new", data=data)

    assert _error_summary(response) == [
        "Select the audit tool",
        "There is no case with the reference GONE-1",
        "Select at least one auditor",
    ]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"tool": None}, "Select the audit tool"),
        ({"due_date": ["1", "1", "2020"]}, "The due date must be today or in the future"),
        ({"due_date": ["31", "2", "2031"]}, "Due date must be a real date, with a day, month and year"),
        ({"due_date": ["", "", ""]}, "Enter the due date"),
        ({"per_team": "0"}, "Cases per team must be between 1 and 100"),
        ({"per_team": "101"}, "Cases per team must be between 1 and 100"),
        ({"per_team": "five"}, "Cases per team must be a whole number, like 5"),
        ({"per_team": ""}, "Enter how many cases to sample from each team"),
        ({"auditors": None}, "Select at least one auditor"),
        ({"teams": None}, "Select at least one team to sample from"),
        ({"seed": "-3"}, "Sample number must be a whole number from 0 to 2,147,483,647"),
        ({"selection": None}, "Select how to choose the cases"),
        ({"selection": "chosen"}, "Enter the references of the cases to audit"),
        ({"name": "  "}, "Enter a name for the programme"),
        ({"month": ["13", "2030"]}, "Month audited must be a real month and year"),
        ({"month": ["", ""]}, "Enter the month audited"),
        ({"auditors": ["999999"]}, "Select auditors from the list"),
    ],
    ids=lambda value: value if isinstance(value, str) else "-".join(value),
)
def test_bad_input_is_explained_and_everything_typed_is_kept(app, client, make, changes, error):
    council = Council(make)
    client.sign_in_as(council.leader)
    data = council.form(**{"seed": "77", **changes})

    response = client.post("/programme/new", data=data)

    assert response.status_code == 200
    assert_well_formed_page(response)
    assert _error_summary(response) == [error]
    html = response.get_data(as_text=True)
    assert "<title>Error: Plan an audit programme" in html
    assert 'class="govuk-error-message"' in html
    # Everything else typed is still there.
    if "name" not in changes:
        assert _value(html, "name") == "June 2030: fathers"
    if "per_team" not in changes:
        assert _value(html, "per_team") == "4"
    if "seed" not in changes:
        assert _value(html, "seed") == "77"
    if "due_date" not in changes:
        year = parse(html).find("input", id="due_date-year")
        assert year and year.get("value") == str(IN_A_MONTH.year)
    if "month" not in changes:
        assert _value(html, "month") == "6"
    expected_checked = {key: set(value) for key, value in data.items() if key in {"teams", "auditors"}}
    for name in ("teams", "auditors"):
        if name in data and data[name] != ["999999"]:
            assert _checked(html, name) == expected_checked[name]
    if "tool" in data:
        assert _checked(html, "tool") == {str(council.tool.id)}
    with app.app_context():
        assert db.session.scalar(select(db.func.count(AuditProgramme.id))) == 0


def test_a_case_no_selected_auditor_can_take_is_named_on_the_form(app, client, make):
    council = Council(make)
    client.sign_in_as(council.leader)
    data = council.form(teams=[str(council.north.id)], auditors=[str(council.north_manager.id)])

    response = client.post("/programme/new", data=data)

    assert response.status_code == 200
    [error] = _error_summary(response)
    assert re.fullmatch(
        r"None of the selected auditors can audit case NOR-\d{4}: "
        r"Nia North manages the case's team and cannot audit it\. Select another auditor",
        error,
    )
    assert 'href="#auditors"' in response.get_data(as_text=True)


# Reassigning and cancelling an audit not yet submitted -------------------------------------------


def _changes(app, audit) -> list[tuple[str, str | None, str | None, str, int]]:
    from audit.models import AuditAmendment

    with app.app_context():
        rows = db.session.scalars(
            select(AuditAmendment).where(AuditAmendment.audit_id == audit.id).order_by(AuditAmendment.id)
        )
        return [(row.field, row.old_value, row.new_value, row.reason, row.user_id) for row in rows]


def _status_and_auditor(app, audit) -> tuple[AuditStatus, int]:
    with app.app_context():
        saved = db.session.get(Audit, audit.id)
        return saved.status_enum, saved.auditor_id


def test_a_leader_reassigns_an_audit_keeping_its_answers_and_recording_why(app, client, make):
    council = Council(make)
    programme = make.programme(council.leader, [(council.north_cases[0], council.outside, AuditStatus.IN_PROGRESS)])
    with app.app_context():
        audit = db.session.scalar(select(Audit).where(Audit.programme_id == programme.id))
    make.answers(audit)
    with app.app_context():
        answers_before = db.session.get(Audit, audit.id).answers
        answered = sorted((answer.question_id, answer.evidence) for answer in answers_before)
    client.sign_in_as(council.leader)

    # Offered from the programme page; the form offers only auditors who may take the case.
    programme_page = client.get_page(f"/programme/{programme.id}")
    assert programme_page.find("a", href=f"/programme/audits/{audit.id}/reassign")
    form = client.get_page(f"/programme/audits/{audit.id}/reassign")
    offered = {str(tag["value"]) for tag in form.find_all("input", attrs={"name": "auditor"})}
    assert offered == {str(council.south_auditor.id)}  # not the current auditor, not North's manager

    response = client.post(
        f"/programme/audits/{audit.id}/reassign",
        data={"auditor": str(council.south_auditor.id), "reason": "Quinn is on leave"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/programme/{programme.id}"
    assert _status_and_auditor(app, audit) == (AuditStatus.IN_PROGRESS, council.south_auditor.id)
    assert _changes(app, audit) == [("Auditor", "Quinn QA", "Sol South", "Quinn is on leave", council.leader.id)]
    with app.app_context():
        kept = sorted((answer.question_id, answer.evidence) for answer in db.session.get(Audit, audit.id).answers)
    assert kept == answered and kept
    # The change is shown on the audit page, and the new auditor can carry on.
    text = page_text(client.get_page(f"/audits/{audit.id}"))
    assert "Auditor" in text and "Quinn QA" in text and "Sol South" in text and "Quinn is on leave" in text
    client.sign_in_as(council.south_auditor)
    assert client.get(f"/audits/{audit.id}/edit/all").status_code == 200
    client.sign_in_as(council.outside)
    assert client.get(f"/audits/{audit.id}/edit/all").status_code == 404


def test_reassigning_refuses_a_conflicted_auditor_a_missing_reason_and_a_submitted_audit(app, client, make):
    council = Council(make)
    open_audit = make.audit(council.north_cases[0], council.outside, status=AuditStatus.ASSIGNED)
    submitted = make.audit(council.north_cases[1], council.outside, status=AuditStatus.SUBMITTED)
    client.sign_in_as(council.leader)

    # North's manager may not audit a North case: not offered, and refused if posted anyway.
    response = client.post(
        f"/programme/audits/{open_audit.id}/reassign", data={"auditor": str(council.north_manager.id), "reason": "x"}
    )
    assert response.status_code == 200
    assert _error_summary(response) == ["Select the new auditor from the list"]
    response = client.post(
        f"/programme/audits/{open_audit.id}/reassign", data={"auditor": str(council.south_auditor.id), "reason": " "}
    )
    assert _error_summary(response) == ["Enter the reason for the change"]
    with app.app_context():
        audit = db.session.get(Audit, open_audit.id)
        manager = db.session.get(User, council.north_manager.id)
        with pytest.raises(programme_data.ProgrammeError, match="manages the case's team"):
            programme_data.reassign_audit(audit, manager, "Reason", audit.auditor)
        db.session.rollback()
    assert _status_and_auditor(app, open_audit) == (AuditStatus.ASSIGNED, council.outside.id)
    assert _changes(app, open_audit) == []

    # A submitted audit is not reassigned: the pages send the leader back to it.
    response = client.post(
        f"/programme/audits/{submitted.id}/reassign", data={"auditor": str(council.south_auditor.id), "reason": "x"}
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/audits/{submitted.id}"
    assert _status_and_auditor(app, submitted) == (AuditStatus.SUBMITTED, council.outside.id)
    with app.app_context():
        audit = db.session.get(Audit, submitted.id)
        with pytest.raises(programme_data.ProgrammeError, match="only an audit not yet submitted"):
            programme_data.cancel_audit(audit, "Reason", audit.auditor)
    assert _changes(app, submitted) == []


def test_a_cancelled_audit_keeps_its_reason_and_is_not_open_overdue_counted_or_editable(app, client, make):
    from audit.domain import audits as audit_data
    from audit.reporting.figures import COMPLETED, OPEN

    council = Council(make)
    late = today() - timedelta(days=3)
    programme = make.programme(
        council.leader,
        [
            (council.north_cases[0], council.outside, AuditStatus.IN_PROGRESS),
            (council.north_cases[1], council.outside, AuditStatus.ASSIGNED),
        ],
        due_date=late,
    )
    with app.app_context():
        audit = db.session.scalar(
            select(Audit).where(Audit.programme_id == programme.id, Audit.status == AuditStatus.IN_PROGRESS)
        )
        assert programme_data.programme_summary(programme.id).overdue == 2
    client.sign_in_as(council.leader)
    assert client.get_page(f"/audits/{audit.id}").find("a", href=f"/programme/audits/{audit.id}/cancel")
    client.get_page(f"/programme/audits/{audit.id}/cancel")

    response = client.post(f"/programme/audits/{audit.id}/cancel", data={"reason": "The case was closed"})

    assert response.status_code == 302
    assert _status_and_auditor(app, audit) == (AuditStatus.CANCELLED, council.outside.id)
    assert _changes(app, audit) == [("Status", "In progress", "Cancelled", "The case was closed", council.leader.id)]
    with app.app_context():
        saved = db.session.get(Audit, audit.id)
        assert not audit_data.is_overdue(saved)
        summary = programme_data.programme_summary(programme.id)
        assert (summary.not_started, summary.in_progress, summary.overdue, summary.cancelled, summary.total) == (
            1,
            0,
            1,
            1,
            1,
        )
        assert audit_data.overdue_count(db.session.get(User, council.leader.id)) == 1
        assert audit.id not in [item.id for item in audit_data.my_audits(db.session.get(User, council.outside.id))]
    assert AuditStatus.CANCELLED.value not in OPEN + COMPLETED
    text = page_text(client.get_page(f"/programme/{programme.id}"))
    assert "1 not started, 0 in progress, 0 submitted, 0 moderated (1 cancelled, not counted)" in text
    assert "Cancelled" in text
    page = client.get_page(f"/audits/{audit.id}")
    assert "The case was closed" in page_text(page)
    assert not page.find("a", href=f"/programme/audits/{audit.id}/reassign")
    # Nobody edits it any more, and it is not cancelled twice.
    client.sign_in_as(council.outside)
    response = client.get(f"/audits/{audit.id}/edit/all")
    assert response.status_code == 302 and response.headers["Location"] == f"/audits/{audit.id}"
    assert client.post(f"/audits/{audit.id}/autosave", data={"version": "2"}).status_code != 200
    assert "Continue the audit" not in page_text(client.get_page(f"/audits/{audit.id}"))
    client.sign_in_as(council.leader)
    assert client.post(f"/programme/audits/{audit.id}/cancel", data={"reason": "Again"}).status_code == 302
    assert len(_changes(app, audit)) == 1


def test_a_cancelled_audits_case_may_be_sampled_again(app, make):
    team = make.team()
    auditor = make.user(Role.AUDITOR, team=make.team())
    case = make.case(team)
    make.audit(case, auditor, status=AuditStatus.CANCELLED)
    with app.app_context():
        assert _ids(programme_data.sample_cases([team.id], 1, 1, today()).cases) == [case.id]


# Previewing the sample ---------------------------------------------------------------------------


def _hidden(page) -> list[tuple[str, str]]:
    return [(str(tag["name"]), str(tag.get("value", ""))) for tag in page.find_all("input", attrs={"type": "hidden"})]


def test_the_preview_shows_the_sample_writes_nothing_and_creates_exactly_it(app, client, make):
    council = Council(make)
    client.sign_in_as(council.leader)
    with app.app_context():
        before = (
            db.session.scalar(select(func.count(Audit.id))),
            db.session.scalar(select(func.count(AuditProgramme.id))),
        )

    page = client.post_page("/programme/new", data={**council.form(), "action": "preview"})

    with app.app_context():
        after = (
            db.session.scalar(select(func.count(Audit.id))),
            db.session.scalar(select(func.count(AuditProgramme.id))),
        )
    assert after == before  # nothing written
    rows = [[text_of(cell) for cell in row.find_all("td")] for row in page.select("tbody tr")]
    assert len(rows) == 6
    assert Counter(row[0] for row in rows) == {"North team": 4, "South team": 2}
    assert all(row[2] != "Nia North" for row in rows if row[0] == "North team")
    hidden = dict(_hidden(page))
    seed = int(hidden["seed"])  # a new sample number, fixed for creating
    assert f"sample number {seed}" in page_text(page)
    previewed = {(row[1], row[2]) for row in rows}

    data = [(name, value) for name, value in _hidden(page) if name != "csrf_token"]
    # "Go back and change" returns to the form with the answers, still writing nothing.
    back = client.post_page("/programme/new", data=_multi([*data, ("action", "change")]))
    assert back.find("input", attrs={"name": "name"})["value"] == "June 2030: fathers"
    assert back.find("input", attrs={"name": "seed"})["value"] == str(seed)
    response = client.post("/programme/new", data=_multi([*data, ("action", "create")]))

    assert response.status_code == 302, _error_summary(response)
    with app.app_context():
        programme = db.session.scalar(select(AuditProgramme).order_by(AuditProgramme.id.desc()))
        audits = db.session.scalars(select(Audit).where(Audit.programme_id == programme.id)).all()
        created = {(audit.case.reference, audit.auditor.name) for audit in audits}
        assert programme.sample_seed == seed
    assert created == previewed


def test_the_preview_shows_errors_on_the_form_and_works_for_chosen_cases(app, client, make):
    council = Council(make)
    client.sign_in_as(council.leader)
    response = client.post("/programme/new", data={**council.form(auditors=[]), "action": "preview"})
    assert _error_summary(response) == ["Select at least one auditor"]

    chosen = council.form(selection="chosen", references="SOU-0001\nNOR-0002", per_team="")
    page = client.post_page("/programme/new", data={**chosen, "action": "preview"})
    assert [text_of(row.find_all("td")[1]) for row in page.select("tbody tr")] == ["SOU-0001", "NOR-0002"]  # as typed
    assert "Chosen cases" in page_text(page)
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditProgramme.id))) == 0


def _multi(pairs: list[tuple[str, str]]):
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)
