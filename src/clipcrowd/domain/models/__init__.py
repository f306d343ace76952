"""The API's bodies as pydantic v2 types: one family per entity.

``XCreate`` is what a client sends to make one (and what is stored in the row's ``data`` JSON, read
back with ``XCreate.of(row.data)``), ``XUpdate`` what it sends to change one, ``XPublic`` what the
server answers. Incoming models check types strictly ("3" is not an overlap) and keep fields they do
not name (``extra="allow"``): the requester dialect passes many through verbatim, and clients read
them back as sent. Deeper rules (filter trees, view configs, quality control) stay in the domain
validators, which name the exact path of a fault.
"""
