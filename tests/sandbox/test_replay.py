"""Every recorded exchange, sent in order to a fresh sandbox over real HTTP, answers the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from radiant_ext_sandbox import create_app, serve_in_thread

from .replay import CONTRACT, Replayer


@pytest.mark.parametrize(
    ("folder", "seed", "total"), [("otrs-ce-6", "lab", 114), ("znuny", "znuny-lab", 52)]
)
def test_replay_folder(tmp_path: Path, folder: str, seed: str, total: int) -> None:
    server = serve_in_thread(create_app(tmp_path, seed=seed, test_controls=True))
    try:
        host, port = server.url.removeprefix("http://").split(":")
        replayer = Replayer(host, int(port), folder)
        identical = replayer.run()
    finally:
        server.stop()
    print(f"replayed {identical}/{total} identical")
    for name, problem in sorted(replayer.failures.items()):
        print(f"  {name}: {problem}")
    assert len(replayer.files()) == total
    assert identical == total, sorted(replayer.failures.items())


def test_the_comparison_notices_differences() -> None:
    replayer = Replayer("127.0.0.1", 1, "otrs-ce-6")
    rec = json.loads(
        (CONTRACT / "otrs-ce-6" / "065-TicketGet-after-customer-priority-change.json").read_text()
    )
    same = json.dumps(rec["response_body"]).encode()
    assert replayer.compare(rec, 200, same) is None
    ticket = rec["response_body"]["Ticket"][0]
    for change in ({"Priority": "4 high"}, {"Age": 99999}, {"Extra": 1}):
        body = {"Ticket": [{**ticket, **change}]}
        problem = replayer.compare(rec, 200, json.dumps(body).encode())
        assert (problem is None) == (change == {"Age": 99999}), change  # Age is volatile
    missing = {"Ticket": [{k: v for k, v in ticket.items() if k != "SLAID"}]}
    assert replayer.compare(rec, 200, json.dumps(missing).encode())
    assert replayer.compare(rec, 500, same)
