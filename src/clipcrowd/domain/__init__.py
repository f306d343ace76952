"""The data model as plain types: ids, errors, field specs, filters, pool and quality configs.

Nothing here performs I/O; every other package builds on these definitions.
"""
