"""The Znuny package RadiantExt on a real Znuny: build, install, operation, upgrade, uninstall.

Installs and removes the package, so it runs only where that is allowed: on a server of its
own, e.g. ``ZNUNY_ROOT=/opt/radiant-znuny-pkg ZNUNY_PROVISION=minimal scripts/znuny-server up
7.0.9``, then ``eval "$(ZNUNY_ROOT=/opt/radiant-znuny-pkg scripts/znuny-server env 7.0.9)"``
and ``RADIANT_LIVE_ZNUNY_PACKAGE=1`` (docs/znuny-package.md, "Tests"). Without that flag the
tests skip, even with ``RADIANT_LIVE_REQUIRED=1``: the servers the journeys use must not see
the package come and go. Needs root (Znuny's console runs as the tree's OS user).

On a stock server (``ZNUNY_PROVISION=minimal`` or ``none``) every path runs: the package creates
the fields and web services, keeps the fields at uninstall, deletes them when told to, and
leaves a web service that existed before as it was. On a provisioned server (fields and web
service present) the paths that need a stock server skip. Either way the server ends as it
was found. The times of each step are printed at the end (``-s`` not needed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, text

from radiant_ext.client import AgentCredentials, CustomerCredentials, ZnunyClient, ZnunyMeta
from radiant_ext.client import errors as e
from radiant_ext.config import load_settings
from radiant_ext.plugins.znuny_meta import (
    access_from_meta,
    company_names_from_meta,
    names_from_meta,
    read_company_names,
    read_znuny_access,
    read_znuny_names,
)
from tests._live import LiveServer, need_env

pytestmark = pytest.mark.live

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "scripts" / "build-znuny-package"
OPT_IN = "RADIANT_LIVE_ZNUNY_PACKAGE"
FIELDS = {"RadiantRequestID": "Text", "RadiantCategory": "Text", "RadiantStore": "Text",
          "RadiantDeadline": "DateTime", "RadiantParent": "Text"}
PROVIDER = "GenericTicketConnectorREST"
WEBHOOK = "RadiantWebhook"


@dataclass
class Package:
    """The server, the two built packages, and what the server had before the tests."""

    server: LiveServer
    db_url: str
    opm: dict[str, Path]
    had_fields: bool
    had_provider: bool
    had_webhook: bool
    tmp: Path
    timings: dict[str, float] = field(default_factory=dict)

    # -- the server -------------------------------------------------------------------------

    def console(self, *args: str, stdin: str | None = None, timing: str | None = None,
                check: bool = True) -> str:
        """Run a console command as the tree's OS user; its output (stdout and stderr)."""
        started = time.monotonic()
        done = subprocess.run(self.server.console_command(*args), cwd=self.server.home,
                              input=stdin, capture_output=True, text=True, timeout=300,
                              check=False)
        if timing:
            self.timings[timing] = time.monotonic() - started
        output = done.stdout + done.stderr
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {done.returncode}:\n{output[-3000:]}")
        return output

    def perl(self, code: str) -> str:
        """Run Perl with Znuny's object manager (``$OM``) as the tree's OS user; its stdout."""
        home = str(self.server.home)
        script = (f"use lib '{home}'; use lib '{home}/Kernel/cpan-lib'; use lib '{home}/Custom';"
                  "use Kernel::System::ObjectManager; local $Kernel::OM = "
                  "Kernel::System::ObjectManager->new(); my $OM = $Kernel::OM;\n" + code)
        done = subprocess.run(["runuser", "-u", self.server.os_user, "--", "perl", "-e", script],
                              cwd=home, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise AssertionError(f"perl exited {done.returncode}: {done.stderr[-2000:]}")
        return done.stdout

    def webservices(self) -> set[str]:
        """Names of the server's web services."""
        listing = self.console("Admin::WebService::List")
        return set(re.findall(r"^\s+(\S+) \(\d+\)$", listing, re.MULTILINE))

    def installed(self) -> str | None:
        """The installed version of RadiantExt, or ``None``."""
        return self.perl(
            "for my $P ($OM->Get('Kernel::System::Package')->RepositoryList()) {"
            " print $P->{Version}->{Content} if $P->{Name}->{Content} eq 'RadiantExt'"
            " && $P->{Status} eq 'installed' }") or None

    def fields(self) -> dict[str, tuple[str, str, int]]:
        """The Radiant* dynamic fields in Znuny's database: name → (type, object, valid id)."""
        engine = create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT name, field_type, object_type, valid_id FROM dynamic_field "
                    "WHERE name LIKE 'Radiant%'")).all()
        finally:
            engine.dispose()
        return {str(n): (str(t), str(o), int(v)) for n, t, o, v in rows}

    def delete_fields(self) -> None:
        """Delete the Radiant* dynamic fields and their values (only ones the tests made)."""
        names = " ".join(FIELDS)
        self.perl(
            "my $DF = $OM->Get('Kernel::System::DynamicField');"
            " my $BE = $OM->Get('Kernel::System::DynamicField::Backend');"
            f" for my $N (qw({names})) {{ my $F = $DF->DynamicFieldGet(Name => $N) or next;"
            " $BE->AllValuesDelete(DynamicFieldConfig => $F, UserID => 1);"
            " $DF->DynamicFieldDelete(ID => $F->{ID}, UserID => 1, Reorder => 1) or die $N }")

    def provider_config(self) -> str:
        """The provider web service's configuration as YAML (for before/after comparisons)."""
        return self.perl(
            f"my $W = $OM->Get('Kernel::System::GenericInterface::Webservice')"
            f"->WebserviceGet(Name => '{PROVIDER}') or exit 0;"
            " print $OM->Get('Kernel::System::YAML')->Dump(Data => $W->{Config});")

    def webhook_config(self) -> dict[str, Any]:
        """The webhook web service's configuration (empty when there is none)."""
        dumped = self.perl(
            f"my $W = $OM->Get('Kernel::System::GenericInterface::Webservice')"
            f"->WebserviceGet(Name => '{WEBHOOK}') or exit 0;"
            " print $OM->Get('Kernel::System::YAML')->Dump(Data => $W->{Config});")
        loaded: dict[str, Any] = yaml.safe_load(dumped) if dumped.strip() else {}
        return loaded

    def make_webhook_older(self) -> None:
        """Take ``TicketStateUpdateHook`` and its mapping out of the webhook, as an older
        package imported it (validity, URL and secret as they are)."""
        self.perl(
            f"my $WS = $OM->Get('Kernel::System::GenericInterface::Webservice');"
            f" my $W = $WS->WebserviceGet(Name => '{WEBHOOK}') or die 'no webhook';"
            " my $R = $W->{Config}->{Requester};"
            " delete $R->{Invoker}->{TicketStateUpdateHook};"
            " delete $R->{Transport}->{Config}->{InvokerControllerMapping}"
            "->{TicketStateUpdateHook};"
            " $WS->WebserviceUpdate(ID => $W->{ID}, Name => $W->{Name}, Config => $W->{Config},"
            " ValidID => $W->{ValidID}, UserID => 1) or die 'update failed';")

    def client(self, **overrides: Any) -> ZnunyClient:
        return ZnunyClient.from_settings(load_settings(), **overrides)

    def describe(self) -> ZnunyMeta:
        """The operation's answer, as the companion's agent."""
        with self.client() as client:
            return client.describe()


@pytest.fixture(autouse=True)
def _live_session() -> Iterator[None]:
    """No companion, webhook or journey runs here (replaces the journeys' own fixture)."""
    yield


@pytest.fixture(scope="module")
def pkg(request: pytest.FixtureRequest) -> Iterator[Package]:
    if os.environ.get(OPT_IN, "") in ("", "0"):
        pytest.skip(f"{OPT_IN}=1 is not set: these tests install and uninstall the Znuny package "
                    "RadiantExt, so they run only on a server of their own (docs/znuny-package.md)")
    server = LiveServer.from_env()
    db_url = need_env("RADIANT_ZNUNY_DB_URL")["RADIANT_ZNUNY_DB_URL"]
    if os.geteuid() != 0:
        pytest.skip("the package tests run Znuny's console as its OS user: run them as root")
    tmp = Path(tempfile.mkdtemp(prefix="radiant-pkg-"))
    tmp.chmod(0o755)
    timings: dict[str, float] = {}
    opm: dict[str, Path] = {}
    for version in ("1.0.0", "1.0.1"):
        started = time.monotonic()
        out = subprocess.run([str(BUILD), "--version", version, "--out", str(tmp)],
                             capture_output=True, text=True, timeout=600, check=True)
        timings[f"build {version}"] = time.monotonic() - started
        opm[version] = Path(out.stdout.strip().splitlines()[-1])
    package = Package(server=server, db_url=db_url, opm=opm, had_fields=False,
                      had_provider=False, had_webhook=False, tmp=tmp, timings=timings)
    if package.installed():  # left over from an interrupted run
        package.console("Admin::Package::Uninstall", "RadiantExt")
    if server.release < (6, 1):  # OTRS 6.0 installs only packages it verified, unless told
        package.console("Admin::Config::Update", "--setting-name",
                        "Package::AllowNotVerifiedPackages", "--value", "1")
    package.had_fields = bool(package.fields())
    before = package.webservices()
    package.had_provider, package.had_webhook = PROVIDER in before, WEBHOOK in before
    yield package
    shutil.rmtree(tmp, ignore_errors=True)
    times = ", ".join(f"{k} {v:.2f} s" for k, v in package.timings.items())
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            print(f"\nZnuny package on {server.version}: {times}")


def _opm_files(path: Path) -> dict[str, str]:
    root = ET.parse(path).getroot()
    return {f.get("Location", ""): f.get("Encode", "") for f in root.iter("File")}


def test_build_writes_both_versions(pkg: Package) -> None:
    for version, path in pkg.opm.items():
        root = ET.parse(path).getroot()
        assert root.tag == "otrs_package"
        assert root.findtext("Name") == "RadiantExt" and root.findtext("Version") == version
        assert {f.text for f in root.iter("Framework")} == {"6.0.x", "6.5.x", "7.0.x"}
        files = _opm_files(path)
        assert "Kernel/GenericInterface/Operation/RadiantMeta/Describe.pm" in files
        assert set(files.values()) == {"Base64"}


def test_install_creates_what_is_missing(pkg: Package) -> None:
    output = pkg.console("Admin::Package::Install", str(pkg.opm["1.0.0"]), timing="install")
    assert "RadiantExt install:" in output and "FAILED" not in output
    assert pkg.installed() == "1.0.0"
    fields = pkg.fields()
    assert {n: v[:2] for n, v in fields.items()} == {n: (t, "Ticket") for n, t in FIELDS.items()}
    for name in FIELDS:
        verb = "exists: kept" if pkg.had_fields else "created"
        assert re.search(rf"{verb} dynamic field {name}|dynamic field {name} {verb}", output)
    services = pkg.webservices()
    assert PROVIDER in services
    if pkg.had_provider:
        assert f"web service {PROVIDER} exists: left as it was" in output
        assert f"added operation(s) RadiantMetaDescribe to web service {PROVIDER}" in output
    else:
        assert f"created web service {PROVIDER}" in output
    assert (WEBHOOK in services) is pkg.server.has_webhook
    if not pkg.server.has_webhook:
        assert "has no Ticket::Generic invoker" in output


def test_operation_answers_what_the_server_has(pkg: Package) -> None:
    with pkg.client() as client:  # answer times without the login
        client.session_create()
        samples = []
        for _ in range(6):
            started = time.monotonic()
            meta = client.describe()
            samples.append(time.monotonic() - started)
    pkg.timings["describe (first)"] = samples[0]
    pkg.timings["describe (mean of 5 more)"] = sum(samples[1:]) / 5
    pkg.timings["describe (slowest of 5 more)"] = max(samples[1:])

    assert meta.version == pkg.server.version and meta.package_version == "1.0.0"
    assert meta.package_notes and meta.package_notes[0] == "install:"
    names = read_znuny_names(pkg.db_url)
    assert meta.valid_queues == names.queues
    assert meta.valid_services == names.services
    assert meta.valid_slas == names.slas
    assert meta.valid_service_slas == names.service_slas
    assert meta.valid_types == names.types
    assert meta.valid_priorities == names.priorities
    assert meta.valid_dynamic_fields("Ticket") == names.dynamic_fields
    assert meta.company_names == read_company_names(pkg.db_url)
    # what check and the catalogs read: the same from the operation as from the database
    assert names_from_meta(meta) == names
    assert access_from_meta(meta) == read_znuny_access(pkg.db_url)
    assert company_names_from_meta(meta) == read_company_names(pkg.db_url)

    engine = create_engine(pkg.db_url)
    try:
        with engine.connect() as conn:
            users = {str(login): (str(first or ""), str(last or ""), int(valid) == 1)
                     for login, first, last, valid in conn.execute(text(
                         "SELECT login, first_name, last_name, valid_id FROM users"))}
            states = {(str(n), str(t), int(v) == 1) for n, t, v in conn.execute(text(
                "SELECT s.name, t.name, s.valid_id FROM ticket_state s "
                "JOIN ticket_state_type t ON t.id = s.type_id"))}
            queues = {str(n) for (n,) in conn.execute(text("SELECT name FROM queue"))}
    finally:
        engine.dispose()
    assert {a.login: (a.first_name, a.last_name, a.valid) for a in meta.agents} == users
    assert {(s.name, s.type, s.valid) for s in meta.states} == states
    assert {q.name for q in meta.queues} == queues
    agent = meta.agent(os.environ["RADIANT_ZNUNY_USER"])
    assert agent is not None and "users" in agent.rw_groups
    assert all(q.group for q in meta.queues)
    for name, field_type in FIELDS.items():
        found = meta.dynamic_field(name)
        assert found is not None and (found.field_type, found.object_type) == (field_type,
                                                                              "Ticket")
    for service in meta.services:  # links come back for valid services
        assert not service.valid or isinstance(service.customer_users, list)

    with pkg.client() as client:
        only = client.describe(include=["SLAs", "Queues"])
    assert only.sections == {"SLAs", "Queues"} and not only.agents
    assert only.valid_queues == meta.valid_queues


def test_operation_refuses_customers_and_wrong_passwords(pkg: Package) -> None:
    customer = CustomerCredentials(pkg.server.customer, pkg.server.customer_password)
    with pkg.client(credentials=customer) as client, pytest.raises(e.PermissionDeniedError):
        client.describe()
    with pkg.client(credentials=customer, auth_mode="credentials") as client, \
            pytest.raises(e.PermissionDeniedError):
        client.describe()
    wrong = AgentCredentials(os.environ["RADIANT_ZNUNY_USER"], "not-the-password")
    with pkg.client(credentials=wrong, auth_mode="credentials") as client, \
            pytest.raises(e.AuthenticationError) as raised:
        client.describe()
    assert raised.value.code == "RadiantMeta.AuthFail"


def test_webhook_command_sets_url_and_secret(pkg: Package) -> None:
    if not pkg.server.has_webhook:
        pytest.skip(f"Znuny {pkg.server.version} has no Ticket::Generic invoker: no webhook")
    show = (f"my $W = $OM->Get('Kernel::System::GenericInterface::Webservice')"
            f"->WebserviceGet(Name => '{WEBHOOK}');"
            " my $T = $W->{Config}->{Requester}->{Transport}->{Config};"
            " print join '|', $W->{ValidID}, $T->{Host}, $T->{Authentication}->{BasicAuthUser},"
            " $T->{Authentication}->{BasicAuthPassword};")
    original = pkg.perl(show)
    valid_id, host, user, password = original.split("|")
    if not pkg.had_webhook:  # imported invalid: no calls to the placeholder host
        assert valid_id != "1" and password == "CHANGE-ME"
        refused = pkg.console("Admin::RadiantExt::Webhook", "--url", "http://127.0.0.1:1",
                              check=False)
        assert "still needs a secret" in refused
    secret = "s3cret-for-the-package-test"
    try:
        out = pkg.console("Admin::RadiantExt::Webhook", "--url", "http://127.0.0.1:1/",
                          "--user", "znuny-test", "--secret-file", "-", stdin=secret + "\n")
        assert "valid" in out
        assert pkg.perl(show) == f"1|http://127.0.0.1:1|znuny-test|{secret}"
    finally:  # as it was
        restore = ["--invalid"] if valid_id != "1" else []
        pkg.console("Admin::RadiantExt::Webhook", *restore, check=False)
        if password and password != "CHANGE-ME":
            pkg.console("Admin::RadiantExt::Webhook", "--url", host, "--user", user,
                        "--secret-file", "-", *restore, stdin=password + "\n")
    if pkg.had_webhook:
        assert pkg.perl(show) == original
    else:
        assert pkg.perl(show).split("|")[0] == valid_id


def test_upgrade_keeps_everything(pkg: Package) -> None:
    before = pkg.provider_config()
    if pkg.server.has_webhook:  # as an older package left it: no TicketStateUpdateHook
        pkg.make_webhook_older()
    older = pkg.webhook_config()
    output = pkg.console("Admin::Package::Upgrade", str(pkg.opm["1.0.1"]), timing="upgrade")
    assert "RadiantExt upgrade:" in output and "FAILED" not in output
    assert pkg.installed() == "1.0.1"
    assert pkg.provider_config() == before
    if pkg.server.has_webhook:  # the invoker is back; the URL, secret and the rest stay
        assert ("added invoker TicketStateUpdateHook (TicketStateUpdate) to web service "
                f"{WEBHOOK}") in output
        after = pkg.webhook_config()
        wanted = yaml.safe_load((REPO / "deploy/znuny/RadiantWebhook.yml").read_text())
        invoker = wanted["Requester"]["Invoker"]["TicketStateUpdateHook"]
        assert after["Requester"]["Invoker"]["TicketStateUpdateHook"] == invoker
        transport, kept = (c["Requester"]["Transport"]["Config"] for c in (after, older))
        assert transport.pop("InvokerControllerMapping")["TicketStateUpdateHook"] == {
            "Command": "POST", "Controller": "/-/znuny/webhook/state-update"}
        kept.pop("InvokerControllerMapping")
        assert transport == kept
    meta = pkg.describe()
    assert meta.package_version == "1.0.1"
    assert set(FIELDS) <= meta.valid_dynamic_fields()


def test_reinstall(pkg: Package) -> None:
    output = pkg.console("Admin::Package::Reinstall", "RadiantExt", timing="reinstall")
    assert "RadiantExt reinstall:" in output and "FAILED" not in output
    assert pkg.describe().package_version == "1.0.1"


def test_uninstall_removes_the_operation_and_keeps_the_fields(pkg: Package) -> None:
    output = pkg.console("Admin::Package::Uninstall", "RadiantExt", timing="uninstall")
    assert "RadiantExt uninstall:" in output and "FAILED" not in output
    assert pkg.installed() is None
    services = pkg.webservices()
    assert (WEBHOOK in services) is pkg.had_webhook
    assert (PROVIDER in services) is pkg.had_provider
    if pkg.had_provider:  # the web service stays, without the operation
        assert "RadiantMetaDescribe" not in pkg.provider_config()
        with pkg.client() as client, pytest.raises(e.RouteNotFoundError):
            client.describe()
    assert set(pkg.fields()) == set(FIELDS)
    assert "kept the dynamic fields" in output
    home = pkg.server.home
    assert not (home / "Kernel/GenericInterface/Operation/RadiantMeta").exists()
    assert not (home / "var/packagesetup/RadiantExt").exists()


def test_uninstall_deletes_the_fields_when_told(pkg: Package) -> None:
    if pkg.had_fields:
        pytest.skip("the Radiant* fields existed before the tests: they are not deleted here")
    pkg.delete_fields()  # made by the first install; kept by the uninstall
    assert not pkg.fields()
    output = pkg.console("Admin::Package::Install", str(pkg.opm["1.0.0"]))
    assert output.count("created dynamic field") == len(FIELDS)
    pkg.console("Admin::Config::Update", "--setting-name",
                "RadiantExt::Uninstall::DeleteDynamicFields", "--value", "1")
    output = pkg.console("Admin::Package::Uninstall", "RadiantExt")
    assert output.count("deleted dynamic field") == len(FIELDS)
    assert not pkg.fields()
    assert pkg.installed() is None


def test_an_existing_web_service_is_kept(pkg: Package) -> None:
    if pkg.had_provider:
        pytest.skip(f"{PROVIDER} existed before the tests: the install above kept it already")
    source = "GenericTicketConnectorREST." + (
        "otrs6" if pkg.server.release < (6, 1) else "znuny") + ".yml"
    copy = pkg.tmp / source
    shutil.copy(REPO / "deploy" / "znuny" / source, copy)
    copy.chmod(0o644)
    pkg.console("Admin::WebService::Add", "--name", PROVIDER, "--source-path", str(copy))
    before = pkg.provider_config()
    try:
        output = pkg.console("Admin::Package::Install", str(pkg.opm["1.0.0"]))
        assert f"web service {PROVIDER} exists: left as it was" in output
        assert f"added operation(s) RadiantMetaDescribe to web service {PROVIDER}" in output
        assert pkg.describe().package_version == "1.0.0"
        output = pkg.console("Admin::Package::Uninstall", "RadiantExt")
        assert f"removed operation RadiantMetaDescribe and its route from web service {PROVIDER}" \
            in output
        assert PROVIDER in pkg.webservices()
        assert pkg.provider_config() == before
        with pkg.client() as client, pytest.raises(e.RouteNotFoundError):
            client.describe()
    finally:
        if pkg.installed():
            pkg.console("Admin::Package::Uninstall", "RadiantExt", check=False)
        ids = re.findall(rf"^\s+{PROVIDER} \((\d+)\)$",
                         pkg.console("Admin::WebService::List"), re.MULTILINE)
        for ws_id in ids:
            pkg.console("Admin::WebService::Delete", "--webservice-id", ws_id)
        if not pkg.had_fields:
            pkg.delete_fields()
