#!/usr/bin/perl
# Provision a Znuny / ((OTRS)) CE tree for radiant_ext through Znuny's own Perl API.
#
# Run as the tree's OS user (it writes Znuny's cache files):
#   perl provision.pl ZNUNY_HOME
# Everything is idempotent: objects that exist are left alone or brought to the wanted state.
#
# Input comes from the environment (passwords never travel on the command line):
#   RZ_CATALOGS            colon-separated catalog YAML files (department plugins, and the
#                          companion's catalog directory: its stores' managers)
#   RZ_WEBSERVICE_FILE     provider web service YAML, imported as RZ_WEBSERVICE_NAME
#   RZ_WEBSERVICE_NAME     default GenericTicketConnectorREST
#   RZ_WEBHOOK_FILE        requester web service YAML (RadiantWebhook); empty: none
#   RZ_WEBHOOK_URL, RZ_WEBHOOK_USER, RZ_WEBHOOK_SECRET
#   RZ_ADMIN_PASSWORD      root@localhost
#   RZ_AGENT_LOGIN, RZ_AGENT_PASSWORD          the companion's agent (radiant)
#   RZ_OWNER_PASSWORD      the catalogs' owner agents (it-agent, ...)
#   RZ_LIVE_CUSTOMER, RZ_LIVE_CUSTOMER_PASSWORD, RZ_LIVE_CUSTOMER_COMPANY
#   RZ_LIVE_OTHER, RZ_LIVE_OTHER_PASSWORD, RZ_LIVE_OTHER_COMPANY
#   RZ_LIVE_GUEST, RZ_LIVE_GUEST_PASSWORD, RZ_LIVE_GUEST_COMPANY   (an outside customer)
#   RZ_COMPANIES           extra customer companies, space separated (e.g. head-office)
#   RZ_APPROVER_PASSWORD   the approvers the catalogs name (stores' managers, departments'
#                          heads, an approval's login) as customer users
#   RZ_HEAD_OFFICE         the company of the heads and named approvers (default head-office)
#   RZ_NO_DYNAMIC_FIELDS   set: leave the Radiant* dynamic fields out (ZNUNY_PROVISION=minimal)
use strict;
use warnings;
use utf8;

my $Home;

BEGIN {
    $Home = shift @ARGV or die "usage: provision.pl ZNUNY_HOME\n";
    unshift @INC, $Home, "$Home/Kernel/cpan-lib", "$Home/Custom";
}

use Kernel::System::ObjectManager;

binmode STDOUT, ':encoding(UTF-8)';
binmode STDERR, ':encoding(UTF-8)';

local $Kernel::OM = Kernel::System::ObjectManager->new(
    'Kernel::System::Log' => { LogPrefix => 'radiant-provision' },
);

my @Problems;
my %Count = ( created => 0, updated => 0 );

sub Env {
    my ( $Name, $Default ) = @_;
    my $Value = $ENV{$Name};
    return defined $Value && $Value ne '' ? $Value : $Default;
}

sub Say { print @_, "\n"; return; }

sub Fail {
    my ($What) = @_;
    my $Reason = $Kernel::OM->Get('Kernel::System::Log')->GetLogEntry(
        Type => 'error',
        What => 'Message',
    ) || 'no reason logged';
    push @Problems, "$What: $Reason";
    print STDERR "FAILED $What: $Reason\n";
    return;
}

sub Done {
    my ( $Kind, $What ) = @_;
    $Count{$Kind}++;
    Say("$Kind $What");
    return;
}

my $Main = $Kernel::OM->Get('Kernel::System::Main');
my $YAML = $Kernel::OM->Get('Kernel::System::YAML');

sub ReadYAML {
    my ($File) = @_;
    my $Content = $Main->FileRead( Location => $File );
    die "cannot read $File\n" if !$Content;
    my $Data = $YAML->Load( Data => ${$Content} );
    die "cannot parse $File\n" if !defined $Data;
    return $Data;
}

# --------------------------------------------------------------------------------------------
# What the catalogs name
my ( %Queues, %Services, %SLAServices, %Types, %Owners, %Priorities, %Companies );
my ( %States, %Approvers );    # state => state type; approver login => company
my $HeadOffice = Env( 'RZ_HEAD_OFFICE', 'head-office' );
for my $File ( grep {length} split /:/, Env( 'RZ_CATALOGS', '' ) ) {
    my $Data = ReadYAML($File);
    my $Department = ref $Data->{department} eq 'HASH' ? $Data->{department} : {};
    $Approvers{$_} ||= $HeadOffice for @{ $Department->{heads} || [] };
    for my $Store ( @{ $Data->{stores} || [] } ) {
        $Approvers{$_} = $Store->{id} for @{ $Store->{managers} || [] };
    }
    for my $Item ( @{ $Data->{items} || [] } ) {
        # the workflow's steps and the state an approval waits in (radiant-ext check checks them)
        my $Workflow = ref $Item->{workflow} eq 'HASH' ? $Item->{workflow} : {};
        for my $Step ( @{ $Workflow->{steps} || [] } ) {
            $States{ $Step->{state} } = $Step->{state_type} if $Step->{state} && $Step->{state_type};
        }
        if ( my $Approval = $Item->{approval} ) {
            $States{ $Approval->{state} || 'waiting for approval' } = 'pending reminder';
            $Approvers{ $Approval->{login} } ||= $HeadOffice if $Approval->{login};
        }
        my $R = $Item->{routing} || next;
        $Types{ $R->{type} } = 1 if $R->{type};
        if ( $R->{queue} ) {
            my @Parts = split /::/, $R->{queue};
            $Queues{ join '::', @Parts[ 0 .. $_ ] } = 1 for 0 .. $#Parts;
        }
        if ( $R->{service} ) {
            my @Parts = split /::/, $R->{service};
            $Services{ join '::', @Parts[ 0 .. $_ ] } = 1 for 0 .. $#Parts;
            $SLAServices{ $R->{sla} }->{ $R->{service} } = 1 if $R->{sla};
        }
        $Owners{ $R->{owner} } = 1 if $R->{owner};
        $Owners{$_} = 1 for @{ $R->{owner_pool} || [] };
        $Priorities{ $R->{priority} } = 1 if $R->{priority};
        my $Visibility = $Item->{visibility} || {};
        $Companies{$_} = 1 for @{ $Visibility->{companies} || [] };
    }
}

my $AdminID = 1;
my $GroupObject = $Kernel::OM->Get('Kernel::System::Group');
my $UsersGroupID = $GroupObject->GroupLookup( Group => 'users' )
    or die "group 'users' not found\n";

# --------------------------------------------------------------------------------------------
# Agents
my $UserObject = $Kernel::OM->Get('Kernel::System::User');

sub EnsureAgent {
    my (%Param) = @_;
    my $Login = $Param{Login};
    my $UserID = $UserObject->UserLookup( UserLogin => $Login, Silent => 1 );
    if ( !$UserID ) {
        $UserID = $UserObject->UserAdd(
            UserFirstname => $Param{First},
            UserLastname  => $Param{Last},
            UserLogin     => $Login,
            UserEmail     => $Param{Email} || "$Login\@example.com",
            ValidID       => 1,
            ChangeUserID  => $AdminID,
        ) or return Fail("agent $Login");
        Done( created => "agent $Login" );
    }
    else {
        my %User = $UserObject->GetUserData( UserID => $UserID );
        if ( ( $User{ValidID} // 1 ) != 1 ) {
            $UserObject->UserUpdate(
                %User,
                UserID       => $UserID,
                ValidID      => 1,
                ChangeUserID => $AdminID,
            ) or return Fail("agent $Login valid");
            Done( updated => "agent $Login valid" );
        }
    }
    if ( defined $Param{Password} ) {
        $UserObject->SetPassword( UserLogin => $Login, PW => $Param{Password} )
            or return Fail("password of $Login");
    }
    for my $GroupID ( @{ $Param{GroupIDs} || [] } ) {
        $GroupObject->PermissionGroupUserAdd(
            GID        => $GroupID,
            UID        => $UserID,
            Permission => { rw => 1 },
            UserID     => $AdminID,
        ) or return Fail("rw of $Login on group $GroupID");
    }
    return $UserID;
}

$UserObject->SetPassword( UserLogin => 'root@localhost', PW => Env('RZ_ADMIN_PASSWORD') )
    or Fail('password of root@localhost')
    if Env('RZ_ADMIN_PASSWORD');

EnsureAgent(
    Login    => Env( 'RZ_AGENT_LOGIN', 'radiant' ),
    First    => 'Radiant',
    Last     => 'Companion',
    Email    => 'radiant@example.com',
    Password => Env('RZ_AGENT_PASSWORD'),
    GroupIDs => [$UsersGroupID],
);
for my $Login ( sort keys %Owners ) {
    EnsureAgent(
        Login    => $Login,
        First    => ucfirst( ( split /-/, $Login )[0] ),
        Last     => 'Agent',
        Password => Env('RZ_OWNER_PASSWORD'),
        GroupIDs => [$UsersGroupID],
    );
}

# --------------------------------------------------------------------------------------------
# Ticket dynamic fields
my $DFObject = $Kernel::OM->Get('Kernel::System::DynamicField');
my %DateTimeConfig = (
    DefaultValue => 0, YearsPeriod => 0, YearsInFuture => 5, YearsInPast => 5,
    DateRestriction => '', Link => '', LinkPreview => '',
);
my @Fields = (
    [ RadiantRequestID => 'Portal request',    'Text',     { DefaultValue => '', Link => '', LinkPreview => '' } ],
    [ RadiantCategory  => 'Request category',  'Text',     { DefaultValue => '', Link => '', LinkPreview => '' } ],
    [ RadiantStore     => 'Store',             'Text',     { DefaultValue => '', Link => '', LinkPreview => '' } ],
    [ RadiantDeadline  => 'Promised deadline', 'DateTime', \%DateTimeConfig ],
    [ RadiantParent    => 'Parent request',    'Text',     { DefaultValue => '', Link => '', LinkPreview => '' } ],
);
for my $Field ( Env('RZ_NO_DYNAMIC_FIELDS') ? () : @Fields ) {
    my ( $Name, $Label, $Type, $Config ) = @{$Field};
    my $Existing = $DFObject->DynamicFieldGet( Name => $Name );
    if ( !$Existing || !$Existing->{ID} ) {
        my $Order = 1 + scalar @{ $DFObject->DynamicFieldList( Valid => 0, ResultType => 'array' ) || [] };
        $DFObject->DynamicFieldAdd(
            Name       => $Name,
            Label      => $Label,
            FieldOrder => $Order,
            FieldType  => $Type,
            ObjectType => 'Ticket',
            Config     => {%$Config},
            ValidID    => 1,
            UserID     => $AdminID,
        ) or Fail("dynamic field $Name") or next;
        Done( created => "dynamic field $Name" );
        next;
    }
    if ( $Existing->{FieldType} ne $Type || $Existing->{ObjectType} ne 'Ticket' ) {
        push @Problems, "dynamic field $Name exists as $Existing->{ObjectType}/$Existing->{FieldType}, "
            . "not Ticket/$Type: delete it in Admin -> Dynamic Fields";
        next;
    }
    if ( $Existing->{ValidID} != 1 ) {
        $DFObject->DynamicFieldUpdate( %$Existing, ValidID => 1, UserID => $AdminID, Reorder => 0 )
            or Fail("dynamic field $Name valid") or next;
        Done( updated => "dynamic field $Name valid" );
    }
}

# --------------------------------------------------------------------------------------------
# Types, priorities, queues, services, SLAs
# (lists instead of lookups: a lookup of a missing name logs an error)
my $TypeObject = $Kernel::OM->Get('Kernel::System::Type');
my %TypeByName = reverse $TypeObject->TypeList( Valid => 0 );
for my $Name ( sort keys %Types ) {
    next if $TypeByName{$Name};
    $TypeObject->TypeAdd( Name => $Name, ValidID => 1, UserID => $AdminID )
        or Fail("type $Name") or next;
    Done( created => "type $Name" );
}

my %PriorityNames = ( 1 => '1 very low', 2 => '2 low', 3 => '3 normal', 4 => '4 high', 5 => '5 very high' );
my $PriorityObject = $Kernel::OM->Get('Kernel::System::Priority');
my %KnownPriorities = reverse $PriorityObject->PriorityList( Valid => 1 );
for my $Level ( 1 .. 5 ) {    # rules may raise or lower any item to any level
    my $Name = $PriorityNames{$Level};
    next if $KnownPriorities{$Name};
    $PriorityObject->PriorityAdd( Name => $Name, ValidID => 1, UserID => $AdminID )
        or Fail("priority $Name") or next;
    Done( created => "priority $Name" );
}

# Ticket states of the catalogs' workflows and approvals that Znuny does not ship (the
# console has no command for states on any of the three releases; the Znuny package creates
# the same ones). A state that exists with another type is a problem, not changed.
my $StateObject = $Kernel::OM->Get('Kernel::System::State');
my %StateByName = reverse $StateObject->StateList( UserID => $AdminID, Valid => 0 );
my %StateTypeByName = reverse $StateObject->StateTypeList( UserID => $AdminID );
for my $Name ( sort keys %States ) {
    my $TypeName = $States{$Name};
    if ( my $ID = $StateByName{$Name} ) {
        my %State = $StateObject->StateGet( ID => $ID );
        push @Problems, "ticket state $Name is of type $State{TypeName}, the catalogs need $TypeName"
            if ( $State{TypeName} // '' ) ne $TypeName;
        next;
    }
    my $TypeID = $StateTypeByName{$TypeName};
    if ( !$TypeID ) {
        push @Problems, "no state type '$TypeName' for ticket state $Name";
        next;
    }
    $StateObject->StateAdd(
        Name    => $Name,
        TypeID  => $TypeID,
        Comment => 'radiant_ext catalogs',
        ValidID => 1,
        UserID  => $AdminID,
    ) or Fail("ticket state $Name") or next;
    Done( created => "ticket state $Name ($TypeName)" );
}

my $QueueObject = $Kernel::OM->Get('Kernel::System::Queue');
my %QueueByName = reverse $QueueObject->QueueList( Valid => 0 );
for my $Name ( sort keys %Queues ) {    # sorted: a parent comes before its children
    next if $QueueByName{$Name};
    $QueueObject->QueueAdd(
        Name            => $Name,
        GroupID         => $UsersGroupID,
        SystemAddressID => 1,
        SalutationID    => 1,
        SignatureID     => 1,
        FollowUpID      => 1,
        FollowUpLock    => 0,
        ValidID         => 1,
        Comment         => 'radiant_ext catalogs',
        UserID          => $AdminID,
    ) or Fail("queue $Name") or next;
    Done( created => "queue $Name" );
}

my $ServiceObject = $Kernel::OM->Get('Kernel::System::Service');
my %ServiceID = reverse $ServiceObject->ServiceList( Valid => 0, UserID => $AdminID );
my %Linked = $ServiceObject->CustomerUserServiceMemberList(
    CustomerUserLogin => '<DEFAULT>',
    Result            => 'HASH',
    DefaultServices   => 0,
);
for my $Name ( sort keys %Services ) {
    my $ID = $ServiceID{$Name};
    if ( !$ID ) {
        my ( $Parent, $Leaf ) = $Name =~ /^(.*)::(.*?)$/ ? ( $1, $2 ) : ( undef, $Name );
        $ID = $ServiceObject->ServiceAdd(
            Name     => $Leaf,
            ParentID => $Parent ? $ServiceID{$Parent} : undef,
            ValidID  => 1,
            Comment  => 'radiant_ext catalogs',
            UserID   => $AdminID,
        ) or Fail("service $Name") or next;
        Done( created => "service $Name" );
    }
    $ServiceID{$Name} = $ID;

    # GI TicketCreate as a customer refuses a service its customer user is not linked to
    next if $Linked{$ID};
    $ServiceObject->CustomerUserServiceMemberAdd(
        CustomerUserLogin => '<DEFAULT>',
        ServiceID         => $ID,
        Active            => 1,
        UserID            => $AdminID,
    ) or Fail("default customer link of service $Name") or next;
    Done( created => "default customer link of service $Name" );
}

# Escalation times of the demo world (sandbox/radiant_ext_sandbox/seeds/retail.py): first
# response and solution in minutes. Other SLAs get none.
my %SLATimes = (
    'POS critical'              => [ 30,  240 ],
    'IT standard'               => [ 120, 1440 ],
    'HR standard'               => [ 480, 1800 ],
    'Maintenance contract'      => [ 60,  360 ],
    'Customer Service standard' => [ 240, 1200 ],
);
my $SLAObject = $Kernel::OM->Get('Kernel::System::SLA');
my %SLAByName = reverse $SLAObject->SLAList( Valid => 0, UserID => $AdminID );
for my $Name ( sort keys %SLAServices ) {
    my @Wanted = grep {defined} map { $ServiceID{$_} } sort keys %{ $SLAServices{$Name} };
    my ( $FirstResponse, $Solution ) = @{ $SLATimes{$Name} || [ 0, 0 ] };
    my $SLAID = $SLAByName{$Name};
    if ( !$SLAID ) {
        $SLAObject->SLAAdd(
            Name              => $Name,
            ServiceIDs        => \@Wanted,
            FirstResponseTime => $FirstResponse,
            SolutionTime      => $Solution,
            ValidID           => 1,
            Comment           => 'radiant_ext catalogs',
            UserID            => $AdminID,
        ) or Fail("SLA $Name") or next;
        Done( created => "SLA $Name" );
        next;
    }
    my %SLA = $SLAObject->SLAGet( SLAID => $SLAID, UserID => $AdminID );
    my %Have = map { $_ => 1 } @{ $SLA{ServiceIDs} || [] };
    my @Missing = grep { !$Have{$_} } @Wanted;
    next if !@Missing && $SLA{ValidID} == 1;
    $SLAObject->SLAUpdate(
        %SLA,
        SLAID      => $SLAID,
        ServiceIDs => [ sort { $a <=> $b } keys %Have, @Missing ],
        ValidID    => 1,
        UserID     => $AdminID,
    ) or Fail("SLA $Name") or next;
    Done( updated => "SLA $Name (services linked, valid)" );
}

# --------------------------------------------------------------------------------------------
# Customer companies and customer users for the live tests
my $CompanyObject  = $Kernel::OM->Get('Kernel::System::CustomerCompany');
my $CustomerObject = $Kernel::OM->Get('Kernel::System::CustomerUser');
my @Customers = (
    [ Env( 'RZ_LIVE_CUSTOMER', 'live-customer' ), Env( 'RZ_LIVE_CUSTOMER_COMPANY', 'store-007' ),
        Env('RZ_LIVE_CUSTOMER_PASSWORD'), 'Live', 'Customer' ],
    [ Env( 'RZ_LIVE_OTHER', 'live-other' ), Env( 'RZ_LIVE_OTHER_COMPANY', 'store-001' ),
        Env('RZ_LIVE_OTHER_PASSWORD'), 'Live', 'Other' ],
    [ Env( 'RZ_LIVE_GUEST', 'live-guest' ), Env( 'RZ_LIVE_GUEST_COMPANY', 'public' ),
        Env('RZ_LIVE_GUEST_PASSWORD'), 'Live', 'Guest' ],
);
# the approvers (customer users: they decide in the portal), one password for all
if ( defined( my $Password = Env('RZ_APPROVER_PASSWORD') ) ) {
    my %Live = map { $_->[0] => 1 } @Customers;
    for my $Login ( sort grep { !$Live{$_} } keys %Approvers ) {
        my ( $First, $Last ) = map {ucfirst} ( split( /-/, $Login, 2 ), 'Approver' )[ 0, 1 ];
        push @Customers, [ $Login, $Approvers{$Login}, $Password, $First, $Last ];
    }
}
$Companies{$_} = 1 for ( map { $_->[1] } @Customers ), split ' ', Env( 'RZ_COMPANIES', '' );
for my $CustomerID ( sort keys %Companies ) {
    my %Company = $CompanyObject->CustomerCompanyGet( CustomerID => $CustomerID );
    next if %Company && $Company{CustomerID};
    $CompanyObject->CustomerCompanyAdd(
        CustomerID          => $CustomerID,
        CustomerCompanyName => $CustomerID,
        ValidID             => 1,
        UserID              => $AdminID,
    ) or Fail("customer company $CustomerID") or next;
    Done( created => "customer company $CustomerID" );
}
for my $Customer (@Customers) {
    my ( $Login, $CustomerID, $Password, $First, $Last ) = @{$Customer};
    my %User = $CustomerObject->CustomerUserDataGet( User => $Login );
    if ( !%User || !$User{UserLogin} ) {
        $CustomerObject->CustomerUserAdd(
            Source         => 'CustomerUser',
            UserFirstname  => $First,
            UserLastname   => $Last,
            UserCustomerID => $CustomerID,
            UserLogin      => $Login,
            UserEmail      => "$Login\@example.com",
            ValidID        => 1,
            UserID         => $AdminID,
        ) or Fail("customer user $Login") or next;
        Done( created => "customer user $Login ($CustomerID)" );
    }
    if ( defined $Password ) {
        $CustomerObject->SetPassword( UserLogin => $Login, PW => $Password )
            or Fail("password of customer user $Login");
    }
}

# --------------------------------------------------------------------------------------------
# Web services
my $WebserviceObject = $Kernel::OM->Get('Kernel::System::GenericInterface::Webservice');

sub EnsureWebservice {
    my ( $Name, $Config ) = @_;
    my $Existing = $WebserviceObject->WebserviceGet( Name => $Name );
    if ( !$Existing || !$Existing->{ID} ) {
        $WebserviceObject->WebserviceAdd( Name => $Name, Config => $Config, ValidID => 1, UserID => $AdminID )
            or return Fail("web service $Name");
        Done( created => "web service $Name" );
        return;
    }
    my $Want = $YAML->Dump( Data => $Config );
    my $Have = $YAML->Dump( Data => $Existing->{Config} );
    return if $Want eq $Have && $Existing->{ValidID} == 1;
    $WebserviceObject->WebserviceUpdate(
        ID      => $Existing->{ID},
        Name    => $Name,
        Config  => $Config,
        ValidID => 1,
        UserID  => $AdminID,
    ) or return Fail("web service $Name");
    Done( updated => "web service $Name" );
    return;
}

if ( my $File = Env('RZ_WEBSERVICE_FILE') ) {
    EnsureWebservice( Env( 'RZ_WEBSERVICE_NAME', 'GenericTicketConnectorREST' ), ReadYAML($File) );
}
if ( my $File = Env('RZ_WEBHOOK_FILE') ) {
    my $Config    = ReadYAML($File);
    my $Transport = $Config->{Requester}->{Transport}->{Config};
    $Transport->{Host} = Env( 'RZ_WEBHOOK_URL', 'http://127.0.0.1:18000' );
    $Transport->{Authentication} = {
        AuthType          => 'BasicAuth',
        BasicAuthUser     => Env( 'RZ_WEBHOOK_USER', 'znuny' ),
        BasicAuthPassword => Env('RZ_WEBHOOK_SECRET') // die "RZ_WEBHOOK_SECRET is empty\n",
    };
    EnsureWebservice( 'RadiantWebhook', $Config );
}

# --------------------------------------------------------------------------------------------
Say("provisioned: $Count{created} created, $Count{updated} updated, " . scalar(@Problems) . " problem(s)");
if (@Problems) {
    print STDERR "PROBLEM $_\n" for @Problems;
    exit 1;
}
exit 0;
