"""Replaying recorded exchanges against a sandbox, following ``contract/README.md``."""

from __future__ import annotations

import http.client
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

CONTRACT = Path(__file__).resolve().parents[2].parent / "shared" / "contract"
PASSWORD, WRONG = "lab-password", "not-the-password"

#: Keys whose values are volatile (README §4): compared for presence only.
VOLATILE = {
    "SessionID",
    "Created",
    "Changed",
    "CreateTime",
    "ChangeTime",
    "FirstResponse",
    "IncomingTime",
    "UnlockTimeout",
    "RealTillTimeNotUsed",
    "EscalationUpdateTime",
    "EscalationSolutionTime",
    "EscalationResponseTime",
    "Age",
    "UntilTime",
    "EscalationTime",
    "UpdateTime",
    "SolutionTime",
    "EscalationDestinationIn",
    "FirstResponseInMin",
    "FirstResponseDiffInMin",
    "TicketNumber",
    "TicketID",
    "ArticleID",
    "FirstResponseTime",
}
SESSION_VOLATILE = {
    "CreateTime",
    "ChangeTime",
    "UserLastLoginTimestamp",
    "UserSessionStart",
    "UserLastRequest",
    "UserLastLogin",
    "UserRemoteUserAgent",
    "UserRemoteAddr",
    "UserPassword",
    "Config",
    "CompanyConfig",
    "AdminCommunicationLogPageShown",
    "AdminDynamicFieldsOverviewPageShown",
    "UserCreateNextMask",
    "UserTicketOverviewMediumPageShown",
    "UserTicketOverviewPreviewPageShown",
    "UserTicketOverviewSmallPageShown",
    "UserActivityLinkTarget",
    "UserLastViewsLimit",
    "UserLastViewsPosition",
    "UserAuthBackend",
    "UserRefreshTime",
}
_SESSION_RE = re.compile(r"[A-Za-z0-9]{32}")
_HEADER_RE = re.compile(r"Request header sent: (X-OTRS-Header-\w+): (\S+?)…?(?:\s|$)")


def _volatile_key(key: str) -> bool:
    return key in VOLATILE or key.endswith(("DestinationDate", "DestinationTime"))


@dataclass
class Replayer:
    """Sends one folder's files in order and compares the answers."""

    host: str
    port: int
    folder: str
    sessions: dict[str, str] = field(default_factory=dict)
    ticket_ids: dict[str, str] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)
    created: dict[str, str] = field(default_factory=dict)
    clock: str = ""
    """The time the sandbox clock was last set to (a recorded creation time)."""
    failures: dict[str, str] = field(default_factory=dict)

    def files(self) -> list[Path]:
        """The numbered exchange files of the folder, in order."""
        return sorted(p for p in (CONTRACT / self.folder).glob("[0-9][0-9][0-9]-*.json"))

    def learn_creation_times(self) -> None:
        """Recorded creation time of every ticket a file created (from later TicketGet answers)."""
        for path in self.files():
            body = json.loads(path.read_text(encoding="utf-8"))["response_body"]
            if isinstance(body, dict):
                for ticket in body.get("Ticket", []) or []:
                    self.created.setdefault(str(ticket["TicketID"]), ticket["Created"])

    # ------------------------------------------------------------------ sending
    def request(
        self,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        source: str = "127.0.0.1",
    ) -> tuple[int | None, bytes]:
        """One HTTP exchange on a fresh connection; ``(None, b"")`` when no answer came."""
        conn = http.client.HTTPConnection(
            self.host, self.port, timeout=30, source_address=(source, 0)
        )
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read()
        except (http.client.HTTPException, ConnectionError):
            return None, b""
        finally:
            conn.close()

    def control(self, what: str, payload: dict[str, Any]) -> Any:
        """Call a ``/__sandbox__/`` test control."""
        status, body = self.request(
            "POST",
            f"/__sandbox__/{what}",
            json.dumps(payload).encode(),
            {"Content-Type": "application/json"},
        )
        assert status == 200, (what, status, body)
        return json.loads(body)

    def new_session(self, login_key: str, login: str) -> str:
        """Create a session the recordings use but never create (otrs-ce-6 112–114)."""
        prefix = "otrs" if self.folder == "otrs-ce-6" else "znuny"
        status, body = self.request(
            "POST",
            f"/{prefix}/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST/Session",
            json.dumps({login_key: login, "Password": PASSWORD}).encode(),
            {"Content-Type": "application/json"},
        )
        return str(json.loads(body)["SessionID"])

    def substitute(self, text: str, password: str) -> str:
        """Recorded session ids, ticket numbers and the password placeholder → live values."""
        text = text.replace("<password>", password)
        for old, new in self.sessions.items():
            text = text.replace(old, new)
        for old, new in self.numbers.items():
            text = text.replace(old, new)
        return text

    def replay_file(self, path: Path) -> None:
        """Send one file and record a difference in ``failures``."""
        rec = json.loads(path.read_text(encoding="utf-8"))
        name = path.name
        password = WRONG if "wrong-password" in name else PASSWORD
        self._prepare(name, rec)
        body: bytes | None = None
        headers = {"Content-Type": "application/json"}
        if isinstance(rec["request_body"], str):
            body = self.substitute(rec["request_body"], password).encode()
        elif rec["request_body"] is not None:
            body = self.substitute(json.dumps(rec["request_body"]), password).encode()
        notes = rec.get("notes") or ""
        if "form-urlencoded" in notes:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for header, _ in _HEADER_RE.findall(notes):
            recorded = next((s for s in self.sessions if s.startswith(_.rstrip("…"))), None)
            headers[header] = self.sessions.get(recorded or "", _)
        source = (
            "127.0.0.2"
            if "127.0.0.2" in notes and "TicketSearch-error-session-used" in name
            else "127.0.0.1"
        )
        path_live = self._path(self.substitute(rec["path"], password))
        status, raw = self.request(rec["method"], path_live, body, headers, source)
        problem = self.compare(rec, status, raw)
        if problem:
            self.failures[name] = problem
        else:
            self._learn(rec, raw)

    def _path(self, path: str) -> str:
        def repl(m: re.Match[str]) -> str:
            return "/" + ",".join(self.ticket_ids.get(i, i) for i in m.group(1).split(","))

        return re.sub(r"(?<=/Ticket)/([0-9,]+)(?=\?|$)", repl, path)

    def _prepare(self, name: str, rec: dict[str, Any]) -> None:
        """Out-of-band steps of the README: idle expiry before 107, sessions for 112–114, clock."""
        if self.folder == "otrs-ce-6" and name.startswith("107"):
            live = self.sessions.get("KYtJUOjfAui7PXVCHWc7fwluVo3Ucxk4")
            self.control("sessions/age", {"SessionID": live, "Seconds": 7260})
        if self.folder == "otrs-ce-6" and name.startswith("112"):
            self.sessions["jlyIckdrxqSqvQlc04TiV9kEnz2eJ6ep"] = self.new_session(
                "UserLogin", "agent1"
            )
            self.sessions["RbKMOsQwPAlAkNhFAnn6dT5b5TiZa0Ud"] = self.new_session(
                "CustomerUserLogin", "cust1"
            )
        if self.folder == "znuny" and name.startswith("023") and self.clock:
            # The recorded note on ticket 2 reset its unlock time (a "Reset" row in 029). The
            # sandbox, like Znuny, adds that row only when the time changes, so the note must
            # not land in the second the clock was last set to, however fast the replay runs.
            later = datetime.fromisoformat(self.clock) + timedelta(seconds=1)
            self.control("clock", {"Now": later.strftime("%Y-%m-%d %H:%M:%S")})
        if rec["operation"] == "TicketCreate" and isinstance(rec["response_body"], dict):
            when = self.created.get(str(rec["response_body"].get("TicketID")))
            if when:
                self.control("clock", {"Now": when})
                self.clock = when

    def _learn(self, rec: dict[str, Any], raw: bytes) -> None:
        recorded = rec["response_body"]
        if not isinstance(recorded, dict):
            return
        live = json.loads(raw)
        if not isinstance(recorded, dict) or not isinstance(live, dict):
            return
        if "SessionID" in recorded:
            self.sessions[recorded["SessionID"]] = live["SessionID"]
        if rec["operation"] == "TicketCreate" and "TicketID" in recorded:
            self.ticket_ids[str(recorded["TicketID"])] = str(live["TicketID"])
            self.numbers[recorded["TicketNumber"]] = live["TicketNumber"]

    # ---------------------------------------------------------------- comparing
    def compare(self, rec: dict[str, Any], status: int | None, raw: bytes) -> str | None:
        """``None`` when the live answer matches the recording."""
        if rec["status"] is None:
            return None if status is None or (status == 500 and not raw) else f"answered {status}"
        if status != rec["status"]:
            return f"status {status} != {rec['status']}: {raw[:200]!r}"
        if isinstance(rec["response_body"], str):
            got = raw.decode("utf-8", "replace")
            return None if got == rec["response_body"] else f"text {got!r}"
        try:
            live = json.loads(raw)
        except ValueError:
            return f"not JSON: {raw[:200]!r}"
        return self._diff(rec["response_body"], live, "$", rec)

    def _diff(self, want: Any, got: Any, where: str, rec: dict[str, Any]) -> str | None:
        if isinstance(want, dict):
            if not isinstance(got, dict):
                return f"{where}: expected object"
            if set(want) != set(got):
                return f"{where}: keys {sorted(set(want) ^ set(got))}"
            if where == "$" and "TicketID" in want and isinstance(want["TicketID"], list):
                return self._ids(want["TicketID"], got["TicketID"], rec)
            for key in want:
                if key == "SessionData":
                    problem = self._session_data(want[key], got[key])
                elif _volatile_key(key):
                    continue
                elif key == "Name" and isinstance(want[key], str):
                    problem = (
                        None
                        if _norm(want[key]) == _norm(got[key])
                        else f"{where}.Name {got[key]!r}"
                    )
                else:
                    problem = self._diff(want[key], got[key], f"{where}.{key}", rec)
                if problem:
                    return problem
            return None
        if isinstance(want, list):
            if not isinstance(got, list) or len(want) != len(got):
                return f"{where}: list {got!r} has not {len(want)} items"
            for i, (w, g) in enumerate(zip(want, got, strict=True)):
                problem = self._diff(w, g, f"{where}[{i}]", rec)
                if problem:
                    return problem
            return None
        return None if want == got else f"{where}: {got!r} != {want!r}"

    def _ids(self, want: list[str], got: list[str], rec: dict[str, Any]) -> str | None:
        mapped = [self.ticket_ids.get(i, i) for i in want]
        query = rec["path"]
        by_age = "SortBy=" not in query or "SortBy=Age" in query
        if (sorted(mapped) == sorted(got)) if by_age else (mapped == got):
            return None
        return f"TicketID {got} != {mapped}"

    def _session_data(self, want: list[dict[str, Any]], got: list[dict[str, Any]]) -> str | None:
        if [w["Key"] for w in want] != [g["Key"] for g in got]:
            return f"SessionData keys {[g['Key'] for g in got]}"
        for w, g in zip(want, got, strict=True):
            if set(w) != set(g):
                return f"SessionData {w['Key']} fields {sorted(g)}"
            if w["Key"] not in SESSION_VOLATILE and w["Value"] != g["Value"]:
                return f"SessionData {w['Key']}: {g['Value']!r} != {w['Value']!r}"
        return None

    def run(self) -> int:
        """Replay every file; return how many matched."""
        self.learn_creation_times()
        files = self.files()
        for path in files:
            self.replay_file(path)
        return len(files) - len(self.failures)


def _norm(text: str) -> str:
    text = re.sub(r"\d{16}", "<TN>", text)
    return re.sub(r"%%\d{4}-\d\d-\d\d \d\d:\d\d", "%%<TIME>", text)
