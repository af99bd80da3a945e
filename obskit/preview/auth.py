"""Credentials for the Prometheus API: bearer token (env var or file) or basic auth."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class AuthError(ValueError):
    """Credentials asked for but not available (bad input)."""


@dataclass(frozen=True)
class Credentials:
    """What goes on every request. Never printed: ``repr`` hides the secrets."""

    bearer_token: str | None = None
    basic: tuple[str, str] | None = None

    def __repr__(self) -> str:
        kind = "bearer" if self.bearer_token else "basic" if self.basic else "none"
        return f"Credentials({kind})"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.bearer_token}"} if self.bearer_token else {}


def _env(name: str, what: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise AuthError(f"{what}: environment variable {name} is not set or empty")
    return value.strip()


def resolve_credentials(
    *,
    token_env: str | None = None,
    token_file: Path | None = None,
    user: str | None = None,
    password_env: str | None = None,
) -> Credentials:
    """Read the secrets named by the options (their values never come from the command line)."""
    if sum(bool(x) for x in (token_env, token_file, user)) > 1:
        raise AuthError("use one of --token-env, --token-file or --user")
    if token_env:
        return Credentials(bearer_token=_env(token_env, "--token-env"))
    if token_file:
        try:
            token = token_file.read_text().strip()
        except OSError as exc:
            raise AuthError(f"--token-file {token_file}: {exc.strerror or exc}") from None
        if not token:
            raise AuthError(f"--token-file {token_file} is empty")
        return Credentials(bearer_token=token)
    if user:
        if not password_env:
            raise AuthError("--user needs --password-env NAME (the password is read from it)")
        return Credentials(basic=(user, _env(password_env, "--password-env")))
    if password_env:
        raise AuthError("--password-env needs --user")
    return Credentials()
