"""Customer login, logout and the session guard."""

from __future__ import annotations

from radiant_ext.portal.auth.password import lost_password, password_reset_offered
from radiant_ext.portal.auth.views import (
    bp,
    client_address,
    current_customer,
    init_app,
    login_required,
    login_url_for_here,
)

__all__ = [
    "bp", "client_address", "current_customer", "init_app", "login_required",
    "login_url_for_here", "lost_password", "password_reset_offered",
]
