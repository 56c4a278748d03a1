"""List pages and home pages that stay the same size however much data there is (issue 16): the
moderation queue read as two runs in its order, lists that show their first rows with the number
in all, and the concerns list read by keyset pages (no repeats, no gaps, stable under ties and
under changes between pages). Query counts do not grow with the rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from audit.domain import audits as audit_data
from audit.domain import follow_up
from audit.domain import moderation as moderation_data
from audit.extensions import db
from audit.models import (
    Action,
    Audit,
    AuditStatus,
    Moderation,
    ModerationAssignment,
    Role,
    SafeguardingConcern,
    User,
)
from tests.querycount import queries_for

BASE = datetime(2026, 10, 1, 9, 0)


@pytest.fixture
def people(make):
    team = make.team("Scale Team")
    return {
        "team": team,
        "auditor": make.user(Role.AUDITOR, team=team, name="Ada Auditor"),
        "moderator": make.user(Role.MODERATOR, name="Mo Moderator"),
        "leader": make.user(Role.LEADER, name="Lee Leader"),
        "worker": make.user(Role.PRACTITIONER, team=team, name="Wyn Worker"),
        "case": make.case(team),
    }


def _audits(app, make, people, count: int, status: AuditStatus, *, start: int = 0, tie_every: int = 3) -> list[int]:
    """``count`` audits of the people's case; every ``tie_every`` consecutive ones share a submitted
    time (ties the orders must break by id)."""
    version = make.tool_version()
    with app.app_context():
        audits = [
            Audit(
                case_id=people["case"].id,
                team_id=people["team"].id,
                tool_version_id=version.id,
                auditor_id=people["auditor"].id,
                created_by_id=people["auditor"].id,
                status=status.value,
                due_date=date(2026, 12, 1) + timedelta(days=(start + n) % 7),
                submitted_at=BASE + timedelta(hours=(start + n) // tie_every) if status.is_locked else None,
            )
            for n in range(count)
        ]
        db.session.add_all(audits)
        db.session.commit()
        return [audit.id for audit in audits]


# The moderation queue ----------------------------------------------------------------------------


def _queue_by_the_old_rule(app) -> list[int]:
    """The queue's order as one sort of everything waiting (what the page did before): selected
    audits soonest due first, then the rest; longest waiting first; then by id."""
    with app.app_context():
        rows = db.session.execute(
            select(Audit.id, Audit.submitted_at, ModerationAssignment.due_date)
            .outerjoin(ModerationAssignment, ModerationAssignment.audit_id == Audit.id)
            .where(Audit.status == AuditStatus.SUBMITTED, ~Audit.moderation.has())
        ).all()
    return [
        audit_id
        for audit_id, _submitted, _due in sorted(
            rows, key=lambda row: (row.due_date is None, row.due_date or date.min, row.submitted_at, row.id)
        )
    ]


def test_the_queue_pages_through_every_audit_waiting_once_in_the_queues_order(app, make, people, monkeypatch):
    monkeypatch.setattr(moderation_data, "QUEUE_PAGE_SIZE", 4)
    waiting = _audits(app, make, people, 17, AuditStatus.SUBMITTED)
    moderated = _audits(app, make, people, 2, AuditStatus.MODERATED, start=17)
    with app.app_context():
        # Five selected by the rule (due dates out of the audits' order, two on the same day), one
        # of them already moderated (it leaves the queue).
        for audit_id, due in zip(
            [waiting[9], waiting[2], waiting[14], waiting[5], moderated[0]],
            [date(2026, 12, 3), date(2026, 12, 1), date(2026, 12, 1), date(2026, 11, 30), date(2026, 11, 1)],
            strict=True,
        ):
            db.session.add(ModerationAssignment(audit_id=audit_id, selected_because="random", due_date=due))
        for audit_id in moderated:
            db.session.add(Moderation(audit_id=audit_id, moderator_id=people["moderator"].id))
        db.session.commit()
        pages = [moderation_data.moderation_queue(page=number) for number in range(1, 7)]
    expected = _queue_by_the_old_rule(app)
    assert len(expected) == 17
    shown = [audit.id for page in pages[:5] for audit in page.audits]
    assert shown == expected  # every audit once, in order, across the page boundaries
    assert [len(page.audits) for page in pages[:5]] == [4, 4, 4, 4, 1]
    assert {page.total for page in pages} == {17} and pages[0].pages == 5
    assert [audit.id for audit in pages[5].audits] == [audit.id for audit in pages[4].audits]  # past the end: the last


def test_the_moderation_queue_sends_the_same_queries_for_3_audits_as_for_40(app, client, make, people):
    client.sign_in_as(people["moderator"])
    first = _audits(app, make, people, 3, AuditStatus.SUBMITTED)
    with app.app_context():
        db.session.add(ModerationAssignment(audit_id=first[0], selected_because="random", due_date=date(2026, 12, 1)))
        db.session.commit()
    client.get("/moderation/")
    few = queries_for(app, client, "/moderation/")
    _audits(app, make, people, 37, AuditStatus.SUBMITTED, start=3)
    many = queries_for(app, client, "/moderation/")
    later_page = queries_for(app, client, "/moderation/?page=2")
    assert many.count == few.count == later_page.count, f"{few}\n\n{many}\n\n{later_page}"


# Lists shown as their first rows and a count ----------------------------------------------------


def test_my_audits_pages_through_every_open_audit_soonest_due_first(app, client, make, people, monkeypatch):
    monkeypatch.setattr(audit_data, "MY_AUDITS_PAGE_SIZE", 2)
    ids = _audits(app, make, people, 5, AuditStatus.ASSIGNED)
    client.sign_in_as(people["auditor"])
    with app.app_context():
        everything = [audit.id for audit in audit_data.my_audits(db.session.get(User, people["auditor"].id))]
    assert sorted(everything) == ids
    shown = []
    for number in (1, 2, 3):
        page = client.get_page(f"/audits/mine?page={number}")
        assert f"5 audits, soonest due first (page {number} of 3)" in page.get_text(" ", strip=True)
        shown += [int(link["href"].rsplit("/", 1)[-1]) for link in page.select("table tbody tr a[href^='/audits/']")]
        labels = [link.get_text(" ", strip=True) for link in page.select("nav.govuk-pagination a")]
        assert ("Previous" in " ".join(labels)) == (number > 1) and ("Next" in " ".join(labels)) == (number < 3)
    assert shown == everything  # each once, in the list's order
    # A page number past the end shows the last page; one that cannot be read (or is absurd) the first.
    assert "(page 3 of 3)" in client.get_page("/audits/mine?page=9").get_text(" ", strip=True)
    assert "(page 1 of 3)" in client.get_page("/audits/mine?page=two").get_text(" ", strip=True)
    assert "(page 1 of 3)" in client.get_page(f"/audits/mine?page={10**30}").get_text(" ", strip=True)
    assert "(page 1 of 3)" in client.get_page("/audits/mine?page=-4").get_text(" ", strip=True)


def test_my_audits_pages_each_list_on_its_own(app, client, make, people, monkeypatch):
    """An auditor who is also a practitioner pages through the reflections without losing the page
    of their audits."""
    monkeypatch.setattr(audit_data, "MY_AUDITS_PAGE_SIZE", 2)
    monkeypatch.setattr(audit_data, "REFLECTIONS_PAGE_SIZE", 1)
    _audits(app, make, people, 3, AuditStatus.ASSIGNED)
    submitted = _audits(app, make, people, 2, AuditStatus.SUBMITTED, start=3)
    with app.app_context():
        for audit_id in submitted:  # the auditor's own cases, so the reflections are theirs
            db.session.get(Audit, audit_id).case.worker_id = people["auditor"].id
        db.session.commit()
    client.sign_in_as(people["auditor"])
    page = client.get_page("/audits/mine?page=2&reflections_page=2")
    text = page.get_text(" ", strip=True)
    assert "3 audits, soonest due first (page 2 of 2)" in text
    assert "2 audits are waiting, longest waiting first (page 2 of 2)" in text
    reflections = page.select_one("nav[aria-label='Pages of audits waiting for your reflection']")
    assert reflections.select_one("a")["href"] == "/audits/mine?page=2&reflections_page=1"


def test_my_audits_and_my_actions_send_the_same_queries_for_2_rows_as_for_30(app, client, make, people):
    client.sign_in_as(people["auditor"])
    audit_ids = _audits(app, make, people, 2, AuditStatus.ASSIGNED)

    def add_actions(count: int, start: int) -> None:
        with app.app_context():
            db.session.add_all(
                Action(
                    audit_id=audit_ids[n % 2],
                    description=f"Action {start + n}",
                    owner_id=people["auditor"].id,
                    due_date=date(2026, 12, 1) + timedelta(days=n % 3),
                    created_by_id=people["auditor"].id,
                )
                for n in range(count)
            )
            db.session.commit()

    add_actions(2, 0)
    for path in ("/audits/mine", "/audits/actions"):
        client.get(path)
    few = {path: queries_for(app, client, path) for path in ("/audits/mine", "/audits/actions")}
    _audits(app, make, people, 28, AuditStatus.IN_PROGRESS, start=2)
    add_actions(28, 2)
    for path, counted in few.items():
        many = queries_for(app, client, path)
        assert many.count == counted.count, f"{path}\n{counted}\n\n{many}"


def test_my_actions_pages_open_ones_first_and_logs_only_those_shown(app, client, make, people, monkeypatch):
    from audit.models import AccessLogEntry

    monkeypatch.setattr(follow_up, "ACTIONS_PAGE_SIZE", 2)
    audit_id = _audits(app, make, people, 1, AuditStatus.SUBMITTED)[0]
    with app.app_context():
        actions = [
            Action(
                audit_id=audit_id,
                description=f"Action {n}",
                owner_id=people["worker"].id,
                due_date=date(2026, 12, 1) + timedelta(days=n),
                created_by_id=people["auditor"].id,
                completed_at=BASE if n == 0 else None,  # the one due soonest is done: it goes last
            )
            for n in range(4)
        ]
        db.session.add_all(actions)
        db.session.commit()
        expected = [actions[1].id, actions[2].id]
    client.sign_in_as(people["worker"])
    page = client.get_page("/audits/actions")
    assert "4 actions, open ones first (page 1 of 2)" in page.get_text(" ", strip=True)
    assert page.select_one("nav[aria-label='Pages of your actions'] a")["href"] == "/audits/actions?page=2"
    with app.app_context():
        logged = db.session.scalars(
            select(AccessLogEntry.record_id).where(
                AccessLogEntry.user_id == people["worker"].id, AccessLogEntry.record_type == "action"
            )
        ).all()
    assert sorted(logged) == sorted(expected)


def _concerns(app, people, audit_id: int, count: int, *, start: int = 0) -> list[int]:
    """Concerns raised two at a time (ties on the time raised)."""
    with app.app_context():
        concerns = [
            SafeguardingConcern(
                audit_id=audit_id,
                team_id=people["team"].id,
                details=f"Concern {start + n}",
                raised_by_id=people["auditor"].id,
                raised_at=BASE + timedelta(minutes=(start + n) // 2),
            )
            for n in range(count)
        ]
        db.session.add_all(concerns)
        db.session.commit()
        return [concern.id for concern in concerns]


def test_home_shows_the_oldest_concerns_and_counts_them_all(app, client, make, people, monkeypatch):
    monkeypatch.setattr(follow_up, "CONCERNS_SHOWN", 2)
    audit_id = _audits(app, make, people, 1, AuditStatus.SUBMITTED)[0]
    ids = _concerns(app, people, audit_id, 3)
    client.sign_in_as(people["leader"])
    page = client.get_page("/")
    text = page.get_text(" ", strip=True)
    assert "3 immediate safeguarding concerns" in text
    assert "see all 3 open concerns" in text
    assert len(page.select(".app-safeguarding-concern")) == 2
    with app.app_context():
        shown = follow_up.open_concerns_shown(db.session.get(User, people["leader"].id))
    assert [concern.id for concern in shown.items] == ids[:2] and shown.total == 3


def test_home_shows_the_newest_unread_outcomes_and_counts_them_all(app, client, make, people, monkeypatch):
    monkeypatch.setattr(moderation_data, "OUTCOMES_SHOWN", 2)
    ids = _audits(app, make, people, 3, AuditStatus.MODERATED)
    with app.app_context():
        for n, audit_id in enumerate(ids):
            db.session.add(
                Moderation(audit_id=audit_id, moderator_id=people["moderator"].id, created_at=BASE + timedelta(days=n))
            )
        db.session.commit()
    client.sign_in_as(people["auditor"])
    page = client.get_page("/")
    text = page.get_text(" ", strip=True)
    assert "A moderator has re-graded 3 of your audits" in text and "The newest 2 are listed here." in text
    links = [link["href"] for link in page.select(".app-moderation-outcomes a")]
    assert links == [f"/audits/{ids[2]}#moderation-outcome", f"/audits/{ids[1]}#moderation-outcome"]


def test_home_pages_send_the_same_queries_for_2_concerns_and_outcomes_as_for_30(app, client, make, people):
    audit_ids = _audits(app, make, people, 2, AuditStatus.MODERATED)

    def moderate(ids: list[int]) -> None:
        with app.app_context():
            db.session.add_all(Moderation(audit_id=audit_id, moderator_id=people["moderator"].id) for audit_id in ids)
            db.session.commit()

    moderate(audit_ids)
    _concerns(app, people, audit_ids[0], 2)
    few = {}
    for who in ("leader", "auditor"):
        client.sign_in_as(people[who])
        client.get("/")
        few[who] = queries_for(app, client, "/")
    moderate(_audits(app, make, people, 28, AuditStatus.MODERATED, start=2))
    _concerns(app, people, audit_ids[0], 28, start=2)
    for who in ("leader", "auditor"):
        client.sign_in_as(people[who])
        many = queries_for(app, client, "/")
        assert many.count == few[who].count, f"{who}\n{few[who]}\n\n{many}"


# Keyset pages of the concerns list ---------------------------------------------------------------


def _walk_concern_pages(client) -> list[list[str]]:
    """Follow the concerns list's "Next" links from the first page; each page's concern details."""
    pages, url = [], "/audits/concerns"
    while url:
        page = client.get_page(url)
        pages.append([cell.get_text(strip=True) for cell in page.select("td.app-preserve-lines")])
        link = page.select_one(".app-next-page a")
        url = link["href"] if link else None
        assert len(pages) < 20
    return pages


def test_concern_pages_show_every_open_concern_once_oldest_first_with_ties_by_id(
    app, client, make, people, monkeypatch
):
    monkeypatch.setattr(follow_up, "CONCERNS_PAGE_SIZE", 4)
    audit_id = _audits(app, make, people, 1, AuditStatus.SUBMITTED)[0]
    _concerns(app, people, audit_id, 11)
    client.sign_in_as(people["leader"])
    pages = _walk_concern_pages(client)
    assert [len(page) for page in pages] == [4, 4, 3]
    assert [details for page in pages for details in page] == [f"Concern {n}" for n in range(11)]


def test_a_concern_acknowledged_between_pages_moves_no_other_concern_off_the_next_page(
    app, client, make, people, monkeypatch
):
    monkeypatch.setattr(follow_up, "CONCERNS_PAGE_SIZE", 4)
    audit_id = _audits(app, make, people, 1, AuditStatus.SUBMITTED)[0]
    ids = _concerns(app, people, audit_id, 10)
    client.sign_in_as(people["leader"])
    first = client.get_page("/audits/concerns")
    next_url = first.select_one(".app-next-page a")["href"]
    with app.app_context():  # someone acknowledges the oldest while the leader reads page one
        concern = db.session.get(SafeguardingConcern, ids[0])
        concern.acknowledged_at, concern.acknowledged_by_id, concern.action_taken = BASE, people["leader"].id, "Seen."
        db.session.commit()
    second = client.get_page(next_url)
    # With an offset, page two would now start at concern 5 and concern 4 would be missed.
    assert [cell.get_text(strip=True) for cell in second.select("td.app-preserve-lines")] == [
        f"Concern {n}" for n in range(4, 8)
    ]
    assert "2 more after these" in second.get_text(" ", strip=True)


def test_every_concern_page_sends_the_same_queries(app, client, make, people, monkeypatch):
    monkeypatch.setattr(follow_up, "CONCERNS_PAGE_SIZE", 3)
    audit_id = _audits(app, make, people, 1, AuditStatus.SUBMITTED)[0]
    _concerns(app, people, audit_id, 2)
    client.sign_in_as(people["leader"])
    client.get("/audits/concerns")
    few = queries_for(app, client, "/audits/concerns")
    _concerns(app, people, audit_id, 20, start=2)
    many = queries_for(app, client, "/audits/concerns")
    link = client.get_page("/audits/concerns").select_one(".app-next-page a")["href"]
    deeper = queries_for(app, client, link)
    assert few.count == many.count == deeper.count, f"{few}\n\n{many}\n\n{deeper}"


# The audit list ----------------------------------------------------------------------------------


def test_the_audit_list_pages_through_every_audit_once_in_its_order(app, make, people, monkeypatch):
    monkeypatch.setattr(audit_data, "PAGE_SIZE", 4)
    _audits(app, make, people, 7, AuditStatus.ASSIGNED)
    _audits(app, make, people, 3, AuditStatus.IN_PROGRESS, start=7)
    _audits(app, make, people, 8, AuditStatus.SUBMITTED, start=10)
    _audits(app, make, people, 4, AuditStatus.MODERATED, start=18)
    with app.app_context():
        leader = db.session.get(User, people["leader"].id)
        # The order as one sort of everything (what the page did before).
        expected = db.session.scalars(select(Audit.id).order_by(*audit_data._open_first_then_newest())).all()
        pages = [audit_data.audit_page(leader, audit_data.AuditFilters(), number) for number in range(1, 7)]
        submitted = [
            audit_data.audit_page(leader, audit_data.AuditFilters(status="submitted"), number) for number in (1, 2)
        ]
    shown = [audit.id for page in pages[:6] for audit in page.audits]
    assert len(expected) == 22 and shown == expected
    assert [page.total for page in pages] == [22] * 6 and pages[0].pages == 6
    assert [audit.id for page in submitted for audit in page.audits] == [
        audit_id for audit_id in expected if audit_id in set(_ids_with_status(app, AuditStatus.SUBMITTED))
    ]


def _ids_with_status(app, status: AuditStatus) -> list[int]:
    with app.app_context():
        return db.session.scalars(select(Audit.id).where(Audit.status == status.value)).all()


def test_the_audit_list_sends_the_same_queries_for_3_audits_as_for_60(app, client, make, people):
    client.sign_in_as(people["leader"])
    _audits(app, make, people, 2, AuditStatus.ASSIGNED)
    _audits(app, make, people, 1, AuditStatus.SUBMITTED, start=2)
    client.get("/audits/")
    few = {path: queries_for(app, client, path) for path in ("/audits/", "/audits/?status=submitted")}
    _audits(app, make, people, 30, AuditStatus.ASSIGNED, start=3)
    _audits(app, make, people, 27, AuditStatus.SUBMITTED, start=33)
    for path, counted in few.items():
        many = queries_for(app, client, path)
        assert many.count == counted.count, f"{path}\n{counted}\n\n{many}"
    assert queries_for(app, client, "/audits/?page=2").count == few["/audits/"].count


# The indexes the home page and My audits count and order from (SQLite's plans) --------------------


def _plans(app, client, path: str) -> dict[str, str]:
    """Each SELECT the page sends, with SQLite's plan for it (as the page sent it, parameters too)."""
    sent = queries_for(app, client, path).sent
    with app.app_context():
        connection = db.session.connection()
        return {
            statement: " | ".join(
                row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )
            for statement, parameters in sent
            if statement.lstrip().upper().startswith("SELECT")
        }


def _plan_of(plans: dict[str, str], *words: str) -> str:
    found = [plan for statement, plan in plans.items() if all(word in statement for word in words)]
    assert found, f"no statement with {words}"
    return " || ".join(found)


def test_the_home_page_and_my_audits_count_a_persons_own_work_from_indexes_alone(app, client, make, people):
    """SQLite keeps no statistics here, so it chooses an index by the query's shape: the person's
    unread outcomes, reflections waiting, overdue actions and overdue audits must be counted and
    ordered from the indexes that cover them (a partial index only when the query names its
    condition as written), not by reading each audit, moderation or action whole."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("PostgreSQL chooses its plans from statistics; these are SQLite's")
    moderated = _audits(app, make, people, 2, AuditStatus.MODERATED)
    with app.app_context():
        db.session.add_all(Moderation(audit_id=audit_id, moderator_id=people["moderator"].id) for audit_id in moderated)
        db.session.get(Audit, moderated[0]).case.worker_id = people["worker"].id
        db.session.commit()
    _audits(app, make, people, 2, AuditStatus.SUBMITTED, start=2)

    client.sign_in_as(people["auditor"])
    home = _plans(app, client, "/")
    outcomes = _plan_of(home, "outcome_read_at IS NULL")
    assert outcomes.count("COVERING INDEX ix_moderations_unread") == 2, outcomes  # the count and the page
    assert "COVERING INDEX ix_audits_auditor_status" in outcomes
    counts = _plan_of(home, "actions.due_date <")
    assert "COVERING INDEX ix_actions_owner_open (owner_id=? AND completed_at=? AND due_date<?)" in counts, counts
    assert "COVERING INDEX ix_audits_auditor_status" in _plan_of(home, "audits.due_date <")

    client.sign_in_as(people["worker"])
    reflections = _plan_of(_plans(app, client, "/audits/mine"), "practitioner_reflection IS NULL")
    assert reflections.count("COVERING INDEX ix_audits_awaiting_reflection") == 2, reflections
    assert "COVERING INDEX ix_audits_awaiting_reflection" in _plan_of(
        _plans(app, client, "/"), "practitioner_reflection IS NULL"
    )


def test_a_pages_rows_come_in_the_order_of_its_ids_and_a_row_gone_since_is_left_out(app, make, people):
    from audit.domain.bounded import rows_by_id

    ids = _audits(app, make, people, 3, AuditStatus.SUBMITTED)
    with app.app_context():
        rows = rows_by_id(select(Audit), [ids[2], ids[0], 10**9, ids[1]])
        assert [audit.id for audit in rows] == [ids[2], ids[0], ids[1]]
        assert rows_by_id(select(Audit), []) == []
