"""Which audit tool the demo council uses for a case: the tool for its team's everyday work, with
themed and practice-wide audits laid over it, so that every tool shows in the reports."""

from __future__ import annotations

import random

from audit.models import AuditToolVersion, Case, PlanType

# The tool for a team's everyday work, by the team's service area: (tool, for cases of this plan
# type instead). Children in care are audited with the children in care tool, care leavers with the
# care leavers tool, child protection plans with the child protection tool, and so on.
_AREA_TOOLS: dict[str, tuple[str, dict[PlanType, str]]] = {
    "Front door (MASH)": ("front-door-mash", {PlanType.EARLY_HELP: "early-help"}),
    "Assessment": ("assessment-and-planning", {PlanType.CHILD_PROTECTION: "child-protection"}),
    "Child in need and child protection": (
        "assessment-and-planning",
        {PlanType.CHILD_PROTECTION: "child-protection", PlanType.EARLY_HELP: "early-help"},
    ),
    "Children in care": ("children-in-care", {}),
    "Care leavers": ("care-leavers", {}),
    "Disabled children": ("assessment-and-planning", {PlanType.CHILD_IN_CARE: "children-in-care"}),
    "Emergency duty": ("front-door-mash", {}),
}
# Where no team's area says otherwise, the case's plan type does.
_PLAN_TOOLS = {
    PlanType.EARLY_HELP: "early-help",
    PlanType.CHILD_IN_NEED: "assessment-and-planning",
    PlanType.CHILD_PROTECTION: "child-protection",
    PlanType.CHILD_IN_CARE: "children-in-care",
    PlanType.CARE_LEAVER: "care-leavers",
}
ADOLESCENT_AGE_BANDS = ("10 to 15", "16 to 17")
# Themed and practice-wide audits laid over the teams' own: fathers' engagement in the teams that
# assess and protect, an audit of the quality of a case's supervision record in every team, and the
# missing and exploitation tool for adolescents in the child in need and protection teams.
THEMED_AREAS = ("Assessment", "Child in need and child protection")


def pick_tool(rng: random.Random, case: Case, by_slug: dict[str, AuditToolVersion]) -> AuditToolVersion:
    """The newest version of the tool for the case (``by_slug``: each tool's newest version)."""
    area = case.team.service_area.name if case.team.service_area else ""
    plan = PlanType(case.plan_type) if case.plan_type else None
    slug = _PLAN_TOOLS.get(plan, "assessment-and-planning") if plan else "assessment-and-planning"
    if area in _AREA_TOOLS:
        usual, by_plan = _AREA_TOOLS[area]
        slug = by_plan.get(plan, usual) if plan else usual
    roll = rng.random()
    if roll < 0.08:
        slug = "supervision-quality"
    elif area in THEMED_AREAS and roll < 0.2:
        slug = "fathers-engagement-themed"
    elif area == "Child in need and child protection" and case.age_band in ADOLESCENT_AGE_BANDS and roll < 0.55:
        slug = "missing-and-exploitation"
    return by_slug.get(slug) or by_slug.get("assessment-and-planning") or next(iter(by_slug.values()))
