"""A CSV cell a spreadsheet could read as a formula is exported as text.

Spreadsheets skip spaces, line breaks and invisible characters before a formula, and some read
full-width signs as formula signs, so those must not hide an = + - @ from the check.
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from audit.extensions import db
from audit.models import Action, Audit, AuditStatus, Role
from audit.reporting.export import safe_cell

FORMULA = 'HYPERLINK("http://evil.example","click")'

DANGEROUS = {
    "equals": "=" + FORMULA,
    "plus": "+1+2",
    "minus": "-1+2",
    "at": "@SUM(A1)",
    "tab": "\tplain",
    "carriage return": "\rplain",
    "leading space": "  =" + FORMULA,
    "leading newline": "\n=" + FORMULA,
    "leading carriage return and newline": "\r\n+1",
    "leading tab before a sign": "\t@SUM(A1)",
    "non-breaking space": "\u00a0=" + FORMULA,
    "zero-width space": "\u200b=" + FORMULA,
    "zero-width joiner": "\u200d-1",
    "byte-order mark": "\ufeff=" + FORMULA,
    "word joiner": "\u2060@SUM(A1)",
    "ideographic space": "\u3000=" + FORMULA,
    "a mix before the sign": " \u00a0\u200b\ufeff\n\t=" + FORMULA,
    "full-width equals": "\uff1d" + FORMULA,
    "full-width plus": "\uff0b1",
    "full-width minus": "\uff0d1",
    "full-width at": "\uff20SUM(A1)",
    "space then full-width equals": " \uff1d" + FORMULA,
    "small equals": "\ufe66" + FORMULA,
    "minus sign": "\u22121",
}

HARMLESS = {
    "plain text": "Seen alone at school",
    "a sign later in the text": "Score 3 = good",
    "leading spaces before text": "  Seen at home",
    "leading newline before text": "\nSeen at home",
    "full-width letters": "\uff21\uff22\uff23",
    "empty": "",
    "only invisible characters": "\u200b\u00a0 ",
}


@pytest.mark.parametrize("text", DANGEROUS.values(), ids=DANGEROUS.keys())
def test_a_cell_that_could_be_a_formula_is_prefixed(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS.values(), ids=HARMLESS.keys())
def test_other_cells_are_unchanged(text):
    assert safe_cell(text) == text


def test_none_is_an_empty_cell_and_numbers_are_text():
    assert safe_cell(None) == ""
    assert safe_cell(7) == "7"
    assert safe_cell(-7) == "'-7"


def test_the_actions_csv_neutralises_hidden_formulas(app, client, make):
    """End to end: descriptions typed with hidden formula starts come out prefixed."""
    from datetime import date

    team = make.team()
    auditor = make.user(Role.AUDITOR, team=team)
    leader = make.user(Role.LEADER, team=make.team())
    audit = make.audit(make.case(team), auditor, status=AuditStatus.SUBMITTED)
    descriptions = [DANGEROUS[name] for name in ("non-breaking space", "zero-width space", "full-width equals")]
    descriptions.append(DANGEROUS["leading newline"])
    with app.app_context():
        saved = db.session.get(Audit, audit.id)
        for description in descriptions:
            db.session.add(
                Action(
                    audit_id=saved.id,
                    description=description,
                    owner_id=auditor.id,
                    due_date=date(2030, 1, 1),
                    created_by_id=auditor.id,
                )
            )
        db.session.commit()
        assert len(db.session.scalars(select(Action).where(Action.audit_id == audit.id)).all()) == 4
    client.sign_in_as(leader)

    response = client.get("/reports/actions.csv")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    column = rows[0].index("action")
    exported = sorted(row[column] for row in rows[1:])
    assert exported == sorted("'" + description for description in descriptions)
