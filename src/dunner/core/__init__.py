"""The pure core: money, dates, numbers, allocation, schedules, late fees, law, VAT, grades, policies, checks.

Plain values in, plain values out: no file, network, database, clock or configuration of its own.
It may import only the core (and pure libraries such as babel or python-stdnum); everything imports it.
"""
