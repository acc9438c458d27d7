"""Documents: what an invoice shows (views), what it asks when printed (balance), its PDF and Factur-X
(printing), and sending it by email (sending).

A use case: may import the core, the edges and the ledger; the dunning attaches what it prints.
"""
