"""Report periods as councils speak of them: the financial year runs April to March, and its
quarters are Q1 April to June, Q2 July to September, Q3 October to December, Q4 January to March.
Calendar quarters remain for whoever reports on them. All dates are UK dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from audit.reporting.figures import GoodOrBetter

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Period:
    key: str  # "fy2026q1", "fy2026", "cal2026q1": what the filter's query string carries
    label: str  # "2026-27 Q1: April to June 2026"
    start: date
    end: date  # inclusive

    def clipped(self, start: date, end: date) -> tuple[date, date]:
        """The part of the period within ``start`` to ``end`` (a report's first and last quarters
        may be partial)."""
        return max(self.start, start), min(self.end, end)


def _month_end(year: int, month: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def financial_year(day: date) -> int:
    """The year the financial year of ``day`` starts in: 1 March 2027 is in 2026-27, so 2026."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_name(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def financial_quarter(day: date) -> tuple[int, int]:
    """(financial year, quarter 1-4) of ``day``."""
    return financial_year(day), (day.month - 4) % 12 // 3 + 1


def financial_quarter_key(year: int, month: int) -> str:
    """The trend's key for a month, in financial-year quarters: "2026-27 Q1" (sorts in time order)."""
    fy, quarter = financial_quarter(date(year, month, 1))
    return f"{financial_year_name(fy)} Q{quarter}"


def fy_quarter(year: int, quarter: int) -> Period:
    first_month = (quarter - 1) * 3 + 4
    first_year = year + (first_month > 12)
    first_month = (first_month - 1) % 12 + 1
    last_month = first_month + 2
    start, end = date(first_year, first_month, 1), _month_end(first_year, last_month)
    return Period(
        f"fy{year}q{quarter}",
        f"{financial_year_name(year)} Q{quarter}: {MONTH_NAMES[first_month - 1]} to {MONTH_NAMES[last_month - 1]} "
        f"{first_year}",
        start,
        end,
    )


def fy_whole(year: int) -> Period:
    return Period(
        f"fy{year}",
        f"Financial year {financial_year_name(year)}: April {year} to March {year + 1}",
        date(year, 4, 1),
        date(year + 1, 3, 31),
    )


def calendar_quarter(year: int, quarter: int) -> Period:
    first_month = (quarter - 1) * 3 + 1
    return Period(
        f"cal{year}q{quarter}",
        f"Calendar quarter: {MONTH_NAMES[first_month - 1]} to {MONTH_NAMES[first_month + 1]} {year}",
        date(year, first_month, 1),
        _month_end(year, first_month + 2),
    )


def period_choices(on: date, quarters: int = 8, years: int = 3, calendar: int = 4) -> list[Period]:
    """The periods a leader may pick, most recent first: the financial-year quarters (the current
    one first), then whole financial years, then calendar quarters."""
    fy, quarter = financial_quarter(on)
    found: list[Period] = []
    for _ in range(quarters):
        found.append(fy_quarter(fy, quarter))
        fy, quarter = (fy, quarter - 1) if quarter > 1 else (fy - 1, 4)
    found.extend(fy_whole(financial_year(on) - back) for back in range(years))
    year, cal = on.year, (on.month - 1) // 3 + 1
    for _ in range(calendar):
        found.append(calendar_quarter(year, cal))
        year, cal = (year, cal - 1) if cal > 1 else (year - 1, 4)
    return found


def financial_quarter_of_key(key: str) -> Period:
    """The quarter named by a trend key such as "2026-27 Q1"."""
    year, _, quarter = key.partition(" Q")
    return fy_quarter(int(year[:4]), int(quarter))


def by_financial_quarter(monthly: list[GoodOrBetter]) -> list[GoodOrBetter]:
    """A monthly trend (``figures.theme_trend(scope, by="month")``) folded into financial-year
    quarters ("2026-27 Q1"), oldest first: at most twelve month totals a year to add up."""
    totals: dict[tuple[str, str], list[int]] = {}
    for row in monthly:
        year, month = (int(part) for part in row.group.split("-"))
        counts = totals.setdefault((row.theme, financial_quarter_key(year, month)), [0, 0, 0, 0])
        for index, count in enumerate((row.good_or_better, row.graded, row.auditor_good_or_better, row.auditor_graded)):
            counts[index] += count
    return [GoodOrBetter(theme, period, *counts) for (theme, period), counts in sorted(totals.items())]
