"""``radiant-ext plugins znuny-names``: what the catalogs need in Znuny, and the Perl script."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from radiant_ext.cli import build_cli
from radiant_ext.plugins import make_plugin_manager
from radiant_ext.plugins.checks import check_plugins
from radiant_ext.plugins.loader import load_catalog_text
from radiant_ext.plugins.znuny_meta import RADIANT_DYNAMIC_FIELDS
from radiant_ext.plugins.znuny_setup import perl_script, znuny_needs

CATALOG = """
department: {id: shop, title: Shop}
items:
  - id: shop.till
    title: Till
    routing: {type: Incident, queue: "Shop::Tills::North", service: "Shop::Tills",
              sla: "O'Brien fast", owner: till-agent}
    deadline: {business_hours: 4}
  - id: shop.door
    title: Door
    routing: {type: "Service Request", queue: Shop, service: "Shop::Doors", sla: "O'Brien fast",
              owner_pool: [door-agent, till-agent]}
    deadline: {business_hours: 8}
  - id: shop.light
    title: Light
    routing: {type: Incident, queue: Shop, service: "Shop::Lights", sla: Lights}
    deadline: {business_hours: 2}
"""


def _items() -> list[Any]:
    return list(load_catalog_text(CATALOG, "shop.yaml").items)


def test_parents_come_first_and_each_sla_lists_its_services() -> None:
    needs = znuny_needs(_items())
    assert needs.types == ("Incident", "Service Request")
    assert needs.queues == ("Shop", "Shop::Tills", "Shop::Tills::North")
    assert needs.services == ("Shop", "Shop::Doors", "Shop::Lights", "Shop::Tills")
    assert needs.agents == ("door-agent", "till-agent")
    assert needs.dynamic_fields == RADIANT_DYNAMIC_FIELDS
    fast, lights = needs.slas["O'Brien fast"], needs.slas["Lights"]
    assert fast.services == ("Shop::Doors", "Shop::Tills")
    # the items promise 4 and 8 business hours: no single solution time fits both
    assert (fast.solution_minutes, fast.promises) == (0, (240, 480))
    assert lights.solution_minutes == 120


def test_the_script_quotes_names_for_perl() -> None:
    script = perl_script(znuny_needs(_items()), group="stores", email_domain="shop.example")
    assert "my $Group       = 'stores';" in script
    assert r"'O\'Brien fast' => { Services => ['Shop::Doors', 'Shop::Tills'], SolutionTime => 0 }" \
        in script
    assert "my $EmailDomain = 'shop.example';" in script


def test_the_department_plugins_need_what_the_live_servers_provision() -> None:
    report = check_plugins(make_plugin_manager())
    needs = znuny_needs(report.items)
    assert {"Incident", "Service Request", "Feedback"} <= set(needs.types)
    assert needs.queues.index("IT") < needs.queues.index("IT::Stores")
    assert needs.slas["POS critical"].services == ("IT::Cash register",)
    assert needs.slas["POS critical"].solution_minutes == 240


def test_the_script_creates_the_workflows_and_approvals_states() -> None:
    report = check_plugins(make_plugin_manager())
    needs = znuny_needs(report.items)
    assert needs.states["client testing"] == "pending reminder"
    assert needs.states["in review"] == "open"
    assert needs.states["cannot replicate"] == "closed"
    assert needs.states["waiting for approval"] == "pending reminder"  # HR's vacation request
    script = perl_script(needs)
    assert "    'client testing' => 'pending reminder'," in script
    assert "$StateObject->StateAdd(" in script
    assert znuny_needs(_items()).states == {}  # no workflow, no approval: none


def test_the_command_prints_a_list_json_and_a_script(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("RADIANT_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    listing = runner.invoke(build_cli(), ["plugins", "znuny-names"])
    assert listing.exit_code == 0, listing.output
    assert "SLA POS critical: solution time 240 minutes; services IT::Cash register" \
        in listing.output
    data = json.loads(runner.invoke(build_cli(), ["plugins", "znuny-names", "--json"]).output)
    assert data["group"] == "users" and "IT::Stores" in data["queues"]
    script = runner.invoke(build_cli(), ["plugins", "znuny-names", "--perl"]).output
    assert script.startswith("#!/usr/bin/perl\n") and "'IT::Cash register'" in script


@pytest.mark.skipif(shutil.which("perl") is None, reason="needs perl")
def test_the_script_compiles_where_a_znuny_tree_is_at_hand(tmp_path: Path) -> None:
    trees = sorted(Path("/opt").glob("radiant-znuny*/*/home/Kernel/System/ObjectManager.pm"))
    if not trees:
        pytest.skip("no Znuny tree under /opt/radiant-znuny*/ to compile against")
    script = tmp_path / "radiant-znuny-names.pl"
    script.write_text(perl_script(znuny_needs(_items())), encoding="utf-8")
    for tree in {t.parents[2] for t in trees}:
        done = subprocess.run(["perl", "-c", str(script), str(tree)], capture_output=True,
                              text=True, check=False)
        assert done.returncode == 0, f"{tree}: {done.stderr}"
