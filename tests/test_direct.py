"""`store.direct.Direct` runs a statement built once on the driver's cursor: it must send what
`Connection.execute` sends, give back the same converted values, and fail the same way."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from clipcrowd.store.db import Database
from clipcrowd.store.direct import Direct
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import workers

_NEW = insert(workers).values(login=bindparam("new_login"), languages=bindparam("new_languages"),
                              client_type=bindparam("new_client"), profile=bindparam("new_profile"),
                              balance=bindparam("new_balance", type_=workers.c.balance.type),
                              created=bindparam("new_created", type_=workers.c.created.type)).returning(workers.c.id)
_READ = (select(workers, (workers.c.balance * 2).label("twice")).where(one_of(workers.c.id, "ids"))
         .order_by(workers.c.id))
_PAY = update(workers).where(workers.c.id == bindparam("worker_id")).values(
    balance=workers.c.balance + bindparam("reward", type_=workers.c.balance.type))


def _worker(login: str) -> dict[str, object]:
    return {"new_login": login, "new_languages": ["EN", "FR"], "new_client": "BROWSER",
            "new_profile": {"country": "NL", "nested": {"a": [1, None]}}, "new_balance": 1.5,
            "new_created": datetime(2026, 11, 30, 1, 2, 3, 456000)}


def test_rows_and_counts_are_those_of_connection_execute(db: Database) -> None:
    new, read, pay = Direct(_NEW), Direct(_READ), Direct(_PAY)
    with db.write() as conn:
        first = new.one(conn, _worker("ann")).id
        second = new.one(conn, _worker("bob")).id
        assert pay.run(conn, {"worker_id": second, "reward": 0.25}) == ([], 1)
        assert pay.run(conn, {"worker_id": second + 100, "reward": 0.25})[1] == 0
        direct = read.all(conn, {"ids": [first, second]})
        plain = conn.execute(_READ, {"ids": [first, second]}).all()
    assert [tuple(r) for r in direct] == [tuple(r) for r in plain]
    assert [r._fields for r in direct] == [tuple(plain[0]._fields)] * 2
    ann, bob = direct
    assert (ann.login, ann.languages, ann.profile["nested"], ann.created) == (
        "ann", ["EN", "FR"], {"a": [1, None]}, datetime(2026, 11, 30, 1, 2, 3, 456000))
    assert (bob.balance, bob.twice) == (1.75, 3.5)
    with db.read() as conn:  # committed through the same transaction
        assert read.one_or_none(conn, {"ids": [first]}).login == "ann"
        assert read.first(conn, {"ids": []}) is None
        with pytest.raises(ValueError, match="at most one row"):
            read.one_or_none(conn, {"ids": [first, second]})


def test_errors_are_sqlalchemys_and_roll_the_transaction_back(db: Database) -> None:
    new = Direct(_NEW)
    with db.write() as conn:
        new.one(conn, _worker("ann"))
    with pytest.raises(IntegrityError), db.write() as conn:
        new.one(conn, _worker("cat"))
        new.one(conn, _worker("ann"))  # the login is unique
    with db.read() as conn:
        assert [r.login for r in conn.execute(select(workers.c.login))] == ["ann"]


def test_a_missing_value_is_refused_before_anything_is_sent(db: Database) -> None:
    with pytest.raises(Exception, match="new_profile"), db.write() as conn:
        Direct(_NEW).one(conn, {k: v for k, v in _worker("dan").items() if k != "new_profile"})


def test_statements_it_cannot_run_whole_are_refused(db: Database) -> None:
    with db.read() as conn:
        with pytest.raises(ValueError, match="Python-side defaults or expanded"):
            Direct(select(workers.c.id).where(workers.c.login.in_(["a", "b"]))).all(conn)
        with pytest.raises(ValueError, match="distinct plain names"):
            Direct(select(workers.c.id, workers.c.id.label("_id"))).all(conn)
