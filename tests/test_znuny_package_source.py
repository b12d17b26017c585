"""The Znuny package's source (``znuny-package/``): well-formed, complete, and in step with the
companion (operation route, dynamic fields, sections, web service files, states).

The package itself is built and installed on real servers by ``tests/live/test_znuny_package.py``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from radiant_ext.client import META_SECTIONS
from radiant_ext.client.routes import PACKAGE_ROUTES
from radiant_ext.webhook.checks import REQUIRED_DYNAMIC_FIELDS

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "znuny-package"
SOPM = SOURCE / "RadiantExt.sopm"
SETUP = SOURCE / "var" / "packagesetup" / "RadiantExt.pm"
OPERATION = SOURCE / "Kernel" / "GenericInterface" / "Operation" / "RadiantMeta" / "Describe.pm"
CONFIG = SOURCE / "Kernel" / "Config" / "Files" / "XML" / "RadiantExt.xml"

#: The ticket states every Znuny / ((OTRS)) CE ships (initial_insert of all three releases).
STOCK_STATES = {
    "new", "closed successful", "closed unsuccessful", "open", "removed", "pending reminder",
    "pending auto close+", "pending auto close-", "merged",
}


def _sopm() -> ET.Element:
    return ET.parse(SOPM).getroot()


def _perl_scalar(name: str) -> str:
    found = re.search(rf"^our \${name}\s*=\s*'([^']*)';", SETUP.read_text(), re.MULTILINE)
    assert found, f"${name} not found in {SETUP.name}"
    return found.group(1)


def test_sopm_is_a_package_with_version_and_frameworks() -> None:
    root = _sopm()
    assert root.tag == "otrs_package" and root.get("version") == "1.0"
    assert root.findtext("Name") == "RadiantExt"
    assert re.fullmatch(r"\d+\.\d+\.\d+", root.findtext("Version") or "")
    assert [f.text for f in root.findall("Framework")] == ["6.0.x", "6.5.x", "7.0.x"]
    for tag in ("Vendor", "License", "Description"):
        assert (root.findtext(tag) or "").strip(), f"<{tag}> is empty"
    changes = root.findall("ChangeLog")
    assert changes and changes[0].get("Version") == root.findtext("Version")


def test_every_listed_file_exists_and_every_file_is_listed() -> None:
    listed = [f.get("Location", "") for f in _sopm().iter("File")]
    assert len(listed) == len(set(listed))
    for location in listed:
        path = SOURCE / location
        assert path.is_file(), f"{location} is listed but missing (or a broken link)"
    present = {str(p.relative_to(SOURCE)) for p in SOURCE.rglob("*")
               if p.is_file() and p != SOPM and "__pycache__" not in p.parts}
    assert present == set(listed)
    for f in _sopm().iter("File"):
        assert f.get("Permission") == "660"


def test_web_service_files_are_the_deploy_files() -> None:
    folder = SOURCE / "var" / "packagesetup" / "RadiantExt"
    for name in ("GenericTicketConnectorREST.znuny.yml", "GenericTicketConnectorREST.otrs6.yml",
                 "RadiantWebhook.yml"):
        link = folder / name
        assert link.is_symlink(), f"{name} must be a link to deploy/znuny/{name}"
        assert link.resolve() == (REPO / "deploy" / "znuny" / name).resolve()


def test_code_blocks_call_the_setup_module() -> None:
    root = _sopm()
    setup = SETUP.read_text()
    for tag, method, when in (("CodeInstall", "CodeInstall", "post"),
                              ("CodeReinstall", "CodeReinstall", "post"),
                              ("CodeUpgrade", "CodeUpgrade", "post"),
                              ("CodeUninstall", "CodeUninstall", "pre")):
        blocks = [b for b in root.findall(tag) if method in (b.text or "")]
        assert len(blocks) == 1 and blocks[0].get("Type") == when, tag
        assert re.search(rf"^sub {method}\b", setup, re.MULTILINE), f"sub {method} missing"
    assert "package var::packagesetup::RadiantExt;" in setup


def test_config_registers_the_operation_where_its_module_is() -> None:
    root = ET.parse(CONFIG).getroot()
    assert root.tag == "otrs_config" and root.get("version") == "2.0"
    settings = {s.get("Name"): s for s in root.iter("Setting")}
    registration = settings["GenericInterface::Operation::Module###RadiantMeta::Describe"]
    items = {i.get("Key"): i.text for i in registration.iter("Item")}
    assert (items["Controller"], items["Name"]) == ("RadiantMeta", "Describe")
    assert OPERATION.is_file()
    assert "package Kernel::GenericInterface::Operation::RadiantMeta::Describe;" in \
        OPERATION.read_text()
    assert _perl_scalar("OperationType") == "RadiantMeta::Describe"
    assert "RadiantExt::Uninstall::DeleteDynamicFields" in settings


def test_operation_route_is_the_clients_and_free_in_the_deploy_files() -> None:
    route = _perl_scalar("Route")
    found = PACKAGE_ROUTES["RadiantMetaDescribe"]
    assert (found.method, found.template) == ("POST", route)
    for name in ("GenericTicketConnectorREST.znuny.yml", "GenericTicketConnectorREST.otrs6.yml"):
        config = yaml.safe_load((REPO / "deploy" / "znuny" / name).read_text())
        mapping = config["Provider"]["Transport"]["Config"]["RouteOperationMapping"]
        assert route not in {entry["Route"] for entry in mapping.values()}
        assert _perl_scalar("OperationName") not in config["Provider"]["Operation"]


def test_dynamic_fields_are_the_ones_the_companion_checks() -> None:
    setup = SETUP.read_text()
    block = setup[setup.index("our @DynamicFields"):setup.index("our @States")]
    fields = dict(re.findall(r"\[\s*(Radiant\w+)\s*=>\s*'[^']*',\s*'(\w+)'", block))
    assert fields == REQUIRED_DYNAMIC_FIELDS


def test_answer_sections_are_the_clients() -> None:
    found = re.search(r"our @Sections = qw\(([^)]*)\);", OPERATION.read_text())
    assert found and tuple(found.group(1).split()) == META_SECTIONS


def test_catalogs_name_only_states_znuny_has() -> None:
    """A state a catalog names must be stock or in the package's @States list."""
    setup = SETUP.read_text()
    extra = set(re.findall(r"^\s*\[\s*'([^']+)',\s*'[^']+'", setup[setup.index("our @States"):],
                           re.MULTILINE))
    named: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("state", "states", "next_state") and isinstance(value, str):
                    named.add(value)
                elif key in ("states",) and isinstance(value, list):
                    named.update(v for v in value if isinstance(v, str))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for catalog in sorted(REPO.glob("plugins/*/radiant_ext_*/catalog*.yaml")):
        walk(yaml.safe_load(catalog.read_text(encoding="utf-8")))
    assert named <= STOCK_STATES | extra, sorted(named - STOCK_STATES - extra)


@pytest.mark.skipif(shutil.which("perl") is None, reason="needs perl")
def test_perl_files_compile_where_a_znuny_tree_is_at_hand() -> None:
    trees = sorted(Path("/opt").glob("radiant-znuny*/*/home/Kernel/System/ObjectManager.pm"))
    if not trees:
        pytest.skip("no Znuny tree under /opt/radiant-znuny*/ to compile against")
    home = trees[0].parents[2]
    for module in (OPERATION, SETUP,
                   SOURCE / "Kernel/System/Console/Command/Admin/RadiantExt/Webhook.pm"):
        done = subprocess.run(["perl", "-I", str(home), "-I", str(home / "Kernel/cpan-lib"),
                               "-I", str(SOURCE), "-c", str(module)],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
