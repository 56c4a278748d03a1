"""Presentation rules kept in Python: each status's tag colour and the overdue rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from audit.domain.audits import OPEN_STATUSES, is_overdue
from audit.domain.follow_up import action_is_overdue
from audit.models import Action, Audit, AuditStatus
from audit.templating import STATE_TAG_CLASSES, STATUS_TAG_CLASSES, tag, tag_class


@pytest.mark.parametrize("statuses", list(STATUS_TAG_CLASSES), ids=lambda statuses: statuses.__name__)
def test_every_status_has_a_tag_colour(statuses):
    for status in statuses:
        assert tag_class(status) == STATUS_TAG_CLASSES[statuses][status]
        extra = {"govuk-tag--orange", "govuk-tag--purple", "govuk-tag--turquoise"}
        assert tag_class(status) in {"", *STATE_TAG_CLASSES.values(), *extra}


def test_a_tag_is_what_the_govuk_macro_writes(app):
    """``tag`` builds in Python the markup of GOV.UK Frontend's ``govukTag`` (which lists call too
    often for the macro's own cost): the same element, classes and escaped text, for every status
    and state, with and without further classes."""
    macro = app.jinja_env.from_string(
        '{% from "govuk_frontend_jinja/components/tag/macro.html" import govukTag %}'
        '{{ govukTag({"text": text, "classes": classes}) }}'
    )
    states = [status for statuses in STATUS_TAG_CLASSES for status in statuses] + list(STATE_TAG_CLASSES)
    for state in states:
        for text in ("Overdue", "12 overdue", 'Tom & "Jerry" <b>'):
            for extra in ("", "app-nowrap"):
                classes = " ".join(name for name in (tag_class(state), extra) if name)
                assert str(tag(text, state, extra)) == macro.render(text=text, classes=classes)
    assert str(tag("<b>", "overdue")) == '<strong class="govuk-tag govuk-tag--red">\n  &lt;b&gt;\n</strong>\n'


def test_equal_values_of_different_statuses_keep_their_own_colours():
    from audit.models import PlanActionStatus

    assert AuditStatus.IN_PROGRESS == PlanActionStatus.IN_PROGRESS  # both are "in_progress"
    assert tag_class(AuditStatus.IN_PROGRESS) == "govuk-tag--blue"
    assert tag_class(PlanActionStatus.IN_PROGRESS) == ""


def test_an_open_audit_past_its_due_date_is_overdue_and_a_closed_one_never():
    today = date(2026, 11, 28)
    for status in AuditStatus:
        audit = Audit(status=status.value, due_date=today - timedelta(days=1))
        assert is_overdue(audit, today) == (status.value in OPEN_STATUSES)
    assert not is_overdue(Audit(status=AuditStatus.ASSIGNED.value, due_date=today), today)
    assert not is_overdue(Audit(status=AuditStatus.ASSIGNED.value, due_date=None), today)


def test_an_action_past_its_due_date_is_overdue_until_it_is_done():
    today = date(2026, 11, 28)
    assert action_is_overdue(Action(due_date=today - timedelta(days=1)), today)
    assert not action_is_overdue(Action(due_date=today), today)
    assert not action_is_overdue(Action(due_date=today - timedelta(days=1), completed_at=datetime(2026, 11, 27)), today)
