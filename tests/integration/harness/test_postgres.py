"""The throw-away PostgreSQL server other tests stand on: reachable by SQLAlchemy, keeps its data across a
halt and resume on the same port, refuses connections while halted, and leaves nothing running."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.harness.postgres import Postgres


def test_the_fixture_url_is_a_working_postgresql_database(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            assert connection.dialect.name == "postgresql"
            assert connection.execute(sa.text("SELECT current_database()")).scalar() == "every8d_tests"
    finally:
        engine.dispose()


def test_halted_server_refuses_then_resumes_with_its_data() -> None:
    server = Postgres()
    try:
        server.start()
        engine = sa.create_engine(server.create_database("halt"))
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE pushes (n int)"))
            connection.execute(sa.text("INSERT INTO pushes VALUES (7)"))
        engine.dispose()
        server.halt()
        with pytest.raises(sa.exc.OperationalError):
            engine.connect()
        server.resume()
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT n FROM pushes")).scalars().all() == [7]
        engine.dispose()
    finally:
        server.stop()
    assert not server.root.exists()
    assert server.process is None
