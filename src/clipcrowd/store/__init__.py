"""Persistence: SQLAlchemy Core tables, the database handle and Alembic migrations.

SQLite (WAL) is the embedded default; PostgreSQL is used when `CLIPCROWD_DATABASE_URL` says so.
"""
