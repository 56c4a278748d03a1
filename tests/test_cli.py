"""The command-line tasks: create-user, seed-demo and load-tools."""

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


def test_seed_demo_puts_nothing_in_the_future(app):
    """Every stored moment (submitted, moderated, completed, acknowledged, created...) is at or
    before now, and each audit's come in order; dates ahead (due dates, next sessions) may be later."""
    from sqlalchemy import DateTime

    from audit.clock import utcnow
    from audit.models import Audit, Moderation

    result = app.test_cli_runner().invoke(args=["seed-demo", "--cases", "40", "--audits", "120"])
    assert result.exit_code == 0, result.output
    now = utcnow()
    with app.app_context():
        future = {}
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, DateTime):
                    latest = db.session.scalar(select(func.max(column)))
                    if latest is not None and latest > now:
                        future[f"{table.name}.{column.name}"] = latest
        assert future == {}, f"after {now}: {future}"
        checked = 0
        for audit in db.session.scalars(select(Audit)):
            moments = [audit.created_at, audit.started_at, audit.submitted_at, audit.moderated_at]
            present = [moment for moment in moments if moment is not None]
            assert present == sorted(present), (audit.id, moments)
            checked += 1
        assert checked == 120
        for moderation in db.session.scalars(select(Moderation)):
            assert moderation.created_at >= moderation.audit.submitted_at


def test_load_tools_publishes_a_change_to_a_question_being_required_only_as_a_new_version(app, tmp_path):
    """Whether a question is required is part of the tool's content: changing it without raising
    the version is refused, and with it makes a new version, leaving the older one as it was."""
    from audit.domain.tools import DEFINITIONS_DIR
    from audit.models import AuditTool, AuditToolVersion, ToolQuestion, ToolSection

    shipped = (DEFINITIONS_DIR / "assessment-and-planning.toml").read_text(encoding="utf-8")
    version = int(next(line for line in shipped.splitlines() if line.startswith("version = ")).split("=")[1])
    changed = shipped.replace('answer = "date"\nrequired = false\n', 'answer = "date"\n', 1)
    assert changed != shipped
    runner = app.test_cli_runner()

    assert "unchanged" in runner.invoke(args=["load-tools"]).output
    (tmp_path / "assessment-and-planning.toml").write_text(changed, encoding="utf-8")
    refused = runner.invoke(args=["load-tools", "--path", str(tmp_path)])
    assert refused.exit_code != 0
    assert "bump 'version'" in refused.output

    bumped = changed.replace(f"\nversion = {version}\n", f"\nversion = {version + 1}\n", 1)
    (tmp_path / "assessment-and-planning.toml").write_text(bumped, encoding="utf-8")
    loaded = runner.invoke(args=["load-tools", "--path", str(tmp_path)])
    assert loaded.exit_code == 0, loaded.output
    assert f"assessment-and-planning version {version + 1}: loaded" in loaded.output
    with app.app_context():
        required = dict(
            db.session.execute(
                select(AuditToolVersion.version, ToolQuestion.required)
                .join(ToolSection, ToolSection.tool_version_id == AuditToolVersion.id)
                .join(ToolQuestion, ToolQuestion.section_id == ToolSection.id)
                .join(AuditTool)
                .where(AuditTool.slug == "assessment-and-planning", ToolQuestion.key == "date-authorised")
            ).all()
        )
    assert required == {version: False, version + 1: True}
