"""Bank statements in: reading CAMT.053/054, OFX and CSV statements, storing their lines once, and
matching the credits to open invoices so that payments are recorded without typing them.

A use case: may import the core, the edges and the ledger (payments, what is owed); the dunning calls it first.
"""
