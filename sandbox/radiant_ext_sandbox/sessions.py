"""Authentication and the Session operations (SessionCreate, SessionGet, SessionRemove)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import string
from typing import Any

from sqlalchemy import select

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import Ctx
from radiant_ext_sandbox.timeutil import fmt

_ALPHABET = string.ascii_letters + string.digits

#: The serialized backend configuration Znuny puts into customer sessions (abridged).
_CUSTOMER_CONFIG = {
    "CustomerKey": "login",
    "CustomerID": "customer_id",
    "Module": "Kernel::System::CustomerUser::DB",
    "Name": "Database Backend",
    "Params": {"Table": "customer_user"},
}
_COMPANY_CONFIG = {
    "CustomerCompanyKey": "customer_id",
    "Module": "Kernel::System::CustomerCompany::DB",
    "Name": "Database Backend",
    "Params": {"Table": "customer_company"},
}


def hash_password(password: str) -> str:
    """Return the stored form of a password (SHA-256 hex, Znuny's DB backend default)."""
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def error(op: str, code: str, message: str) -> dict[str, Any]:
    """Return Znuny's operation error body (sent with HTTP 200)."""
    return {"Error": {"ErrorCode": f"{op}.{code}", "ErrorMessage": message}}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def check_agent(ctx: Ctx, login: Any, password: Any) -> Any:
    """Return the valid agent row for ``login``/``password`` or ``None``."""
    if not isinstance(login, str) or not isinstance(password, str) or not password:
        return None
    row = ctx.one(select(s.users).where(s.users.c.login == login, s.users.c.valid_id == 1))
    return row if row and row.pw == hash_password(password) else None


def check_customer(ctx: Ctx, login: Any, password: Any) -> Any:
    """Return the valid customer-user row for ``login``/``password`` or ``None``."""
    if not isinstance(login, str) or not isinstance(password, str) or not password:
        return None
    t = s.customer_user
    row = ctx.one(select(t).where(t.c.login == login, t.c.valid_id == 1))
    return row if row and row.pw and row.pw == hash_password(password) else None


def _session_rows(ctx: Ctx, sid: str) -> dict[str, str]:
    t = s.sessions
    rows = ctx.conn.execute(select(t.c.data_key, t.c.data_value).where(t.c.session_id == sid))
    return {k: v for k, v in rows}


def delete_session(ctx: Ctx, sid: str) -> None:
    """Remove every row of session ``sid``."""
    ctx.conn.execute(s.sessions.delete().where(s.sessions.c.session_id == sid))


def check_session(ctx: Ctx, sid: Any) -> dict[str, str] | None:
    """Return the session's data if it is still valid from this caller (§3.2), else ``None``.

    Expired sessions and sessions used from another IP are deleted, as with Znuny's
    ``SessionDeleteIfTimeToOld`` and ``SessionDeleteIfNotRemoteID`` defaults.
    """
    if not isinstance(sid, str) or not sid:
        return None
    data = _session_rows(ctx, sid)
    if not data:
        return None
    now = ctx.clock.epoch()
    idle = now - int(data.get("UserLastRequest", "0"))
    age = now - int(data.get("UserSessionStart", "0"))
    if (
        idle > int(ctx.settings["session_max_idle"])
        or age > int(ctx.settings["session_max_time"])
        or data.get("UserRemoteAddr") != ctx.remote_addr
    ):
        delete_session(ctx, sid)
        return None
    return data


def create_session(ctx: Ctx, user_type: str, user_id: str, login: str) -> str:
    """Insert a new GenericInterface session and return its id."""
    sid = "".join(secrets.choice(_ALPHABET) for _ in range(32))
    now = str(ctx.clock.epoch())
    values = {
        "UserType": user_type,
        "UserID": user_id,
        "UserLogin": login,
        "UserSessionStart": now,
        "UserLastRequest": now,
        "UserRemoteAddr": ctx.remote_addr,
        "UserRemoteUserAgent": ctx.user_agent,
        "SessionSource": "GenericInterface",
    }
    ctx.conn.execute(
        s.sessions.insert(),
        [{"session_id": sid, "data_key": k, "data_value": v} for k, v in values.items()],
    )
    return sid


def authenticate(ctx: Ctx, data: dict[str, Any]) -> bool:
    """Resolve SessionID, else UserLogin, else CustomerUserLogin (+Password) into ``ctx``."""
    sid = data.get("SessionID")
    if sid:
        session = check_session(ctx, sid)
        if not session:
            return False
        if session["UserType"] == "User":
            ctx.user_id, ctx.user_type = int(session["UserID"]), "User"
        else:
            ctx.user_id, ctx.user_type = 1, "Customer"
        ctx.login = session["UserLogin"]
        return True
    if data.get("UserLogin"):
        row = check_agent(ctx, data.get("UserLogin"), data.get("Password"))
        if row:
            ctx.user_id, ctx.user_type, ctx.login = row.id, "User", row.login
        return bool(row)
    if data.get("CustomerUserLogin"):
        row = check_customer(ctx, data.get("CustomerUserLogin"), data.get("Password"))
        if row:
            ctx.user_id, ctx.user_type, ctx.login = 1, "Customer", row.login
        return bool(row)
    return False


def session_create(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """SessionCreate: agent or customer login + password → ``{"SessionID"}``."""
    if not data.get("Password"):
        return error(
            "SessionCreate", "MissingParameter", "SessionCreate: Password parameter is missing!"
        )
    if data.get("UserLogin"):
        row = check_agent(ctx, data["UserLogin"], data["Password"])
        if row:
            return {"SessionID": create_session(ctx, "User", str(row.id), row.login)}
    elif data.get("CustomerUserLogin"):
        row = check_customer(ctx, data["CustomerUserLogin"], data["Password"])
        if row:
            return {"SessionID": create_session(ctx, "Customer", row.login, row.login)}
    return error("SessionCreate", "AuthFail", "SessionCreate: Authorization failing!")


def session_get(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """SessionGet: the session's data as a ``Key``-sorted list of ``{Key, Value}``."""
    sid = data.get("SessionID")
    if not sid:
        return error(
            "SessionGet", "MissingParameter", "SessionGet: SessionID parameter is missing!"
        )
    session = check_session(ctx, sid)
    if not session:
        return error("SessionGet", "SessionInvalid", "SessionGet: SessionID is Invalid!")
    values: dict[str, Any] = {k: v for k, v in session.items()}
    if session["UserType"] == "User":
        values.update(_agent_data(ctx, int(session["UserID"])))
    else:
        values.update(_customer_data(ctx, session["UserLogin"]))
    last = int(session["UserLastRequest"])
    values.update(UserLastLogin=str(last), UserLastRequest=str(last), UserLoginFailed="0")
    values["UserLastLoginTimestamp"] = _ts(last)
    out = []
    for key in sorted(values):
        value = values[key]
        if isinstance(value, dict):
            out.append({"Key": key, "Value": json.dumps(value, sort_keys=True), "Serialized": 1})
        else:
            out.append({"Key": key, "Value": value})
    return {"SessionData": out}


def _ts(epoch: int) -> str:
    return fmt(dt.datetime.fromtimestamp(epoch, dt.UTC).replace(tzinfo=None))


def _prefs(ctx: Ctx, table: Any, user: Any) -> dict[str, Any]:
    rows = ctx.conn.execute(
        select(table.c.preferences_key, table.c.preferences_value).where(table.c.user_id == user)
    )
    return {k: v for k, v in rows}


def _agent_data(ctx: Ctx, user_id: int) -> dict[str, Any]:
    row = ctx.one(select(s.users).where(s.users.c.id == user_id))
    if row is None:
        return {}
    values: dict[str, Any] = {
        "ChangeTime": fmt(row.change_time),
        "CreateTime": fmt(row.create_time),
        "UserFirstname": row.first_name,
        "UserLastname": row.last_name,
        "UserFullname": f"{row.first_name} {row.last_name}",
        "UserID": str(row.id),
        "UserLogin": row.login,
        "UserTitle": row.title,
        "UserType": "User",
        "ValidID": str(row.valid_id),
        "UserRefreshTime": "0",
    }
    values.update(_prefs(ctx, s.user_preferences, row.id))
    return values


def _customer_data(ctx: Ctx, login: str) -> dict[str, Any]:
    row = ctx.one(select(s.customer_user).where(s.customer_user.c.login == login))
    if row is None:
        return {}
    full = f"{row.first_name} {row.last_name}"
    values: dict[str, Any] = {
        "ChangeBy": str(row.change_by),
        "ChangeTime": fmt(row.change_time),
        "CreateBy": str(row.create_by),
        "CreateTime": fmt(row.create_time),
        "Config": _CUSTOMER_CONFIG,
        "CompanyConfig": _COMPANY_CONFIG,
        "CustomerID": row.customer_id,
        "Source": "CustomerUser",
        "UserAuthBackend": "",
        "UserCustomerID": row.customer_id,
        "UserEmail": row.email,
        "UserFirstname": row.first_name,
        "UserLastname": row.last_name,
        "UserFullname": full,
        "UserID": row.login,
        "UserLogin": row.login,
        "UserMailString": f'"{full}" <{row.email}>',
        "UserPassword": row.pw,
        "UserTitle": row.title,
        "UserComment": row.comments,
        "UserRefreshTime": "0",
        "UserType": "Customer",
        "ValidID": str(row.valid_id),
    }
    for col in ("phone", "fax", "mobile", "street", "zip", "city", "country"):
        values["User" + col.capitalize()] = getattr(row, col)
    company = ctx.one(
        select(s.customer_company).where(s.customer_company.c.customer_id == row.customer_id)
    )
    if company is not None:
        for col, key in (
            ("city", "City"),
            ("comments", "Comment"),
            ("country", "Country"),
            ("name", "Name"),
            ("street", "Street"),
            ("url", "URL"),
            ("zip", "ZIP"),
        ):
            values["CustomerCompany" + key] = getattr(company, col)
        values["CustomerCompanyValidID"] = str(company.valid_id)
    values.update(_prefs(ctx, s.customer_preferences, row.login))
    return values


def session_remove(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """SessionRemove (Znuny): the owner of a session, by login + password, deletes it."""
    if not data.get("SessionID"):
        return error(
            "SessionRemove", "MissingParameter", "SessionRemove: SessionID parameter is missing!"
        )
    if not (data.get("UserLogin") or data.get("CustomerUserLogin")) or not data.get("Password"):
        return error("SessionRemove", "AuthFail", "SessionRemove: Authorization failed!")
    failing = error("SessionRemove", "AuthFail", "SessionRemove: Authorization failing!")
    session = _session_rows(ctx, str(data["SessionID"]))
    if data.get("UserLogin"):
        row = check_agent(ctx, data["UserLogin"], data["Password"])
        owner = ("User", str(row.id)) if row else None
    else:
        row = check_customer(ctx, data["CustomerUserLogin"], data["Password"])
        owner = ("Customer", row.login) if row else None
    if owner is None or not session or (session["UserType"], session["UserID"]) != owner:
        return failing
    delete_session(ctx, str(data["SessionID"]))
    return {"Success": 1}


def age_session(ctx: Ctx, sid: str, seconds: int) -> bool:
    """Move a session's last request (and start) back by ``seconds`` (test control)."""
    data = _session_rows(ctx, sid)
    if not data:
        return False
    t = s.sessions
    ctx.conn.execute(
        t.update()
        .where(t.c.session_id == sid, t.c.data_key == "UserLastRequest")
        .values(data_value=str(int(data["UserLastRequest"]) - seconds))
    )
    return True
