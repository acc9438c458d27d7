"""Insight: payment behaviour and risk grades per client (stats), the cash-in forecast (forecast), the HTML
report (report).

A use case: may import the core, the edges and the ledger; the dunning reads its grades.
"""
