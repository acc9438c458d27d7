"""The dunning engine: what a run looks at (targets), planning it (planning), carrying it out exactly once
(delivery, remind), each message (messages), claims and formal notices (claims, notices), the follow-up
(followup, agenda, history) and uncertain sends (uncertain).

A use case: may import the core, the edges, the ledger, the documents and the insight (risk grades).
"""
