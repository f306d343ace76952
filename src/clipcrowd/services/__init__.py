"""Use cases: everything the API, the web pages and the CLI do goes through these functions.

Each function takes the `Database` (or an open connection when it must join a caller's
transaction), validates its input with `domain`, and stores through `store`.
"""
