"""Admin screens for audit tools: every tool, its versions, and one version's questions."""

from __future__ import annotations

from flask import abort, render_template

from audit.access import requires
from audit.admin import admin
from audit.domain import tools
from audit.models import Role


@admin.route("/tools")
@requires(Role.ADMIN)
def tools_index() -> str:
    return render_template("admin/tools.html", tools=tools.all_tools(), title="Audit tools")


@admin.route("/tools/versions/<int:version_id>")
@requires(Role.ADMIN)
def tool_version(version_id: int) -> str:
    version = tools.tool_version_with_questions(version_id)
    if version is None:
        abort(404)
    return render_template(
        "admin/tool_version.html", version=version, title=version.label, nav_section="admin.tools_index"
    )
