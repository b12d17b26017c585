"""radiant_ext.sandbox: a GenericInterface server that answers like the recorded Znuny/OTRS.

``create_app(data_dir, seed=…, test_controls=…)`` returns the WSGI app;
``serve_in_thread(app)`` serves it on 127.0.0.1 and returns an object with ``.url`` and ``.stop()``.
"""

from __future__ import annotations

from radiant_ext.sandbox.app import SandboxError, SandboxServer, create_app, serve_in_thread
from radiant_ext.sandbox.generator import generate_tickets

__all__ = ["SandboxError", "SandboxServer", "create_app", "generate_tickets", "serve_in_thread"]
