"""Getting started: `dunner init` (a starter config and the ledger it names) and `dunner demo` (a ledger to
play with, built through the same use cases as real work).

A use case on top of the others: may import the core, the edges and every capability.
"""
