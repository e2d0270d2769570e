"""`stdwatch user create|key|list`: bootstrap the first admin and hand out API keys from the terminal.

A new key is printed once, alone on standard output (so `KEY=$(stdwatch user create ...)` works); everything
else goes to standard error. Only a hash of the key is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.commands.store_check import require_store
from config.settings import get_settings
from stdwatch.accounts import Role
from stdwatch.store import create_engine_for, migrate
from stdwatch.store.accounts import AccountError, AccountRepository

user_app = typer.Typer(help="Users and their API keys.", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)


@contextmanager
def _accounts() -> Iterator[AccountRepository]:
    require_store(get_settings())
    engine = create_engine_for(get_settings().resolved_database_url)
    try:
        migrate(engine)
        yield AccountRepository(engine)
    finally:
        engine.dispose()


def _show_key(key: str) -> None:
    console.print("API key (shown this once; store it now, only a hash is kept):")
    typer.echo(key)


@user_app.command("create")
def create(
    email: Annotated[str, typer.Option(help="The user's email address (unique).")],
    name: Annotated[str, typer.Option(help="The user's name.")],
    org: Annotated[str, typer.Option(help="Organization; created if it does not exist.")],
    role: Annotated[Role, typer.Option(help="reader, subscriber, curator or admin.")] = Role.SUBSCRIBER,
    timezone: Annotated[str, typer.Option(help="Timezone of a new organization.")] = "",
) -> None:
    """Create a user (e.g. the first admin) and print their API key once."""
    with _accounts() as repo:
        try:
            organization = repo.ensure_organization(org, timezone or get_settings().timezone)
            user = repo.create_user(organization.id, email, name, role)
        except AccountError as exc:
            console.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(1) from None
        issued = repo.issue_key(user.id, "created with the user")
    console.print(
        f"created {user.role.value} {user.email} (id {user.id}) in {organization.name}", highlight=False
    )
    _show_key(issued.key)


@user_app.command("key")
def key(
    email: Annotated[str, typer.Option(help="The user's email address.")],
    label: Annotated[str, typer.Option(help="What the key is for.")] = "",
) -> None:
    """Issue a new API key for a user and print it once (older keys keep working until revoked)."""
    with _accounts() as repo:
        user = repo.user_by_email(email)
        if user is None:
            console.print(f"[red]error:[/red] no user with email {email}", highlight=False)
            raise typer.Exit(1)
        issued = repo.issue_key(user.id, label)
    console.print(f"new key #{issued.info.id} for {user.email}", highlight=False)
    _show_key(issued.key)


@user_app.command("list")
def list_users() -> None:
    """Users with their organization, role and keys (prefixes only)."""
    with _accounts() as repo:
        table = Table(title="users")
        for column in ("id", "email", "name", "organization", "role", "keys"):
            table.add_column(column)
        for user in repo.users():
            keys = ", ".join(
                f"#{k.id} {k.prefix}" + (" (revoked)" if k.revoked_at else "") for k in repo.keys_of(user.id)
            )
            table.add_row(str(user.id), user.email, user.name, user.organization, user.role.value, keys)
    Console(width=160).print(table)
