"""The moderation's outcome goes back: the auditor and the case's worker see, per section, the
auditor's and the moderator's grades, whether they agree and why not; the auditor's home page lists
outcomes until the auditor opens the audit."""

from __future__ import annotations

from audit.models import AuditStatus, Role
from tests.conftest import page_text
from tests.pages import assert_well_formed_page, parse, text_of
from tests.test_moderation import WITH_OVERALL, form_data, tool

REASON = "The plan does not say who will do what by when, so the child's safety relies on goodwill."


def _home_outcomes(client) -> str:
    return text_of(parse(client.get("/").get_data(as_text=True)).select_one("ul.app-moderation-outcomes"))


def test_the_auditor_and_worker_see_the_outcome_and_the_home_page_lists_it_until_read(app, client, make):
    team = make.team()
    worker = make.user(Role.PRACTITIONER, team=team, name="Wren Worker")
    auditor = make.user(Role.AUDITOR, team=make.team(), name="Ada Auditor")
    moderator = make.user(Role.MODERATOR, name="Morgan Moderator")
    case = make.case(team, worker=worker, reference="CS-OUT-001")
    audit = make.judgements(make.audit(case, auditor, tool=WITH_OVERALL, status=AuditStatus.SUBMITTED), "good", "good")
    mash = tool(app, make, WITH_OVERALL)
    first_id, _key, first_title = mash.sections[0]
    client.sign_in_as(auditor)
    assert _home_outcomes(client) == ""  # nothing moderated yet

    client.sign_in_as(moderator)
    data = form_data(
        mash,
        overall=("requires-improvement", "Overall the plan is not yet good enough."),
        **{f"s{first_id}_grade": str(mash.grades["requires-improvement"]), f"s{first_id}_reason": REASON},
    )
    assert client.post(f"/moderation/{audit.id}", data=data).status_code == 302
    # A moderator reading the audit does not mark it read for the auditor.
    assert client.get(f"/audits/{audit.id}").status_code == 200

    client.sign_in_as(auditor)
    listed = _home_outcomes(client)
    assert "Audit of CS-OUT-001" in listed and "Morgan Moderator" in listed
    assert f"{len(mash.sections) - 1} of {len(mash.sections)} sections, overall not agreed" in listed

    # The worker sees the outcome too; that does not mark it read for the auditor.
    client.sign_in_as(worker)
    page = client.get(f"/audits/{audit.id}")
    assert_well_formed_page(page)
    rows = parse(page.get_data(as_text=True)).select("#moderation-grades tbody tr")
    assert f"{first_title} Good Requires improvement to be good Differs {REASON}" == text_of(rows[0])
    assert text_of(rows[1]).endswith("Good Good Agrees –")
    assert text_of(rows[-1]) == (
        "Overall grade Good Requires improvement to be good Differs Overall the plan is not yet good enough."
    )
    assert "Morgan Moderator moderated this audit on" in page_text(page)
    client.sign_in_as(auditor)
    assert "CS-OUT-001" in _home_outcomes(client)

    # The auditor opens the audit: read, and gone from the home page.
    opened = client.get(f"/audits/{audit.id}")
    assert REASON in page_text(opened)
    assert _home_outcomes(client) == ""
    assert client.get(f"/audits/{audit.id}").status_code == 200  # opening it again is fine


def test_the_home_page_lists_only_the_auditors_own_outcomes(app, client, make):
    team = make.team()
    auditor = make.user(Role.AUDITOR, team=make.team())
    other_auditor = make.user(Role.AUDITOR, team=make.team())
    moderator = make.user(Role.MODERATOR)
    mine = make.judgements(
        make.audit(make.case(team, reference="CS-MINE"), auditor, tool=WITH_OVERALL, status=AuditStatus.SUBMITTED)
    )
    theirs = make.judgements(
        make.audit(
            make.case(team, reference="CS-THEIRS"), other_auditor, tool=WITH_OVERALL, status=AuditStatus.SUBMITTED
        )
    )
    mash = tool(app, make, WITH_OVERALL)
    client.sign_in_as(moderator)
    for audit in (mine, theirs):
        assert client.post(f"/moderation/{audit.id}", data=form_data(mash)).status_code == 302

    client.sign_in_as(auditor)
    listed = _home_outcomes(client)
    assert "CS-MINE" in listed and "CS-THEIRS" not in listed
