"""Performance indicators: the list (for everyone who reads the plan) and the import of monthly
figures (for leaders, who keep the plan and bind its measures to the indicators): upload and check,
see what would be added and replaced, then confirm. A file with problems is refused with 400 and
every problem by line; one too large with 413; nothing is written until the leader confirms."""

from __future__ import annotations

import base64
import binascii

from flask import Response as FlaskResponse
from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import requires
from audit.domain import indicators as indicator_data
from audit.plan import EDITORS, READERS, plan
from forms.indicators import IndicatorConfirmForm, IndicatorImportForm


@plan.route("/indicators")
@requires(*READERS)
def indicators() -> str:
    return render_template(
        "plan/indicators.html",
        indicators=indicator_data.all_indicators(),
        can_edit=current_user.has_role(*EDITORS),
        title="Performance indicators",
        nav_section="plan.index",
    )


def _upload_page(form: IndicatorImportForm, result: indicator_data.ImportPlan | None, status: int) -> tuple[str, int]:
    return (
        render_template(
            "plan/indicator_import.html",
            form=form,
            result=result,
            title="Import performance indicators",
            nav_section="plan.index",
        ),
        status,
    )


def _preview(result: indicator_data.ImportPlan, content: bytes, notice: str | None = None) -> str:
    form = IndicatorConfirmForm()
    form.content.data = base64.b64encode(content).decode()  # carried byte for byte, checked again
    form.fingerprint.data = result.fingerprint
    return render_template(
        "plan/indicator_preview.html",
        form=form,
        result=result,
        notice=notice,
        title="Check the figures before importing them",
        nav_section="plan.index",
    )


@plan.route("/indicators/import", methods=["GET", "POST"])
@requires(*EDITORS)
def import_indicators() -> str | tuple[str, int]:
    """Step 1: upload and check. A good file's figures are shown to confirm; nothing is stored yet."""
    form = IndicatorImportForm()
    if not form.is_submitted():
        return _upload_page(form, None, 200)
    if not form.validate():
        return _upload_page(form, None, 400)
    content = form.file.data.read(indicator_data.MAX_BYTES + 1)
    if len(content) > indicator_data.MAX_BYTES:
        form.file.errors.append(f"The selected file must be smaller than {indicator_data.MAX_BYTES // 1024} KB")
        return _upload_page(form, None, 413)
    result = indicator_data.plan_import(content)
    if not result.ok:
        count = len(result.errors)
        form.file.errors.append(
            f"The file has {count} problem{'s' if count != 1 else ''}. Nothing was imported. "
            "Correct the file and upload it again."
        )
        return _upload_page(form, result, 400)
    return _preview(result, content)


@plan.route("/indicators/import/confirm", methods=["POST"])
@requires(*EDITORS)
def confirm_indicators() -> str | Response | tuple[str, int]:
    """Step 2: the file checked again and, if it plans as shown, imported all or nothing."""
    form = IndicatorConfirmForm()
    try:
        content = base64.b64decode(form.content.data or "", validate=True)
    except (binascii.Error, ValueError):
        content = b""
    if not form.validate_on_submit() or not content:
        flash("Upload the file again.", "important")
        return redirect(url_for("plan.import_indicators"), code=303)
    applied = indicator_data.apply_import(content, form.fingerprint.data or "", current_user.id)
    if applied is None:
        result = indicator_data.plan_import(content)
        if not result.ok:
            return _upload_page(IndicatorImportForm(), result, 400)
        return _preview(
            result, content, notice="The figures held have changed since you checked the file. Check them again."
        ), 409
    current_app.logger.info(
        "User %s imported %d indicator figures (%d replaced)", current_user.id, len(applied.rows), len(applied.replaced)
    )
    flash(
        f"Imported {len(applied.rows):,} monthly figure{'' if len(applied.rows) == 1 else 's'} "
        f"({len(applied.replaced):,} replaced, {len(applied.new_indicators):,} new indicator"
        f"{'' if len(applied.new_indicators) == 1 else 's'}).",
        "success",
    )
    return redirect(url_for("plan.indicators"), code=303)


@plan.route("/indicators/template.csv")
@requires(*EDITORS)
def indicator_template() -> FlaskResponse:
    """A CSV with the header row and one made-up example row."""
    return FlaskResponse(
        indicator_data.TEMPLATE_CSV,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="indicators-template.csv"'},
    )
