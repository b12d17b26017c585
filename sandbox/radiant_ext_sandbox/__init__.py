"""radiant_ext_sandbox: a GenericInterface server that answers like the recorded Znuny/OTRS.

``create_app(data_dir, seed=…, test_controls=…)`` returns the WSGI app;
``serve_in_thread(app)`` serves it on 127.0.0.1 and returns an object with ``.url`` and ``.stop()``.
``create_app(..., invoker=InvokerConfig(url, user, password))`` plays Znuny's webhook invoker;
``app.receive_mail(raw)`` takes an e-mail like Znuny's PostMaster.
"""

from __future__ import annotations

from radiant_ext_sandbox.app import (
    SandboxError,
    SandboxServer,
    create_app,
    invoker_config,
    serve_in_thread,
)
from radiant_ext_sandbox.generator import generate_tickets
from radiant_ext_sandbox.invoker import InvokerCall, InvokerConfig

__all__ = [
    "InvokerCall",
    "InvokerConfig",
    "SandboxError",
    "SandboxServer",
    "create_app",
    "generate_tickets",
    "invoker_config",
    "serve_in_thread",
]
