"""The report layer: every figure, the themed report, the exports and the plan's measures.

It reads the domain and the models and knows no HTTP; the dashboard (``audit.reports``), the PDF
and CSV downloads, the command line and the improvement plan all call it, so each figure is
worked out in one place.
"""
