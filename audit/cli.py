"""Command-line tasks: create a user, seed a synthetic demo council."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from audit import backup
from audit.demo import council
from audit.demo.audits import seed_audits
from audit.demo.plan import seed_plan
from audit.demo.supervision import seed_supervision
from audit.domain import notifications, people
from audit.domain.tools import DEFINITIONS_DIR, ToolDefinitionError, load_definitions
from audit.extensions import db
from audit.models import Role
from audit.security.passwords import password_problem


def _read_password(from_stdin: bool, email: str) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, email)
    if problem:
        raise click.ClickException(problem)
    return password


@click.command("create-user")
@click.option("--email", required=True, help="Email address the user signs in with.")
@click.option("--name", required=True, help="Full name.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="Repeat for several roles.",
)
@click.option("--team", default=None, help="Team name (required unless a role is admin, leader or moderator).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of a prompt.")
@with_appcontext
def create_user_command(email: str, name: str, roles: tuple[str, ...], team: str | None, password_stdin: bool) -> None:
    """Create a user. Refuses if the email address is already in use."""
    if people.user_by_email(email) is not None:
        raise click.ClickException(
            f"A user with the email address {email.strip().lower()} already exists; nothing was changed."
        )
    team_row = None
    if team:
        team_row = people.team_by_name(team)
        if team_row is None:
            raise click.ClickException(f"There is no team called {team!r}.")
    elif not {Role(role) for role in roles} & {Role.ADMIN, Role.LEADER, Role.MODERATOR}:
        raise click.ClickException("Give a --team: only admins, leaders and moderators can work without one.")
    password = _read_password(password_stdin, email)
    user = people.create_user(
        email=email, name=name, roles=[Role(role) for role in roles], password=password, team=team_row
    )
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(user.role_labels)}).")


@click.command("seed-demo")
@click.option("--cases", default=200, show_default=True, help="How many synthetic cases the demo council should have.")
@click.option("--audits", default=150, show_default=True, help="How many synthetic audits, over the last 12 months.")
@click.option("--seed", default=2026, show_default=True, help="Random seed, for a reproducible council.")
@with_appcontext
def seed_demo_command(cases: int, audits: int, seed: int) -> None:
    """Create a synthetic council: teams, a user for every role, cases, audits, supervision and an
    improvement plan. Safe to run again."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException(
            "seed-demo creates accounts with a published password; it will not run in production."
        )
    accounts = council.seed(cases=cases, seed=seed)
    load_definitions()
    added = seed_audits(audits, seed=seed)
    supervised = seed_supervision(seed=seed)
    priorities = seed_plan()
    # The made-up history raised notices as it went (assignments, outcomes, concerns): none is sent.
    notifications.discard_all()
    db.session.commit()
    if added:
        click.echo(f"Added {added:,} synthetic audits.")
    if supervised:
        click.echo(f"Added {supervised:,} synthetic supervision records.")
    if priorities:
        click.echo(f"Added an improvement plan with {priorities} priorities.")
    click.echo("\nDemo accounts (synthetic data only). Password for every account: " + council.DEMO_PASSWORD + "\n")
    width = max(len(account.email) for account in accounts)
    for account in accounts:
        click.echo(f"  {account.email.ljust(width)}  {account.roles:<22} {account.team}")
    click.echo("")


@click.command("load-tools")
@click.option("--path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=DEFINITIONS_DIR)
@with_appcontext
def load_tools_command(path: Path) -> None:
    """Load audit tool definition files; a changed file (with its version bumped) adds a version."""
    try:
        results = load_definitions(path)
    except ToolDefinitionError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    for result in results:
        click.echo(f"  {result.slug} version {result.version}: {'loaded' if result.created else 'unchanged'}")


def _echo_counts(counts: dict[str, int]) -> None:
    width = max((len(table) for table in counts), default=0)
    for table, count in counts.items():
        click.echo(f"  {table.ljust(width)}  {count:>9,}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Back up the database to PATH, a new file; safe while the app is running (never copy the
    SQLite file itself). SQLite: a copy made by SQLite's backup API; PostgreSQL: pg_dump's
    custom format."""
    try:
        summary = backup.back_up(path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    size = path.stat().st_size / (1024 * 1024)
    click.echo(
        f"Backed up to {path} ({size:,.1f} MB), at migration {summary.revision or '(none)'}; it reads back whole."
    )
    if summary.row_counts:
        click.echo("It holds:")
        _echo_counts(summary.row_counts)


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds records.")
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Restore the database from a backup made by `flask backup`, after checking that it is whole
    and made at this code's migration. Stop the web servers first. Refuses to replace a database
    that holds records unless given --force."""
    try:
        summary = backup.restore(path, force=force)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {path}, at migration {summary.revision}. The database now holds:")
    _echo_counts(summary.row_counts)


def init_app(app: Flask) -> None:
    from audit.admin.cli import retention_command
    from audit.audits.cli import concerns
    from audit.jobs.cli import jobs
    from audit.reports.cli import report
    from audit.reports.summary_cli import check_summaries_command, rebuild_summaries_command

    app.cli.add_command(jobs)

    app.cli.add_command(report)
    app.cli.add_command(concerns)
    app.cli.add_command(load_tools_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(retention_command)
    app.cli.add_command(rebuild_summaries_command)
    app.cli.add_command(check_summaries_command)
