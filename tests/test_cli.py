"""The command-line tasks: create-user and seed-demo."""

from __future__ import annotations

from sqlalchemy import func, select

from audit.demo.council import DEMO_PASSWORD
from audit.extensions import db
from audit.models import Case, Role, Team, User
from audit.security.passwords import verify_password


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_create_user_reads_the_password_from_stdin(app, make):
    team = make.team("Cli Team")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "New.Person@Test.example",
            "--name",
            "New Person",
            "--role",
            "auditor",
            "--role",
            "supervisor",
            "--team",
            "cli team",
            "--password-stdin",
        ],
        input="granite willow compass\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created new.person@test.example" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.person@test.example"))
        assert user.roles == {Role.AUDITOR, Role.SUPERVISOR}
        assert user.team_id == team.id
        assert verify_password(user.password_hash, "granite willow compass")


def test_create_user_prompts_for_the_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "--email", "lead@test.example", "--name", "Lead", "--role", "leader"],
        input="granite willow compass\ngranite willow compass\n",
    )
    assert result.exit_code == 0, result.output


def test_create_user_refuses_duplicates_and_bad_input(app, make):
    make.user(email="taken@test.example")
    runner = app.test_cli_runner()
    before = _count(app, User)
    attempts = [
        (["--email", "taken@test.example", "--name", "X", "--role", "admin"], "already exists"),
        (["--email", "a@test.example", "--name", "X", "--role", "auditor"], "Give a --team"),
        (["--email", "b@test.example", "--name", "X", "--role", "auditor", "--team", "Nope"], "no team called"),
        (["--email", "c@test.example", "--name", "X", "--role", "admin"], "12 characters"),
        (["--email", "d@test.example", "--name", "X", "--role", "wizard"], "Invalid value"),
    ]
    for args, message in attempts:
        result = runner.invoke(args=["create-user", *args, "--password-stdin"], input="short\n")
        assert result.exit_code != 0
        assert message in result.output
    assert _count(app, User) == before


def test_seed_demo_creates_a_council_and_never_duplicates(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--cases", "30"])
    assert first.exit_code == 0, first.output
    for role in Role:
        assert f"{role.value}@demo.example" in first.output
    assert DEMO_PASSWORD in first.output
    counts = (_count(app, Team), _count(app, User), _count(app, Case))
    assert counts[2] == 30

    second = runner.invoke(args=["seed-demo", "--cases", "30"])
    assert second.exit_code == 0
    assert (_count(app, Team), _count(app, User), _count(app, Case)) == counts

    more = runner.invoke(args=["seed-demo", "--cases", "45"])
    assert more.exit_code == 0
    assert _count(app, Case) == 45
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@demo.example"))
        assert verify_password(admin.password_hash, DEMO_PASSWORD)


def test_seed_demo_is_reproducible(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo", "--cases", "10", "--seed", "7"])
    with app.app_context():
        plans = db.session.execute(select(Case.reference, Case.plan_type, Case.team_id).order_by(Case.reference)).all()
    assert len(plans) == 10


def test_seed_demo_refuses_in_production(app):
    app.config["APP_ENV"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["seed-demo"])
    finally:
        app.config["APP_ENV"] = "testing"
    assert result.exit_code != 0
    assert "will not run in production" in result.output


def test_seed_demo_adds_a_spread_of_audits_once(app):
    from audit.models import Answer, Audit, Moderation

    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--cases", "40", "--audits", "60"])
    assert result.exit_code == 0, result.output
    assert _count(app, Audit) == 60
    with app.app_context():
        statuses = set(db.session.scalars(select(Audit.status)))
    assert {"submitted", "moderated"} <= statuses
    assert _count(app, Answer) > 0
    assert _count(app, Moderation) > 0
    again = runner.invoke(args=["seed-demo", "--cases", "40", "--audits", "60"])
    assert again.exit_code == 0
    assert _count(app, Audit) == 60
