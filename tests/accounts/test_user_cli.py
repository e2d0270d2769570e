"""`stdwatch user ...`: bootstrap the first admin from the terminal (typer's CliRunner, a real store)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from config.settings import get_settings
from stdwatch.accounts import Role
from stdwatch.store import create_engine_for, migrate
from stdwatch.store.accounts import AccountRepository

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("STDWATCH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


@pytest.fixture
def accounts(data_dir: Path) -> Iterator[AccountRepository]:
    engine = create_engine_for(f"sqlite:///{data_dir / 'stdwatch.sqlite3'}")
    migrate(engine)  # what `stdwatch init` does: only init and demo create a store
    yield AccountRepository(engine)
    engine.dispose()


def _key_of(output: str) -> str:
    [key] = [line for line in output.splitlines() if line.startswith("sw_")]
    return key


def test_user_create_bootstraps_an_admin_and_prints_the_key_once(
    accounts: AccountRepository, data_dir: Path
) -> None:
    result = runner.invoke(
        app,
        [
            "user",
            "create",
            "--email",
            "admin@xm-std.example",
            "--name",
            "标准化院",
            "--org",
            "厦门市标准化研究院",
            "--role",
            "admin",
        ],
    )
    assert result.exit_code == 0, result.output
    key = _key_of(result.stdout)
    user = accounts.authenticate(key)
    assert user is not None and user.role is Role.ADMIN and user.organization == "厦门市标准化研究院"
    assert not any(key.encode() in p.read_bytes() for p in data_dir.glob("stdwatch.sqlite3*"))

    listed = runner.invoke(app, ["user", "list"])
    assert listed.exit_code == 0 and "admin@xm-std.example" in listed.stdout and "admin" in listed.stdout
    assert key not in listed.stdout


def test_user_key_issues_another_working_key(accounts: AccountRepository) -> None:
    first = runner.invoke(
        app, ["user", "create", "--email", "qa@acme.example", "--name", "QA", "--org", "Acme"]
    )
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["user", "key", "--email", "QA@acme.example", "--label", "laptop"])
    assert second.exit_code == 0, second.output
    old, new = _key_of(first.stdout), _key_of(second.stdout)
    assert old != new
    assert accounts.authenticate(old) == accounts.authenticate(new) is not None
    assert accounts.authenticate(new).role is Role.SUBSCRIBER  # type: ignore[union-attr]


def test_user_errors_are_named_and_exit_1(accounts: AccountRepository) -> None:
    missing = runner.invoke(app, ["user", "key", "--email", "nobody@example.com"])
    assert missing.exit_code == 1 and "no user with email nobody@example.com" in missing.output
    args = ["user", "create", "--email", "a@b.example", "--name", "A", "--org", "Acme"]
    assert runner.invoke(app, args).exit_code == 0
    twice = runner.invoke(app, args)
    assert twice.exit_code == 1 and "already exists" in twice.output
    bad_role = runner.invoke(app, [*args[:-2], "--org", "Acme", "--role", "owner"])
    assert bad_role.exit_code == 2
