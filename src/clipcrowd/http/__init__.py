"""What the JSON API (`api/`) and the pages (`web/`) both need from a request: the database and
settings the server was built with, who is calling (token header or the sign-in cookie), and path ids.

`api/` and `web/` are siblings that never import each other; `server.py` composes them. Whatever
both need lives here, below them and above `services/`.
"""
