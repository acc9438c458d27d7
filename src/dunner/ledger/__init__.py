"""The ledger: clients, invoices (issuing, numbering, writing), payments and credit notes, what is owed as of
a date (balances, owed, aging, statement), events, imports and exports, copying a ledger.

A use case: may import the core and the edges; the other capabilities build on it, it imports none of them.
"""
