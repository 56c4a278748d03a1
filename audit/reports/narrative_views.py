"""The quality lead's page for the themed report (``/reports/narrative``: each theme's analysis and
"what we are doing", versioned, and the quotes chosen or excluded) and the inspection evidence pack
(PDF and Word). Leaders only, as the themed report they feed; the filters are the dashboard's."""

from __future__ import annotations

import re

from flask import Response, abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from audit.access import requires
from audit.domain.access_log import record_accesses
from audit.models import Role
from audit.reporting import evidence, evidence_pack, evidence_pack_layout, figures, narrative
from audit.reports import reports
from audit.reports.views import _filters, _refused, _takes_long, build_later
from forms.narrative import NarrativeForm, QuoteChoiceForm

SUGGESTIONS_PER_THEME = 5
PREFIX = re.compile(r"^t\d{1,3}$")


def _page(
    scope: figures.ReportScope,
    *,
    posted: NarrativeForm | None = None,
    conflict: narrative.NarrativeVersion | None = None,
    status: int = 200,
) -> tuple[str, int]:
    themes = [grades.name for grades in figures.theme_grades(scope) if grades.graded or grades.not_applicable]
    history = narrative.narrative_history(scope)
    choices = narrative.quote_choices(scope)
    chosen = narrative.chosen_quotes(scope)
    suggested = evidence.theme_evidence(scope, per_theme=SUGGESTIONS_PER_THEME)
    forms: dict[str, NarrativeForm] = {}
    for index, theme in enumerate(themes, start=1):
        prefix = f"t{index}"
        if posted is not None and posted._prefix == f"{prefix}-":
            forms[theme] = posted  # what was typed, kept
            continue
        latest = history.get(theme, [None])[0]
        form = NarrativeForm(formdata=None, prefix=prefix)
        form.theme.data = theme
        form.version.data = str(latest.version if latest else 0)
        form.analysis.data = latest.analysis if latest else ""
        form.doing.data = latest.doing if latest else ""
        forms[theme] = form
    suggestions = {
        theme: [
            quote
            for quote in (*found.strengths, *found.areas)
            if (theme, quote.judgement_id) not in choices  # neither chosen nor excluded yet
        ]
        for theme, found in suggested.items()
    }
    # The page shows auditors' evidence with case references: each audit quoted is logged as viewed.
    shown = {
        (quote.audit_id, quote.case_id) for quotes in (*chosen.values(), *suggestions.values()) for quote in quotes
    }
    record_accesses(current_user.id, "view", "audit", sorted(shown))
    excluded = {theme: sum(1 for (t, _), kept in choices.items() if t == theme and not kept) for theme in themes}
    return (
        render_template(
            "reports/narrative.html",
            title="Write the themed report’s analysis",
            scope=scope,
            themes=themes,
            forms=forms,
            history=history,
            chosen=chosen,
            suggestions=suggestions,
            excluded=excluded,
            conflict=conflict,
            query=request.query_string.decode(),
            text_limit=narrative.TEXT_LIMIT,
            nav_section="reports.dashboard",
        ),
        status,
    )


@reports.route("/narrative")
@requires(Role.LEADER)
def narrative_page() -> str | tuple[str, int]:
    """Every theme of the report's scope, with its analysis, what we are doing, and the quotes."""
    filters = _filters()
    if filters.errors:
        return _refused(filters)
    return _page(filters.scope())


def _back(theme_index: str) -> WerkzeugResponse:
    query = request.query_string.decode()
    return redirect(f"{url_for('reports.narrative_page')}?{query}#{theme_index}")


@reports.route("/narrative", methods=["POST"])
@requires(Role.LEADER)
def narrative_save() -> WerkzeugResponse | tuple[str, int]:
    """A new version of one theme's texts. An invalid field, or a save from an older version than
    the latest, shows the page again with what was typed kept."""
    filters = _filters()
    if filters.errors:
        return _refused(filters)
    scope = filters.scope()
    prefix = request.form.get("which", "")
    if not PREFIX.match(prefix):
        abort(400)
    form = NarrativeForm(prefix=prefix)
    theme = form.theme.data or ""
    known = {grades.name for grades in figures.theme_grades(scope)}
    if theme not in known:
        abort(400)  # not a theme of the report's scope
    based_on = form.based_on()
    if not form.validate() or based_on is None:
        return _page(scope, posted=form, status=400)
    try:
        narrative.save_narrative(
            scope, theme, form.analysis.data or "", form.doing.data or "", based_on, current_user.id
        )
    except narrative.StaleNarrative as stale:
        form.version.data = str(stale.latest.version)  # saving again replaces it, knowingly
        return _page(scope, posted=form, conflict=stale.latest, status=409)
    return _back(f"theme-{prefix}")


@reports.route("/narrative/quote", methods=["POST"])
@requires(Role.LEADER)
def narrative_quote() -> WerkzeugResponse | tuple[str, int]:
    """Choose or exclude one quote for a theme (or undo either). A quote from outside the scope, or
    from a section of another theme, is refused."""
    filters = _filters()
    if filters.errors:
        return _refused(filters)
    scope = filters.scope()
    form = QuoteChoiceForm()
    judgement_id = form.judgement_id()
    choice = {"chosen": True, "excluded": False, "clear": None}
    if not form.validate() or judgement_id is None or form.choice.data not in choice:
        abort(400)
    try:
        narrative.choose_quote(scope, form.theme.data or "", judgement_id, choice[form.choice.data], current_user.id)
    except narrative.QuoteMismatch as mismatch:
        abort(400, description=str(mismatch))
    return _back("quotes")


def _pack_download(kind: str) -> Response | WerkzeugResponse | tuple[str, int]:
    filters = _filters()
    if filters.errors:
        return _refused(filters)
    scope = filters.scope()
    filename = f"inspection-evidence-pack-{scope.start.isoformat()}-to-{scope.end.isoformat()}.{kind}"
    if _takes_long(scope):
        title = f"Inspection evidence pack ({'Word' if kind == 'docx' else 'PDF'})"
        return build_later(scope, f"evidence-pack-{kind}", title, filename)
    pack = evidence_pack.build_pack(scope)
    if kind == "pdf":
        content, mimetype = evidence_pack_layout.pack_pdf(pack), "application/pdf"
    else:
        content = evidence_pack_layout.pack_docx(pack)
        mimetype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    evidence_pack.record_pack(pack, "pdf" if kind == "pdf" else "docx", current_user.id)
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@reports.route("/evidence-pack.pdf")
@requires(Role.LEADER)
def evidence_pack_pdf() -> Response | WerkzeugResponse | tuple[str, int]:
    """The inspection evidence pack for the dashboard's filters, as a PDF."""
    return _pack_download("pdf")


@reports.route("/evidence-pack.docx")
@requires(Role.LEADER)
def evidence_pack_docx() -> Response | WerkzeugResponse | tuple[str, int]:
    """The same pack as an editable Word document."""
    return _pack_download("docx")
