"""Strict reading of the process environment for settings.py: a malformed value stops start-up, naming it.

`environs` parses and validates (`DEBUG=ture` or `EMAIL_PORT=25a` is an error, not a silent default). Two
rules of ours on top:

- An empty variable counts as unset. docker-compose passes `${NAME:-}` through as an empty string, and
  `.env.example` lists optional variables with empty values; both mean "use the default".
- Secrets may come from a file: `NAME_FILE=/run/secrets/name` reads the value from that file (Docker and
  Kubernetes secrets), stripped of its trailing newline. Setting both `NAME` and `NAME_FILE` is an error:
  nobody can tell which one the operator meant.
"""

import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from environs import Env, EnvError

_env = Env(expand_vars=False)
T = TypeVar("T")


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None or value.strip() == "" else value


def _parsed(name: str, parse: Callable[[str], T], default: T) -> T:
    if _raw(name) is None:
        return default
    try:
        return parse(name)
    except EnvError as exc:
        raise ImproperlyConfigured(str(exc)) from exc


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value.strip()


def env_bool(name: str, default: bool) -> bool:
    """1/0, true/false, yes/no, on/off (any case); anything else stops start-up."""
    return _parsed(name, _env.bool, default)


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _parsed(name, _env.int, default)
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f'Environment variable "{name}" must be at least {minimum}, not {value}.')
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    value = _parsed(name, _env.float, default)
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f'Environment variable "{name}" must be at least {minimum}, not {value}.')
    return value


def env_decimal(name: str, default: Decimal) -> Decimal:
    return _parsed(name, _env.decimal, default)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_url(name: str, default: str, *, schemes: frozenset[str], secret: bool = False) -> str:
    """A URL whose scheme is one of `schemes`; an http(s) URL must name a host. `secret`: it may carry a
    password, so `NAME_FILE` may hold it instead."""
    value = env_secret(name, default) if secret else env_str(name, default)
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        allowed = ", ".join(sorted(f"{scheme}://" for scheme in schemes))
        raise ImproperlyConfigured(f'Environment variable "{name}" must start with one of {allowed}.')
    if parts.scheme in {"http", "https"} and not parts.hostname:
        raise ImproperlyConfigured(f'Environment variable "{name}" names no host.')
    return value


def env_secret(name: str, default: str = "") -> str:
    """`NAME`, or the content of the file `NAME_FILE` names; never both."""
    file_name = _raw(f"{name}_FILE")
    if file_name is None:
        return env_str(name, default)
    if _raw(name) is not None:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    try:
        return Path(file_name).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}_FILE names a file that cannot be read: {exc.strerror}.") from exc
