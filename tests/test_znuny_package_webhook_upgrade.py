"""The Znuny package's install steps bring an existing ``RadiantWebhook`` up to the package's
file: missing invokers (``TicketStateUpdateHook``, which the workflow guard needs) and events
are added, the shop's URL, user, secret, timeout, error handling and validity stay.

The package's Perl (``var/packagesetup/RadiantExt.pm``, ``_EnsureWebhook``) runs here against
a recording stand-in for Znuny's object manager, with the web service files as JSON (a YAML
subset) so that core Perl is enough; the whole package is installed and upgraded on real
servers by ``tests/live/test_znuny_package.py``.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "znuny-package"
WEBHOOK_FILE = REPO / "deploy" / "znuny" / "RadiantWebhook.yml"
SHOP_HOST = "https://portal.shop.example"
SHOP_SECRET = "shop-secret-0123456789"

pytestmark = pytest.mark.skipif(shutil.which("perl") is None, reason="needs perl")

STUB_VARIABLE_CHECK = """package Kernel::System::VariableCheck;
use strict; use warnings;
use Exporter 'import';
our @EXPORT_OK = qw(IsHashRefWithData);
our %EXPORT_TAGS = ( all => \\@EXPORT_OK );
sub IsHashRefWithData { my $V = shift; return ref $V eq 'HASH' && %{$V} ? 1 : 0 }
1;
"""

RUN = r"""use strict; use warnings; use JSON::PP;
my ( $Home, $StateFile ) = @ARGV;
my $State = JSON::PP->new->decode( do { local ( @ARGV, $/ ) = $StateFile; <> } );
my @Updates;
{
    package Stub;
    sub new { my ( $Class, %P ) = @_; return bless {%P}, $Class }
    our $AUTOLOAD;
    sub AUTOLOAD {
        my ( $Self, %P ) = @_;
        ( my $Name = $AUTOLOAD ) =~ s/.*:://;
        return if $Name eq 'DESTROY';
        my $Code = $Self->{$Name} or die "unexpected call $Name\n";
        return $Code->(%P);
    }
}
my %Objects = (
    'Kernel::Config' => Stub->new( Get => sub { return $Home } ),
    'Kernel::System::Main' => Stub->new( FileRead => sub {
        my %P = @_;
        open my $FH, '<:encoding(UTF-8)', $P{Location} or return;
        local $/;
        my $Content = <$FH>;
        return \$Content;
    } ),
    'Kernel::System::YAML' => Stub->new(
        Load => sub { my %P = @_; return JSON::PP->new->decode( $P{Data} ) } ),
    'Kernel::System::GenericInterface::Webservice' => Stub->new(
        WebserviceGet => sub { return $State->{Webservice} },
        WebserviceUpdate => sub { my %P = @_; push @Updates, {%P}; return 1 },
    ),
    'Kernel::System::SystemData' => Stub->new(
        SystemDataGroupGet => sub { return %{ $State->{SystemData} || {} } } ),
    'Kernel::System::Log' => Stub->new( Log => sub { return 1 }, GetLogEntry => sub { return '' } ),
);
{
    package FakeOM;
    sub Get { my ( $Self, $Name ) = @_; return $Objects{$Name} || die "no object $Name\n" }
}
$Kernel::OM = bless {}, 'FakeOM';
require var::packagesetup::RadiantExt;
my $Setup = var::packagesetup::RadiantExt->new();
my @Runs;
for ( 1 .. 2 ) {    # the second run (a reinstall) finds nothing more to add
    $Setup->_EnsureWebhook();
    push @Runs, { Notes => $Setup->{Notes}, Updates => [@Updates] };
    $Setup->{Notes} = [];
    @Updates = ();
}
print JSON::PP->new->canonical->encode( \@Runs );
"""


def _file() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WEBHOOK_FILE.read_text(encoding="utf-8"))
    return loaded


def _shop(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` as a shop set it up: its URL, secret and a longer timeout."""
    shop = copy.deepcopy(config)
    transport = shop["Requester"]["Transport"]["Config"]
    transport["Host"], transport["Timeout"] = SHOP_HOST, "30"
    transport["Authentication"]["BasicAuthPassword"] = SHOP_SECRET
    return shop


def _older() -> dict[str, Any]:
    """The RadiantWebhook an older package imported: no TicketStateUpdateHook."""
    old = _shop(_file())
    del old["Requester"]["Invoker"]["TicketStateUpdateHook"]
    del old["Requester"]["Transport"]["Config"]["InvokerControllerMapping"][
        "TicketStateUpdateHook"]
    return old


def _ensure(tmp_path: Path, config: dict[str, Any], created: bool = False
            ) -> list[dict[str, Any]]:
    """Run the package's ``_EnsureWebhook`` twice on a Znuny whose RadiantWebhook (id 7,
    valid) has ``config``; each run's notes and web service updates."""
    home = tmp_path / "home"
    (home / "Kernel/GenericInterface/Invoker/Ticket").mkdir(parents=True)
    (home / "Kernel/GenericInterface/Invoker/Ticket/Generic.pm").write_text("1;\n")
    (home / "var/packagesetup/RadiantExt").mkdir(parents=True)
    (home / "var/packagesetup/RadiantExt/RadiantWebhook.yml").write_text(json.dumps(_file()))
    stubs = tmp_path / "stubs/Kernel/System"
    stubs.mkdir(parents=True)
    (stubs / "VariableCheck.pm").write_text(STUB_VARIABLE_CHECK)
    state = {"Webservice": {"ID": 7, "Name": "RadiantWebhook", "ValidID": 1, "Config": config},
             "SystemData": {"Created::Webservice::RadiantWebhook": "7"}
             if created else {}}
    (tmp_path / "state.json").write_text(json.dumps(state))
    (tmp_path / "run.pl").write_text(RUN)
    done = subprocess.run(["perl", "-I", str(tmp_path / "stubs"), "-I", str(SOURCE),
                           str(tmp_path / "run.pl"), str(home), str(tmp_path / "state.json")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    runs: list[dict[str, Any]] = json.loads(done.stdout)
    return runs


def test_an_older_webhook_gets_the_state_update_invoker_and_keeps_url_and_secret(
        tmp_path: Path) -> None:
    old = _older()
    first, second = _ensure(tmp_path, copy.deepcopy(old), created=True)
    assert first["Notes"] == [
        "added invoker TicketStateUpdateHook (TicketStateUpdate) to web service RadiantWebhook "
        "(its URL, user, secret and validity kept)"]
    [update] = first["Updates"]
    assert (update["ID"], update["Name"], update["ValidID"]) == (7, "RadiantWebhook", 1)
    config, wanted = update["Config"], _file()
    assert config["Requester"]["Invoker"] == wanted["Requester"]["Invoker"]
    transport = config["Requester"]["Transport"]["Config"]
    assert transport["InvokerControllerMapping"]["TicketStateUpdateHook"] == {
        "Command": "POST", "Controller": "/-/znuny/webhook/state-update"}
    assert (transport["Host"], transport["Timeout"]) == (SHOP_HOST, "30")
    assert transport["Authentication"] == old["Requester"]["Transport"]["Config"][
        "Authentication"]
    assert config["Requester"]["ErrorHandling"] == old["Requester"]["ErrorHandling"]
    # everything but the invoker and its mapping is the shop's, unchanged
    assert {k: v for k, v in config.items() if k != "Requester"} == {
        k: v for k, v in old.items() if k != "Requester"}
    assert second == {"Notes": [], "Updates": []}


def test_a_hand_imported_webhook_gets_a_missing_event(tmp_path: Path) -> None:
    old = _shop(_file())
    old["Requester"]["Invoker"]["TicketStateUpdateHook"]["Events"] = []
    first, second = _ensure(tmp_path, old)
    assert first["Notes"] == [
        "added event TicketStateUpdate to invoker TicketStateUpdateHook to web service "
        "RadiantWebhook (its URL, user, secret and validity kept)"]
    [update] = first["Updates"]
    assert update["Config"]["Requester"]["Invoker"]["TicketStateUpdateHook"]["Events"] == [
        {"Asynchronous": "1", "Event": "TicketStateUpdate"}]
    assert second == {"Notes": ["web service RadiantWebhook exists: left as it was"],
                      "Updates": []}


def test_a_current_webhook_is_left_as_it_was(tmp_path: Path) -> None:
    created, found = _ensure(tmp_path / "a", _shop(_file()), created=True), \
        _ensure(tmp_path / "b", _shop(_file()))
    assert created[0] == {"Notes": [], "Updates": []}
    assert found[0] == {"Notes": ["web service RadiantWebhook exists: left as it was"],
                        "Updates": []}


def test_conflicts_are_reported_with_the_fix_and_left_alone(tmp_path: Path) -> None:
    taken = _older()
    taken["Requester"]["Invoker"]["TicketStateUpdateHook"] = {
        "Type": "Test::Test", "Events": [{"Event": "TicketStateUpdate", "Asynchronous": "1"}]}
    [run, _again] = _ensure(tmp_path / "a", taken)
    assert run["Updates"] == []
    assert run["Notes"][0].startswith(
        "WARNING: web service RadiantWebhook has an invoker TicketStateUpdateHook of type "
        "Test::Test, not Ticket::Generic: left as it is; rename or delete it, then reinstall")
    soap = _older()
    soap["Requester"]["Transport"] = {"Type": "HTTP::SOAP", "Config": {"Endpoint": SHOP_HOST}}
    [run, _again] = _ensure(tmp_path / "b", soap)
    assert run["Updates"] == []
    assert run["Notes"][0].startswith(
        "WARNING: web service RadiantWebhook is not REST: invoker TicketStateUpdateHook "
        "(TicketStateUpdate) not added")
