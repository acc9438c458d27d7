"""Insight: payment behaviour and risk grades per client (stats, from the sums of figures), the cash-in forecast
(forecast), the HTML report (report).

A use case: may import the core, the edges and the ledger; the dunning reads its grades.
"""
