"""A synthetic council for demonstrations, benchmarks and tests: teams, staff, cases, a year of
audits and supervision, and an improvement plan. Everything here is invented.

Only the command line (`flask seed-demo`), the tests and the benchmarks import this package; the
service itself never depends on demo data.

- `council`: teams, a sign-in for every role, team staff and cases (`seed`, `DEMO_PASSWORD`).
- `audits`: a year of audits, answers, moderation and actions (`seed_audits`).
- `tool_choice`: the audit tool for each case, by its team's work (`pick_tool`).
- `supervision`: a year of supervision records with actions (`seed_supervision`).
- `plan`: an improvement plan whose measures are bound to real report figures (`seed_plan`).
"""
