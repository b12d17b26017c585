"""Every recorded exchange, sent in order to a fresh sandbox over real HTTP, answers the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from radiant_ext.sandbox import create_app, serve_in_thread

from .replay import Replayer


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
