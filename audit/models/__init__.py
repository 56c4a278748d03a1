"""The database models. Import from here so that every table is registered with the metadata."""

from audit.models.actions import Action
from audit.models.amendments import AmendmentColumns
from audit.models.audits import (
    Answer,
    Audit,
    AuditAmendment,
    AuditProgramme,
    AuditStatus,
    ModeratedSection,
    Moderation,
    ModerationAssignment,
    SafeguardingConcern,
    SectionJudgement,
)
from audit.models.cases import Case, PlanType
from audit.models.logs import AccessLogEntry, PreservedForm, ReportDownload, SignInFailure
from audit.models.people import Role, ServiceArea, Team, User, UserRole
from audit.models.plan import Measure, PlanAction, PlanActionStatus, Priority, measure_teams
from audit.models.progress import AuditPartDone, SupervisionPartDone
from audit.models.supervision import (
    SupervisionAmendment,
    SupervisionAttendee,
    SupervisionCase,
    SupervisionKind,
    SupervisionRecord,
    SupervisionStandard,
    SupervisionStatus,
)
from audit.models.tools import (
    AnswerType,
    AuditTool,
    AuditToolVersion,
    GradeScale,
    ScaleGrade,
    ToolQuestion,
    ToolSection,
)

__all__ = [
    "AccessLogEntry",
    "Action",
    "AmendmentColumns",
    "Answer",
    "AnswerType",
    "Audit",
    "AuditAmendment",
    "AuditPartDone",
    "AuditProgramme",
    "AuditStatus",
    "AuditTool",
    "AuditToolVersion",
    "Case",
    "GradeScale",
    "Measure",
    "ModeratedSection",
    "Moderation",
    "ModerationAssignment",
    "PlanAction",
    "PlanActionStatus",
    "PlanType",
    "PreservedForm",
    "Priority",
    "ReportDownload",
    "Role",
    "SafeguardingConcern",
    "ScaleGrade",
    "SectionJudgement",
    "ServiceArea",
    "SignInFailure",
    "SupervisionAmendment",
    "SupervisionAttendee",
    "SupervisionCase",
    "SupervisionKind",
    "SupervisionPartDone",
    "SupervisionRecord",
    "SupervisionStandard",
    "SupervisionStatus",
    "Team",
    "ToolQuestion",
    "ToolSection",
    "User",
    "UserRole",
    "measure_teams",
]
