"""The edges: where dunner meets the world. Storage (edges.storage), configuration, the clock, mail transports,
PDF and Factur-X writing, the EPC QR code, templates, output (table, CSV, JSON), CSV files, private files.

An edge may import the core and the other edges, never a use case or the CLI: use cases call edges.
"""
