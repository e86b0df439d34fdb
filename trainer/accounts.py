"""Accounts: trainees and trainers, passwords hashed with the standard library's scrypt."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import time

from sqlalchemy import insert, select, update

from .db import logins, users
from .store import CallStore, default_store

ROLES = ("trainee", "trainer")
_NAME = re.compile(r"^[\w\u4e00-\u9fff .·-]{1,40}$")
_N, _R, _P = 2**14, 8, 1


class AccountError(ValueError):
    """A refused account operation; `key` names the message (see content/ui.yaml)."""

    def __init__(self, key: str):
        self.key = key
        super().__init__(key)


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str | None) -> bool:
    try:
        kind, n, r, p, salt, digest = (stored or "").split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(base64.b64decode(digest)))
        return hmac.compare_digest(got, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


def create_user(name: str, password: str, role: str = "trainee", store: CallStore | None = None,
                update_existing: bool = False, team: str = "") -> None:
    """A new account (or, with `update_existing`, a new password and role)."""
    store = store or default_store()
    name = (name or "").strip()
    if not _NAME.match(name):
        raise AccountError("bad_name")
    if len(password or "") < 8:
        raise AccountError("short_password")
    if role not in ROLES:
        raise AccountError("bad_role")
    with store.engine.begin() as conn:
        row = conn.execute(select(users.c.id, users.c.password_hash).where(users.c.name == name)).first()
        if row is None:
            conn.execute(insert(users).values(name=name, role=role, password_hash=hash_password(password),
                                              created_at=time.time(), team=team.strip()[:60]))
        elif row.password_hash is None or update_existing:
            conn.execute(update(users).where(users.c.id == row.id)
                         .values(role=role, password_hash=hash_password(password), team=team.strip()[:60]))
        else:
            raise AccountError("name_taken")


def authenticate(name: str, password: str, store: CallStore | None = None) -> dict | None:
    """{name, role} when the password is right, else None (same answer for an unknown name)."""
    store = store or default_store()
    with store.engine.connect() as conn:
        row = conn.execute(select(users.c.name, users.c.role, users.c.password_hash)
                           .where(users.c.name == (name or "").strip())).first()
    if row is None or not verify_password(password or "", row.password_hash):
        return None
    return {"name": row.name, "role": row.role}


TOKEN_DAYS = 7


def open_login(name: str, store: CallStore | None = None) -> str:
    """A token that keeps `name` signed in (kept in the page URL across reloads)."""
    store = store or default_store()
    token = base64.urlsafe_b64encode(os.urandom(24)).decode().rstrip("=")
    with store.engine.begin() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.name == name)).scalar_one()
        conn.execute(insert(logins).values(token=token, user_id=uid, created_at=time.time()))
    return token


def account_of(token: str | None, store: CallStore | None = None) -> dict | None:
    if not token or len(token) > 64:
        return None
    store = store or default_store()
    with store.engine.connect() as conn:
        row = conn.execute(
            select(users.c.name, users.c.role, logins.c.created_at).join(users, users.c.id == logins.c.user_id)
            .where(logins.c.token == token)
        ).first()
    if row is None or time.time() - row.created_at > TOKEN_DAYS * 86400:
        return None
    return {"name": row.name, "role": row.role}


def close_login(token: str | None, store: CallStore | None = None) -> None:
    if token:
        store = store or default_store()
        with store.engine.begin() as conn:
            conn.execute(logins.delete().where(logins.c.token == token))


def ensure_admin_from_env(store: CallStore | None = None) -> str | None:
    """The first trainer account from TRAINER_ADMIN_USER / TRAINER_ADMIN_PASSWORD (make run)."""
    name, password = os.environ.get("TRAINER_ADMIN_USER"), os.environ.get("TRAINER_ADMIN_PASSWORD")
    if not name or not password:
        return None
    create_user(name, password, "trainer", store=store, update_existing=True)
    return name
