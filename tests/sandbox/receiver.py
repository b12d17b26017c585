"""A webhook receiver for the invoker tests: records each request, answers from a script."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

Answer = tuple[int, str, bytes | str, float]  # status, content type, body, delay seconds


def json_answer(body: Any, status: int = 200, delay: float = 0.0) -> Answer:
    """A JSON answer."""
    return status, "application/json", json.dumps(body), delay


@dataclass
class Receiver:
    """Serves on 127.0.0.1 (free port); ``answer(body)`` decides each answer."""

    answer: Callable[[dict[str, Any]], Answer] = lambda body: json_answer({"received": True})
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        body = json.loads(request.get_data() or b"{}")
        self.requests.append(
            {
                "path": request.path,
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "auth": request.authorization,
                "body": body,
            }
        )
        status, content_type, data, delay = self.answer(body)
        time.sleep(delay)
        return Response(data, status=status, content_type=content_type)(environ, start_response)

    @property
    def events(self) -> list[str]:
        """The event names received, in order."""
        return [r["body"]["Event"]["Event"] for r in self.requests]

    def stop(self) -> None:
        """Shut the server down."""
        self._server.shutdown()
        self._thread.join(timeout=5)
