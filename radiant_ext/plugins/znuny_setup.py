"""What the catalogs need in Znuny, and a Perl script that creates it through Znuny's API.

Znuny's console creates types, queues and services, but no SLA, no link of an SLA to its
services and no link of a service to every customer (``<DEFAULT>``); OTRS 6.0 has no console
command for dynamic fields either. ``radiant-ext plugins znuny-names --perl`` writes one script
for all of it, run on the Znuny host as Znuny's OS user (docs/znuny-setup.md, step 6):

    perl radiant-znuny-names.pl /opt/znuny

It creates what is missing and changes nothing that exists, so it may run again after a catalog
changes. The same script serves ((OTRS)) 6.0, Znuny 6.5 and 7.0 (the API calls it makes are
the same there).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from radiant_ext.plugins.catalog import CatalogItem
from radiant_ext.plugins.znuny_meta import RADIANT_DYNAMIC_FIELDS

__all__ = ["SLANeed", "ZnunyNeeds", "perl_script", "znuny_needs"]


@dataclass(frozen=True)
class SLANeed:
    """One SLA: the services it must be linked to, and its solution time in minutes (0: the
    items that use it promise different times, so none is set)."""

    services: tuple[str, ...]
    solution_minutes: int
    promises: tuple[int, ...] = ()


@dataclass(frozen=True)
class ZnunyNeeds:
    """Names the catalog items route to. Queues and services list each parent before its
    children (``IT`` before ``IT::Stores``)."""

    types: tuple[str, ...]
    queues: tuple[str, ...]
    services: tuple[str, ...]
    slas: dict[str, SLANeed] = field(default_factory=dict)
    agents: tuple[str, ...] = ()
    dynamic_fields: tuple[str, ...] = tuple(RADIANT_DYNAMIC_FIELDS)
    states: dict[str, str] = field(default_factory=dict)
    """Ticket states the items' declared workflows and approvals name, with their state type
    (stock states such as ``new`` among them: the script skips what exists)."""


def _with_parents(names: Iterable[str]) -> tuple[str, ...]:
    out: set[str] = set()
    for name in names:
        parts = name.split("::")
        out.update("::".join(parts[: i + 1]) for i in range(len(parts)))
    return tuple(sorted(out, key=lambda n: (n.count("::"), n)))


def znuny_needs(items: Iterable[CatalogItem]) -> ZnunyNeeds:
    """Collect the types, queues, services, SLAs and owner agents ``items`` route to."""
    types: set[str] = set()
    queues: set[str] = set()
    services: set[str] = set()
    agents: set[str] = set()
    states: dict[str, str] = {}
    sla_services: dict[str, set[str]] = {}
    sla_promises: dict[str, set[int]] = {}
    for item in items:
        r = item.routing
        types.add(r.type)
        queues.add(r.queue)
        if r.service:
            services.add(r.service)
        if r.sla and r.service:
            sla_services.setdefault(r.sla, set()).add(r.service)
            sla_promises.setdefault(r.sla, set()).add(round(item.deadline.business_hours * 60))
        agents.update(a for a in (r.owner, *r.owner_pool) if a)
        if item.workflow is not None:
            states.update((step.state, step.state_type) for step in item.workflow.steps)
        if item.approval is not None:
            states[item.approval.state] = "pending reminder"
    slas = {}
    for name in sorted(sla_services):
        promises = tuple(sorted(sla_promises[name]))
        slas[name] = SLANeed(services=tuple(sorted(sla_services[name])),
                             solution_minutes=promises[0] if len(promises) == 1 else 0,
                             promises=promises)
    return ZnunyNeeds(types=tuple(sorted(types)), queues=_with_parents(queues),
                      services=_with_parents(services), slas=slas, agents=tuple(sorted(agents)),
                      states=dict(sorted(states.items())))


def _q(text: str) -> str:
    """A Perl single-quoted string."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _list(values: Iterable[str]) -> str:
    return "(" + ", ".join(_q(v) for v in values) + ")"


def perl_script(needs: ZnunyNeeds, *, group: str = "users", email_domain: str = "example.com",
                source: str = "") -> str:
    """The Perl script that creates ``needs`` in Znuny (see the module docstring).

    :param group: the group new queues belong to; new owner agents get ``rw`` on it.
    :param email_domain: new owner agents get the address ``<login>@<email_domain>``.
    :param source: a line saying where the names come from (printed in the script's header).
    """
    slas = ",\n".join(
        f"    {_q(name)} => {{ Services => [{', '.join(_q(s) for s in need.services)}], "
        f"SolutionTime => {need.solution_minutes} }}"
        for name, need in needs.slas.items())
    header = f"# {source}\n" if source else ""
    states = ",\n".join(f"    {_q(name)} => {_q(kind)}" for name, kind in needs.states.items())
    return _TEMPLATE.format(
        header=header, group=_q(group), domain=_q(email_domain),
        types=_list(needs.types), queues=_list(needs.queues), services=_list(needs.services),
        slas=slas, agents=_list(needs.agents), states=states,
    )


_TEMPLATE = r"""#!/usr/bin/perl
# The Znuny names the radiant_ext catalogs route to, written by `radiant-ext plugins
# znuny-names --perl` (docs/znuny-setup.md, step 6).
{header}#
# Run it on the Znuny host as Znuny's OS user (znuny on Znuny 7, otrs on Znuny 6.5 and OTRS 6):
#   perl radiant-znuny-names.pl /opt/znuny
# It creates what is missing — the ticket dynamic fields, types, queues, services (each
# linked to every customer, <DEFAULT>), SLAs (linked to their services), the ticket states of
# the workflows and approvals, and the catalogs' owner agents — and changes nothing that
# exists, except that an SLA gets the services it lacks.
# Running it again is harmless.
use strict;
use warnings;
use utf8;

my $Home;

BEGIN {{
    $Home = shift @ARGV or die "usage: perl $0 ZNUNY_HOME (e.g. /opt/znuny)\n";
    unshift @INC, $Home, "$Home/Kernel/cpan-lib", "$Home/Custom";
}}

use Kernel::System::ObjectManager;

binmode STDOUT, ':encoding(UTF-8)';
local $Kernel::OM = Kernel::System::ObjectManager->new(
    'Kernel::System::Log' => {{ LogPrefix => 'radiant-znuny-names' }},
);

my $Group       = {group};
my $EmailDomain = {domain};
my @Types       = {types};
my @Queues      = {queues};
my @Services    = {services};
my %SLAs        = (
{slas}
);
my @Agents = {agents};
my %States = (
{states}
);

my $UserID = 1;
my $Problems = 0;

sub Say {{ print @_, "\n"; return; }}

sub Failed {{
    my ($What) = @_;
    my $Reason = $Kernel::OM->Get('Kernel::System::Log')
        ->GetLogEntry( Type => 'error', What => 'Message' ) || 'no reason logged';
    print STDERR "FAILED $What: $Reason\n";
    $Problems++;
    return;
}}

my $GroupID = $Kernel::OM->Get('Kernel::System::Group')->GroupLookup( Group => $Group )
    or die "no group '$Group' in Znuny\n";

# the ticket dynamic fields the companion writes (the Znuny package creates them too)
my $DFObject = $Kernel::OM->Get('Kernel::System::DynamicField');
my @Fields = (
    [ 'RadiantRequestID', 'Portal request',    'Text' ],
    [ 'RadiantCategory',  'Request category',  'Text' ],
    [ 'RadiantStore',     'Store',             'Text' ],
    [ 'RadiantDeadline',  'Promised deadline', 'DateTime' ],
    [ 'RadiantParent',    'Parent request',    'Text' ],
);
for my $Field (@Fields) {{
    my ( $Name, $Label, $Type ) = @{{$Field}};
    my $Existing = $DFObject->DynamicFieldGet( Name => $Name );
    if ( $Existing && $Existing->{{ID}} ) {{
        if ( $Existing->{{ObjectType}} ne 'Ticket' || $Existing->{{FieldType}} ne $Type ) {{
            print STDERR "PROBLEM dynamic field $Name is "
                . "$Existing->{{ObjectType}}/$Existing->{{FieldType}}, "
                . "the companion needs Ticket/$Type: rename or delete it\n";
            $Problems++;
        }}
        next;
    }}
    my %Config = $Type eq 'DateTime'
        ? ( DefaultValue => 0, YearsPeriod => 0, YearsInFuture => 5, YearsInPast => 5,
            DateRestriction => '', Link => '', LinkPreview => '' )
        : ( DefaultValue => '', Link => '', LinkPreview => '' );
    my $Order = 1 + scalar @{{
        $DFObject->DynamicFieldList( Valid => 0, ResultType => 'array' ) || []
    }};
    $DFObject->DynamicFieldAdd(
        Name => $Name, Label => $Label, FieldOrder => $Order, FieldType => $Type,
        ObjectType => 'Ticket', Config => \%Config, ValidID => 1, UserID => $UserID,
    ) or Failed("dynamic field $Name") or next;
    Say("created dynamic field $Name ($Type)");
}}

# types
my $TypeObject = $Kernel::OM->Get('Kernel::System::Type');
my %TypeID = reverse $TypeObject->TypeList( Valid => 0 );
for my $Name (@Types) {{
    next if $TypeID{{$Name}};
    $TypeObject->TypeAdd( Name => $Name, ValidID => 1, UserID => $UserID )
        or Failed("type $Name") or next;
    Say("created type $Name");
}}

# queues (a parent before its children)
my $QueueObject = $Kernel::OM->Get('Kernel::System::Queue');
my %QueueID = reverse $QueueObject->QueueList( Valid => 0 );
for my $Name (@Queues) {{
    next if $QueueID{{$Name}};
    $QueueObject->QueueAdd(
        Name => $Name, GroupID => $GroupID, SystemAddressID => 1, SalutationID => 1,
        SignatureID => 1, FollowUpID => 1, FollowUpLock => 0, ValidID => 1,
        Comment => 'radiant_ext catalogs', UserID => $UserID,
    ) or Failed("queue $Name") or next;
    Say("created queue $Name (group $Group)");
}}

# services, each linked to every customer (<DEFAULT>): Znuny refuses a customer's ticket for
# a service the customer is not linked to
my $ServiceObject = $Kernel::OM->Get('Kernel::System::Service');
my %ServiceID = reverse $ServiceObject->ServiceList( Valid => 0, UserID => $UserID );
my %Linked = $ServiceObject->CustomerUserServiceMemberList(
    CustomerUserLogin => '<DEFAULT>', Result => 'HASH', DefaultServices => 0,
);
for my $Name (@Services) {{
    my $ID = $ServiceID{{$Name}};
    if ( !$ID ) {{
        my ( $Parent, $Leaf ) = $Name =~ /^(.*)::(.*?)$/ ? ( $1, $2 ) : ( undef, $Name );
        $ID = $ServiceObject->ServiceAdd(
            Name => $Leaf, ParentID => $Parent ? $ServiceID{{$Parent}} : undef, ValidID => 1,
            Comment => 'radiant_ext catalogs', UserID => $UserID,
        ) or Failed("service $Name") or next;
        $ServiceID{{$Name}} = $ID;
        Say("created service $Name");
    }}
    next if $Linked{{$ID}};
    $ServiceObject->CustomerUserServiceMemberAdd(
        CustomerUserLogin => '<DEFAULT>', ServiceID => $ID, Active => 1, UserID => $UserID,
    ) or Failed("link of service $Name to every customer") or next;
    Say("linked service $Name to every customer (<DEFAULT>)");
}}

# SLAs, linked to their services
my $SLAObject = $Kernel::OM->Get('Kernel::System::SLA');
my %SLAID = reverse $SLAObject->SLAList( Valid => 0, UserID => $UserID );
for my $Name ( sort keys %SLAs ) {{
    my @Wanted = grep {{defined}} map {{ $ServiceID{{$_}} }} @{{ $SLAs{{$Name}}->{{Services}} }};
    if ( !$SLAID{{$Name}} ) {{
        $SLAObject->SLAAdd(
            Name => $Name, ServiceIDs => \@Wanted, FirstResponseTime => 0,
            SolutionTime => $SLAs{{$Name}}->{{SolutionTime}}, ValidID => 1,
            Comment => 'radiant_ext catalogs', UserID => $UserID,
        ) or Failed("SLA $Name") or next;
        Say("created SLA $Name (solution time $SLAs{{$Name}}->{{SolutionTime}} minutes)");
        next;
    }}
    my %SLA = $SLAObject->SLAGet( SLAID => $SLAID{{$Name}}, UserID => $UserID );
    my %Have = map {{ $_ => 1 }} @{{ $SLA{{ServiceIDs}} || [] }};
    my @Missing = grep {{ !$Have{{$_}} }} @Wanted;
    next if !@Missing;
    $SLAObject->SLAUpdate(
        %SLA, SLAID => $SLAID{{$Name}}, ServiceIDs => [ keys %Have, @Missing ], UserID => $UserID,
    ) or Failed("SLA $Name") or next;
    Say("linked SLA $Name to " . scalar(@Missing) . " more service(s)");
}}

# ticket states of the workflows and approvals (no console command creates states); a state
# that exists with another state type is a problem, left as it is
my $StateObject = $Kernel::OM->Get('Kernel::System::State');
my %StateID = reverse $StateObject->StateList( UserID => $UserID, Valid => 0 );
my %StateTypeID = reverse $StateObject->StateTypeList( UserID => $UserID );
for my $Name ( sort keys %States ) {{
    if ( $StateID{{$Name}} ) {{
        my %State = $StateObject->StateGet( ID => $StateID{{$Name}} );
        next if ( $State{{TypeName}} // '' ) eq $States{{$Name}};
        print STDERR "PROBLEM ticket state $Name has state type $State{{TypeName}}, "
            . "the catalogs need $States{{$Name}}\n";
        $Problems++;
        next;
    }}
    my $TypeID = $StateTypeID{{ $States{{$Name}} }};
    if ( !$TypeID ) {{
        print STDERR "PROBLEM no state type $States{{$Name}} for ticket state $Name\n";
        $Problems++;
        next;
    }}
    $StateObject->StateAdd(
        Name => $Name, TypeID => $TypeID, Comment => 'radiant_ext catalogs', ValidID => 1,
        UserID => $UserID,
    ) or Failed("ticket state $Name") or next;
    Say("created ticket state $Name ($States{{$Name}})");
}}

# the catalogs' owner agents: placeholders for the people who take the tickets, with a random
# password until you set one (Admin::User::SetPassword), rw on the queues' group
my $UserObject = $Kernel::OM->Get('Kernel::System::User');
for my $Login (@Agents) {{
    next if $UserObject->UserLookup( UserLogin => $Login, Silent => 1 );
    my $ID = $UserObject->UserAdd(
        UserFirstname => $Login, UserLastname => '(radiant_ext owner)', UserLogin => $Login,
        UserEmail => "$Login\@$EmailDomain", ValidID => 1, ChangeUserID => $UserID,
    ) or Failed("agent $Login") or next;
    $Kernel::OM->Get('Kernel::System::Group')->PermissionGroupUserAdd(
        GID => $GroupID, UID => $ID, Permission => {{ rw => 1 }}, UserID => $UserID,
    ) or Failed("rw of agent $Login on $Group") or next;
    Say("created agent $Login (rw on $Group; set a password with Admin::User::SetPassword)");
}}

Say( $Problems ? "$Problems problem(s)" : 'done' );
exit( $Problems ? 1 : 0 );
"""
