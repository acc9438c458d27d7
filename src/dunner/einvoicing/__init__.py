"""The approved platform of the French e-invoicing reform (to come): submitting invoices through the AFNOR
XP Z12-013 Flow Service, and the lifecycle statuses (CDAR) both ways.

A use case: may import the core, the edges, the ledger and the documents; the dunning reads what it records.
"""
