"""The reports pages: the dashboard of audit figures, the themed report and the exports.

Every figure comes from ``audit.reporting``; the views only read the filters and render.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flask import (
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from audit.access import requires
from audit.clock import today
from audit.domain import people, report_jobs, supervision_compliance, tools
from audit.models import Role
from audit.reporting import (
    agreement,
    audits_behind,
    concerns,
    dictionary,
    downloads,
    equality,
    export,
    figures,
    final_grades,
    key_messages,
    moderation_sample,
    periods,
    questions,
    reaudit,
    themed,
    tidy_export,
)
from audit.reports import reports
from audit.routing import page_number
from forms.reports import ReportFiltersForm

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _filters() -> ReportFiltersForm:
    form = ReportFiltersForm(
        formdata=request.args, teams=people.all_teams(), tools=tools.all_tools(), themes=tools.all_themes()
    )
    if request.args:
        form.validate()
    return form


def _by_theme_and_period(
    rows: list[figures.GoodOrBetter],
) -> tuple[list[str], dict[str, dict[str, figures.GoodOrBetter]]]:
    """The trend as a table: the periods (columns), and each theme's figure per period."""
    periods = sorted({row.group for row in rows})
    table: dict[str, dict[str, figures.GoodOrBetter]] = {}
    for row in rows:
        table.setdefault(row.theme, {})[row.group] = row
    return periods, table


def _team_theme_grid(
    rows: list[figures.GoodOrBetter],
) -> tuple[list[str], list[str], dict[tuple[str, str], figures.GoodOrBetter]]:
    """The by-team figures as a grid: the teams (rows), the themes (columns), each cell's figure."""
    cells = {(row.group, row.theme): row for row in rows}
    return sorted({row.group for row in rows}), sorted({row.theme for row in rows}), cells


def _refused(form: ReportFiltersForm) -> tuple[str, int]:
    """A download asked for with bad filters: the dashboard with the errors, not a file."""
    return render_template("reports/dashboard.html", form=form, scope=None, title="Reports"), 400


@reports.route("/")
@requires(Role.LEADER)
def dashboard() -> str:
    form = _filters()
    scope = None if form.errors else form.scope()
    context: dict[str, object] = {}
    if scope is not None:
        counts, themes = figures.audit_counts(scope), figures.theme_grades(scope)
        actions, moderation = figures.action_figures(scope), agreement.moderation_agreement(scope)
        # Financial-year quarters, as councils report (April to March).
        trend = periods.by_financial_quarter(figures.theme_trend(scope, by="month"))
        context = {
            "counts": counts,
            "themes": themes,
            "messages": key_messages.key_messages(scope, themes, counts, actions, moderation),
            "trend": _by_theme_and_period(trend),
            "trend_dates": {
                row.group: periods.financial_quarter_of_key(row.group).clipped(scope.start, scope.end) for row in trend
            },
            "grid": _team_theme_grid(figures.theme_by_team(scope)),
            "team_ids": form.team_ids_by_name,
            "tool_ids": form.tool_ids_by_name,
            "overall_by_tool": figures.overall_grades_by_tool(scope),
            "equality": equality.equality_breakdown(scope),
            "question_figures": questions.by_tool(questions.question_figures(scope)),
            "agreement": moderation,
            "actions": actions,
            # The teams filtered on, as the themed PDF counts them (one scope, one answer).
            "supervision": supervision_compliance.total_compliance(
                supervision_compliance.team_compliance(scope.team_ids)
            ),
            "today": today(),
            "sample": moderation_sample.sample_achieved(scope.start, scope.end),
            "reaudits": reaudit.reaudit_outcomes(scope, viewer=current_user),
            "concerns": concerns.concern_figures(scope),
            "final_grade_rule": final_grades.FINAL_GRADE_RULE,
            "auditor_only_rule": final_grades.AUDITOR_ONLY_RULE,
            "theme_once_rule": final_grades.THEME_ONCE_RULE,
            "question_rule": questions.QUESTION_RULE,
        }
    return render_template(
        "reports/dashboard.html",
        form=form,
        scope=scope,
        csv_query=request.query_string.decode(),
        title="Reports",
        **context,
    )


@reports.route("/audits")
@requires(Role.LEADER)
def audits() -> str | tuple[str, int]:
    """The audits behind a figure on the dashboard: the same filters, the audits it counted."""
    form = _filters()
    if form.errors:
        return _refused(form)
    scope = form.scope()
    grade = request.args.get("grade")
    characteristic = request.args.get("characteristic")
    figure = audits_behind.FigureFilter(
        # "overall": the figure counts overall grades, of the audits whose tool covers the theme filtered on.
        theme=scope.themes[0] if scope.themes and not request.args.get("overall") else None,
        grade=grade if grade in audits_behind.GRADE_CHOICES else None,
        characteristic=characteristic if characteristic in equality.KEYS else None,
        group=request.args.get("group") or None,
    )
    page = audits_behind.audits_behind(scope, figure, current_user._get_current_object(), page_number())
    return render_template(
        "reports/audits.html",
        form=form,
        scope=scope,
        figure=figure,
        page=page,
        characteristics=equality.LABELS,
        title="Audits behind a figure",
    )


def _takes_long(scope: figures.ReportScope) -> bool:
    """Whether the themed report would take more than about 2 seconds to build: over many audits
    (the figures), or over many themes (a page or two each for WeasyPrint to draw)."""
    if figures.audit_counts(scope).completed > current_app.config["REPORT_BACKGROUND_AUDITS"]:
        return True
    return len(figures.theme_grades(scope)) > int(current_app.config["REPORT_BACKGROUND_THEMES"])


def build_later(scope: figures.ReportScope, kind: str, title: str, filename: str) -> WerkzeugResponse:
    """Too long to build while the browser waits: the worker builds it; a page shows how far."""
    job = report_jobs.ask_for(
        current_user._get_current_object(),
        kind,
        {
            "start": scope.start,
            "end": scope.end,
            "team_ids": list(scope.team_ids),
            "tool_ids": list(scope.tool_ids),
            "themes": list(scope.themes),
        },
        f"{title}, {scope.start:%-d %B %Y} to {scope.end:%-d %B %Y}",
        filename,
    )
    return redirect(url_for("reports.report_job", job_id=job.id))


@reports.route("/themed.pdf")
@requires(Role.LEADER)
def themed_pdf() -> Response | WerkzeugResponse | tuple[str, int]:
    """The themed audit report for the dashboard's filters, as a PDF to download."""
    form = _filters()
    if form.errors:
        return _refused(form)
    scope = form.scope()
    filename = f"themed-audit-report-{scope.start.isoformat()}-to-{scope.end.isoformat()}.pdf"
    if _takes_long(scope):
        return build_later(scope, "themed-pdf", "Themed audit report", filename)
    pdf = themed.themed_pdf(scope, current_user.id)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@reports.route("/jobs/<int:job_id>")
@requires(Role.LEADER)
def report_job(job_id: int) -> str:
    """How far a report being built in the background has got; the download once it is ready."""
    job = report_jobs.job_for(current_user._get_current_object(), job_id)
    if job is None:
        abort(404)
    return render_template("reports/job.html", job=job, title=job.title)


@reports.route("/jobs/<int:job_id>/status")
@requires(Role.LEADER)
def report_job_status(job_id: int) -> Response:
    """The progress as JSON, for the page to update itself without reloading."""
    job = report_jobs.job_for(current_user._get_current_object(), job_id)
    if job is None:
        abort(404)
    return jsonify(status=job.status.value, progress=job.progress, stage=job.stage)


@reports.route("/jobs/<int:job_id>/download")
@requires(Role.LEADER)
def report_job_download(job_id: int) -> Response:
    job = report_jobs.job_for(current_user._get_current_object(), job_id, with_content=True)
    if job is None or job.content is None:
        abort(404)
    return Response(
        job.content,
        mimetype=DOCX if (job.filename or "").endswith(".docx") else "application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{job.filename}"', "Cache-Control": "no-store"},
    )


@reports.route("/answers.csv")
@requires(Role.LEADER)
def answers_csv() -> Response | tuple[str, int]:
    return _csv_download("answers", export.answer_csv)


@reports.route("/actions.csv")
@requires(Role.LEADER)
def actions_csv() -> Response | tuple[str, int]:
    return _csv_download("actions", export.action_csv)


@reports.route("/audits.csv")
@requires(Role.LEADER)
def audits_csv() -> Response | tuple[str, int]:
    return _csv_download("audits", tidy_export.audit_csv)


@reports.route("/judgements.csv")
@requires(Role.LEADER)
def judgements_csv() -> Response | tuple[str, int]:
    return _csv_download("judgements", tidy_export.judgement_csv)


@reports.route("/data-dictionary")
@requires(Role.LEADER)
def data_dictionary() -> str:
    """What every column of the exports means and how each headline figure is worked out from them."""
    return render_template(
        "reports/data_dictionary.html",
        dictionary=dictionary,
        title="Data dictionary of the exports",
        nav_section="reports.dashboard",
    )


def _csv_download(kind: str, rows: Callable[[figures.ReportScope], Iterator[str]]) -> Response | tuple[str, int]:
    """An export for the dashboard's filters, streamed; each audit in it logged as exported."""
    form = _filters()
    if form.errors:
        return _refused(form)
    scope = form.scope()
    export.log_export(scope, current_user.id)
    downloads.record_download(f"{kind}-csv", scope.filters(), current_user.id)
    filename = f"audit-{kind}-{scope.start.isoformat()}-to-{scope.end.isoformat()}.csv"
    return Response(
        stream_with_context(rows(scope)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
