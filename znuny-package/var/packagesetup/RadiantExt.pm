# --
# Part of the RadiantExt package (radiant_ext companion). AGPL-3.0-or-later.
# --
# This software comes with ABSOLUTELY NO WARRANTY. For details, see the enclosed file COPYING
# for license information (AGPL). If you did not receive this file, see
# https://www.gnu.org/licenses/agpl.txt.
# --

package var::packagesetup::RadiantExt;    ## no critic

use strict;
use warnings;
use utf8;

use Kernel::System::VariableCheck qw(:all);

our @ObjectDependencies = (
    'Kernel::Config',
    'Kernel::System::DynamicField',
    'Kernel::System::DynamicField::Backend',
    'Kernel::System::GenericInterface::Webservice',
    'Kernel::System::Log',
    'Kernel::System::Main',
    'Kernel::System::State',
    'Kernel::System::SystemData',
    'Kernel::System::Valid',
    'Kernel::System::YAML',
);

=head1 NAME

var::packagesetup::RadiantExt - what installing, upgrading and uninstalling RadiantExt does

=head1 DESCRIPTION

Install, reinstall and upgrade create what is missing and leave what exists as it is:

=over 4

=item * the ticket dynamic fields C<RadiantRequestID>, C<RadiantCategory>, C<RadiantStore>,
C<RadiantParent> (Text) and C<RadiantDeadline> (DateTime);

=item * the ticket states in C<@States> (the steps of the catalogs' workflows Znuny does not ship);

=item * the provider web service C<GenericTicketConnectorREST> (from the package's copy of
C<deploy/znuny/GenericTicketConnectorREST.znuny.yml>, or C<.otrs6.yml> where Znuny has no
C<Session::SessionRemove> operation, i.e. OTRS 6.0 / Znuny 6.0), with the operation
C<RadiantMetaDescribe> (C<RadiantMeta::Describe>, route C</Radiant/Meta>). A web service of
that name that exists already is left as it is, except that the operation and its route are
added to it;

=item * the webhook web service C<RadiantWebhook> where Znuny has the C<Ticket::Generic> invoker
(Znuny 6.1 and later), imported I<invalid>: it calls the companion once its URL and secret are
set (C<Admin::RadiantExt::Webhook> or the web service screen) and it is set valid. A
C<RadiantWebhook> that exists already (an older package's, or imported by hand) gets the
invokers of the package's file it lacks (e.g. C<TicketStateUpdateHook>) with their controller
mappings, and the events the file gives an invoker it has; its URL, user, secret, timeout,
error handling and validity stay as they are.

=back

What the package created is remembered in the system data (C<RadiantExt::Created::*>), so
uninstall removes exactly that: the operation from every web service, and the web services the
package created. Dynamic fields and their values stay unless the setting
C<RadiantExt::Uninstall::DeleteDynamicFields> is on; then the fields the package created are
deleted with their values. States stay (tickets may be in them).

Every step is reported in the console, in Znuny's log (notice) and in the system data key
C<RadiantExt::Notes>, which the operation returns as C<PackageNotes>.

=cut

# name, label, type and configuration of the ticket dynamic fields the companion writes
our @DynamicFields = (
    [ RadiantRequestID => 'Portal request',    'Text',     { DefaultValue => '', Link => '', LinkPreview => '' } ],
    [ RadiantCategory  => 'Request category',  'Text',     { DefaultValue => '', Link => '', LinkPreview => '' } ],
    [ RadiantStore     => 'Store',             'Text',     { DefaultValue => '', Link => '', LinkPreview => '' } ],
    [
        RadiantDeadline => 'Promised deadline',
        'DateTime',
        {
            DefaultValue    => 0,
            YearsPeriod     => 0,
            YearsInFuture   => 5,
            YearsInPast     => 5,
            DateRestriction => '',
            Link            => '',
            LinkPreview     => '',
        },
    ],
    # a bundle part's parent ticket number (the stock GenericInterface has no LinkAdd)
    [ RadiantParent    => 'Parent request',    'Text',     { DefaultValue => '', Link => '', LinkPreview => '' } ],
);

# Ticket states a catalog item's workflow names that Znuny does not ship: [ name, state type
# (new, open, closed, pending reminder, pending auto, removed, merged), comment ]. Today the
# IT software defect's steps (radiant-ext-it catalog.yaml, item it.software-defect) and the
# state requests wait for their approval in (items with an approval); the
# sandbox's retail world has the same list (WORKFLOW_STATES).
our @States = (
    [ 'in review',                        'open',             'radiant_ext: the request is being reviewed' ],
    [ 'cannot replicate',                 'closed',           'radiant_ext: the defect could not be reproduced' ],
    [ 'needs estimate',                   'open',             'radiant_ext: the work has to be estimated' ],
    [ 'estimate ready',                   'open',             'radiant_ext: the estimate is ready to send' ],
    [ 'estimate pending client approval', 'pending reminder', 'radiant_ext: the requester has to accept the estimate' ],
    [ 'approved for action',              'open',             'radiant_ext: approved, waiting for work to start' ],
    [ 'ready to test',                    'open',             'radiant_ext: the fix is ready for testing' ],
    [ 'in testing',                       'open',             'radiant_ext: the fix is being tested' ],
    [ 'ready to install',                 'open',             'radiant_ext: the fix passed the test' ],
    [ 'client testing',                   'pending reminder', 'radiant_ext: the requester tests the fix' ],
    [ 'waiting for approval',             'pending reminder', 'radiant_ext: the request waits for its approver' ],
);

our $Provider      = 'GenericTicketConnectorREST';
our $Webhook       = 'RadiantWebhook';
our $OperationName = 'RadiantMetaDescribe';
our $OperationType = 'RadiantMeta::Describe';
our $Route         = '/Radiant/Meta';

sub new {
    my ( $Type, %Param ) = @_;

    my $Self = {};
    bless( $Self, $Type );

    $Self->{Home}  = $Kernel::OM->Get('Kernel::Config')->Get('Home');
    $Self->{Dir}   = "$Self->{Home}/var/packagesetup/RadiantExt";
    $Self->{Notes} = [];

    return $Self;
}

=head2 CodeInstall() / CodeReinstall() / CodeUpgrade()

Create what is missing (see L</DESCRIPTION>); returns 1, or dies after reporting a failure.

=cut

sub CodeInstall   { my ( $Self, %Param ) = @_; return $Self->_Ensure( Action => 'install' ); }
sub CodeReinstall { my ( $Self, %Param ) = @_; return $Self->_Ensure( Action => 'reinstall' ); }
sub CodeUpgrade   { my ( $Self, %Param ) = @_; return $Self->_Ensure( Action => 'upgrade' ); }

=head2 CodeUninstall()

Remove the operation from every web service, delete the web services the package created, and
the dynamic fields it created if C<RadiantExt::Uninstall::DeleteDynamicFields> is on.

=cut

sub CodeUninstall {
    my ( $Self, %Param ) = @_;

    my $WebserviceObject = $Kernel::OM->Get('Kernel::System::GenericInterface::Webservice');
    my %Created          = $Self->_Created();

    # web services the package created go; in the others, the operation goes
    my %Webservices = reverse %{ $WebserviceObject->WebserviceList( Valid => 0 ) || {} };
    for my $Name ( sort keys %Webservices ) {
        my $ID = $Webservices{$Name};
        if ( ( $Created{"Webservice::$Name"} // '' ) eq $ID ) {
            $WebserviceObject->WebserviceDelete( ID => $ID, UserID => 1 )
                or $Self->_Fail("cannot delete web service $Name");
            $Self->_Note("deleted web service $Name (the package had created it)");
            next;
        }
        my $Webservice = $WebserviceObject->WebserviceGet( ID => $ID );
        next if !$Webservice || !$Self->_RemoveOperation( $Webservice->{Config} );
        $Self->_Update( $Webservice, $Webservice->{Config} );
        $Self->_Note("removed operation $OperationName and its route from web service $Name");
    }

    # dynamic fields: kept with their values unless the admin asked for them to go
    my @Fields = grep { $Created{"DynamicField::$_"} } map { $_->[0] } @DynamicFields;
    if ( $Kernel::OM->Get('Kernel::Config')->Get('RadiantExt::Uninstall::DeleteDynamicFields') ) {
        my $DynamicFieldObject = $Kernel::OM->Get('Kernel::System::DynamicField');
        my $BackendObject      = $Kernel::OM->Get('Kernel::System::DynamicField::Backend');
        for my $Name (@Fields) {
            my $Field = $DynamicFieldObject->DynamicFieldGet( Name => $Name );
            next if !IsHashRefWithData($Field) || $Field->{ID} ne $Created{"DynamicField::$Name"};
            $BackendObject->AllValuesDelete( DynamicFieldConfig => $Field, UserID => 1 )
                or $Self->_Fail("cannot delete the values of dynamic field $Name");
            $DynamicFieldObject->DynamicFieldDelete( ID => $Field->{ID}, UserID => 1, Reorder => 1 )
                or $Self->_Fail("cannot delete dynamic field $Name");
            $Self->_Note("deleted dynamic field $Name and its values");
        }
    }
    else {
        $Self->_Note(
            'kept the dynamic fields RadiantRequestID, RadiantCategory, RadiantStore, RadiantDeadline, '
                . 'RadiantParent '
                . 'and their values (delete them in Admin -> Dynamic Fields, or turn on '
                . 'RadiantExt::Uninstall::DeleteDynamicFields before uninstalling)'
        );
    }
    $Self->_Note( 'kept the ticket states ' . join( ', ', map {"'$_'"} @{ $Self->_CreatedStates() } ) )
        if @{ $Self->_CreatedStates() };

    # forget what the package remembered
    my $SystemDataObject = $Kernel::OM->Get('Kernel::System::SystemData');
    my %Data             = $SystemDataObject->SystemDataGroupGet( Group => 'RadiantExt' );
    for my $Key ( sort keys %Data ) {
        $SystemDataObject->SystemDataDelete( Key => "RadiantExt::$Key", UserID => 1 );
    }
    $Self->_Report( Action => 'uninstall', Store => 0 );
    return 1;
}

# --------------------------------------------------------------------------------------------

sub _Ensure {
    my ( $Self, %Param ) = @_;

    $Self->_EnsureDynamicFields();
    $Self->_EnsureStates();
    $Self->_EnsureProvider();
    $Self->_EnsureWebhook();
    $Self->_Report( Action => $Param{Action}, Store => 1 );
    return 1;
}

sub _EnsureDynamicFields {
    my ( $Self, %Param ) = @_;

    my $DynamicFieldObject = $Kernel::OM->Get('Kernel::System::DynamicField');
    my %ValidIDs           = map { $_ => 1 } $Kernel::OM->Get('Kernel::System::Valid')->ValidIDsGet();
    for my $Spec (@DynamicFields) {
        my ( $Name, $Label, $FieldType, $Config ) = @{$Spec};
        my $Existing = $DynamicFieldObject->DynamicFieldGet( Name => $Name );
        if ( IsHashRefWithData($Existing) && $Existing->{ID} ) {
            if ( $Existing->{ObjectType} ne 'Ticket' || $Existing->{FieldType} ne $FieldType ) {
                $Self->_Note(
                    "WARNING: dynamic field $Name exists as $Existing->{ObjectType}/$Existing->{FieldType}, "
                        . "not Ticket/$FieldType: left as it is; the companion needs Ticket/$FieldType"
                );
            }
            elsif ( !$ValidIDs{ $Existing->{ValidID} } ) {
                $Self->_Note("WARNING: dynamic field $Name exists but is invalid: set it valid");
            }
            elsif ( !$Self->_Created()->{"DynamicField::$Name"} ) {
                $Self->_Note("dynamic field $Name exists: kept");
            }
            next;
        }
        my $Order = 1 + scalar @{ $DynamicFieldObject->DynamicFieldList( Valid => 0, ResultType => 'array' ) || [] };
        my $ID    = $DynamicFieldObject->DynamicFieldAdd(
            Name       => $Name,
            Label      => $Label,
            FieldOrder => $Order,
            FieldType  => $FieldType,
            ObjectType => 'Ticket',
            Config     => {%$Config},
            ValidID    => 1,
            UserID     => 1,
        ) or $Self->_Fail("cannot create dynamic field $Name");
        $Self->_Remember( "Created::DynamicField::$Name" => $ID );
        $Self->_Note("created dynamic field $Name ($FieldType)");
    }
    return 1;
}

sub _CreatedStates {
    my ( $Self, %Param ) = @_;
    my %Created = $Self->_Created();
    return [ sort map { substr $_, length 'State::' } grep {/^State::/} keys %Created ];
}

sub _EnsureStates {
    my ( $Self, %Param ) = @_;

    return 1 if !@States;
    my $StateObject = $Kernel::OM->Get('Kernel::System::State');
    my %StateByName = reverse $StateObject->StateList( UserID => 1, Valid => 0 );
    my %TypeByName  = reverse $StateObject->StateTypeList( UserID => 1 );
    for my $Spec (@States) {
        my ( $Name, $TypeName, $Comment ) = @{$Spec};
        next if $StateByName{$Name};
        my $TypeID = $TypeByName{$TypeName} or $Self->_Fail("no state type '$TypeName' for state $Name");
        my $ID     = $StateObject->StateAdd(
            Name    => $Name,
            TypeID  => $TypeID,
            Comment => $Comment // '',
            ValidID => 1,
            UserID  => 1,
        ) or $Self->_Fail("cannot create ticket state $Name");
        $Self->_Remember( "Created::State::$Name" => $ID );
        $Self->_Note("created ticket state $Name ($TypeName)");
    }
    return 1;
}

sub _EnsureProvider {
    my ( $Self, %Param ) = @_;

    my $WebserviceObject = $Kernel::OM->Get('Kernel::System::GenericInterface::Webservice');
    my $Existing         = $WebserviceObject->WebserviceGet( Name => $Provider );
    my $File             = $Self->_ProviderFile();

    if ( !IsHashRefWithData($Existing) ) {
        my $Config = $Self->_ReadYAML($File);
        $Self->_AddOperation( $Config, $Provider );
        my $ID = $WebserviceObject->WebserviceAdd(
            Name    => $Provider,
            Config  => $Config,
            ValidID => 1,
            UserID  => 1,
        ) or $Self->_Fail("cannot create web service $Provider");
        $Self->_Remember( "Created::Webservice::$Provider" => $ID );
        my ($Base) = $File =~ m{([^/]+)\z};
        $Self->_Note("created web service $Provider from $Base with operation $OperationName ($Route)");
        return 1;
    }

    my $Config  = $Existing->{Config};
    my $Created = ( $Self->_Created()->{"Webservice::$Provider"} // '' ) eq $Existing->{ID};
    my @Added;
    if ($Created) {    # an upgrade brings the operations a newer file has
        my $New = $Self->_ReadYAML($File);
        @Added = $Self->_MergeOperations( $Config, $New );
    }
    else {
        $Self->_Note("web service $Provider exists: left as it was");
    }
    push @Added, $OperationName if $Self->_AddOperation( $Config, $Provider );
    return 1 if !@Added;
    $Self->_Update( $Existing, $Config );
    $Self->_Note( "added operation(s) " . join( ', ', @Added ) . " to web service $Provider" );
    return 1;
}

sub _EnsureWebhook {
    my ( $Self, %Param ) = @_;

    if ( !-e "$Self->{Home}/Kernel/GenericInterface/Invoker/Ticket/Generic.pm" ) {
        $Self->_Note(
            "web service $Webhook not imported: this Znuny has no Ticket::Generic invoker "
                . '(it came with Znuny 6.1); the sync job routes e-mail tickets instead'
        );
        return 1;
    }
    my $WebserviceObject = $Kernel::OM->Get('Kernel::System::GenericInterface::Webservice');
    my $Existing         = $WebserviceObject->WebserviceGet( Name => $Webhook );
    my $Config           = $Self->_ReadYAML("$Self->{Dir}/RadiantWebhook.yml");
    if ( IsHashRefWithData($Existing) ) {
        my @Added = $Self->_MergeInvokers( $Existing->{Config}, $Config );
        if (@Added) {
            $Self->_Update( $Existing, $Existing->{Config} );
            $Self->_Note( "added " . join( ', ', @Added ) . " to web service $Webhook "
                    . '(its URL, user, secret and validity kept)' );
        }
        elsif ( ( $Self->_Created()->{"Webservice::$Webhook"} // '' ) ne $Existing->{ID} ) {
            $Self->_Note("web service $Webhook exists: left as it was");
        }
        return 1;
    }
    my $ID     = $WebserviceObject->WebserviceAdd(
        Name    => $Webhook,
        Config  => $Config,
        ValidID => $Kernel::OM->Get('Kernel::System::Valid')->ValidLookup( Valid => 'invalid' ) || 2,
        UserID  => 1,
    ) or $Self->_Fail("cannot create web service $Webhook");
    $Self->_Remember( "Created::Webservice::$Webhook" => $ID );
    $Self->_Note(
        "created web service $Webhook, invalid until its URL and secret are set: "
            . 'Admin::RadiantExt::Webhook --url URL --secret-file FILE (docs/znuny-package.md)'
    );
    return 1;
}

# --------------------------------------------------------------------------------------------
# web service configurations

sub _ProviderFile {
    my ( $Self, %Param ) = @_;

    # OTRS 6.0 / Znuny 6.0 have no SessionRemove operation, and their companion route set is otrs6
    my $Znuny = -e "$Self->{Home}/Kernel/GenericInterface/Operation/Session/SessionRemove.pm";
    return "$Self->{Dir}/GenericTicketConnectorREST." . ( $Znuny ? 'znuny' : 'otrs6' ) . '.yml';
}

# add RadiantMetaDescribe and its route; returns 1 if the configuration changed
sub _AddOperation {
    my ( $Self, $Config, $Name ) = @_;

    my $Operations = $Config->{Provider}->{Operation} ||= {};
    return 0 if grep { ( $_->{Type} // '' ) eq $OperationType } values %{$Operations};
    if ( $Operations->{$OperationName} ) {
        $Self->_Note("WARNING: web service $Name has another operation named $OperationName: not added");
        return 0;
    }
    my $Transport = $Config->{Provider}->{Transport} || {};
    if ( ( $Transport->{Type} // '' ) ne 'HTTP::REST' ) {
        $Self->_Note("WARNING: web service $Name is not REST: add the operation $OperationType by hand");
        return 0;
    }
    my $Routes = $Transport->{Config}->{RouteOperationMapping} ||= {};
    if ( grep { ( $_->{Route} // '' ) eq $Route } values %{$Routes} ) {
        $Self->_Note("WARNING: web service $Name already uses the route $Route: operation not added");
        return 0;
    }
    $Operations->{$OperationName} = {
        Description     => 'radiant_ext: queues, services, SLAs, types, priorities, states, agents, '
            . 'customer companies and dynamic fields (read-only)',
        MappingInbound  => {},
        MappingOutbound => {},
        Type            => $OperationType,
    };
    $Routes->{$OperationName} = {
        RequestMethod => [ 'GET', 'POST' ],
        Route         => $Route,

        # Znuny 6.1 and later choose the parser per route; OTRS 6.0 has JSON only
        ( ( grep { exists $_->{ParserBackend} } values %{$Routes} ) ? ( ParserBackend => 'JSON' ) : () ),
    };
    return 1;
}

# operations (and their routes) of a newer file that a web service the package created lacks
sub _MergeOperations {
    my ( $Self, $Config, $New ) = @_;

    my $Have      = $Config->{Provider}->{Operation}                                   ||= {};
    my $HaveRoute = $Config->{Provider}->{Transport}->{Config}->{RouteOperationMapping} ||= {};
    my %Taken     = map { ( $_->{Route} // '' ) => 1 } values %{$HaveRoute};
    my $NewRoute  = $New->{Provider}->{Transport}->{Config}->{RouteOperationMapping} || {};
    my @Added;
    for my $Name ( sort keys %{ $New->{Provider}->{Operation} || {} } ) {
        next if $Have->{$Name};
        my $Route = $NewRoute->{$Name};
        next if $Route && $Taken{ $Route->{Route} // '' };
        $Have->{$Name} = $New->{Provider}->{Operation}->{$Name};
        $HaveRoute->{$Name} = $Route if $Route;
        push @Added, $Name;
    }
    return @Added;
}

# invokers of a newer RadiantWebhook file that an existing web service lacks (an older
# package's, or one imported by hand), each with its controller mapping, and the events a
# newer file gives an invoker it has; the transport (URL, user, secret, timeout), error
# handling and everything else stay. Returns what was added ("invoker X (Event)", "event E to
# invoker X"); a conflict is noted as a WARNING with the fix and left alone.
sub _MergeInvokers {
    my ( $Self, $Config, $New ) = @_;

    my $Requester = $Config->{Requester} ||= {};
    my $Have      = $Requester->{Invoker} ||= {};
    my $Transport = $Requester->{Transport} || {};
    my $Rest      = ( $Transport->{Type} // '' ) eq 'HTTP::REST';
    my $Mapping   = $Rest ? ( $Transport->{Config}->{InvokerControllerMapping} ||= {} ) : {};
    my $NewMap    = $New->{Requester}->{Transport}->{Config}->{InvokerControllerMapping} || {};
    my @Added;
    for my $Name ( sort keys %{ $New->{Requester}->{Invoker} || {} } ) {
        my $Want   = $New->{Requester}->{Invoker}->{$Name};
        my $Events = join ', ', map { $_->{Event} } @{ $Want->{Events} || [] };
        if ( !$Have->{$Name} ) {
            if ( !$Rest ) {
                $Self->_Note( "WARNING: web service $Webhook is not REST: invoker $Name ($Events) "
                        . 'not added; import deploy/znuny/RadiantWebhook.yml again, or add it by hand '
                        . '(docs/znuny-package.md, "Upgrade")' );
                next;
            }
            $Have->{$Name} = $Want;
            $Mapping->{$Name} ||= $NewMap->{$Name} if $NewMap->{$Name};
            push @Added, "invoker $Name ($Events)";
            next;
        }
        if ( ( $Have->{$Name}->{Type} // '' ) ne ( $Want->{Type} // '' ) ) {
            $Self->_Note( "WARNING: web service $Webhook has an invoker $Name of type "
                    . ( $Have->{$Name}->{Type} // '?' ) . ", not $Want->{Type}: left as it is; "
                    . "rename or delete it, then reinstall the package to add $Name ($Events)" );
            next;
        }
        my %Has = map { ( $_->{Event} // '' ) => 1 } @{ $Have->{$Name}->{Events} ||= [] };
        for my $Event ( grep { !$Has{ $_->{Event} } } @{ $Want->{Events} || [] } ) {
            push @{ $Have->{$Name}->{Events} }, {%$Event};
            push @Added, "event $Event->{Event} to invoker $Name";
        }
    }
    return @Added;
}

# remove every RadiantMeta::Describe operation and its route; returns 1 if something went
sub _RemoveOperation {
    my ( $Self, $Config ) = @_;

    my $Operations = $Config->{Provider}->{Operation} || {};
    my @Names = grep { ( $Operations->{$_}->{Type} // '' ) eq $OperationType } keys %{$Operations};
    return 0 if !@Names;
    my $Routes = $Config->{Provider}->{Transport}->{Config}->{RouteOperationMapping} || {};
    for my $Name (@Names) {
        delete $Operations->{$Name};
        delete $Routes->{$Name};
    }
    return 1;
}

sub _Update {
    my ( $Self, $Webservice, $Config ) = @_;

    return $Kernel::OM->Get('Kernel::System::GenericInterface::Webservice')->WebserviceUpdate(
        ID      => $Webservice->{ID},
        Name    => $Webservice->{Name},
        Config  => $Config,
        ValidID => $Webservice->{ValidID},
        UserID  => 1,
    ) || $Self->_Fail("cannot update web service $Webservice->{Name}");
}

sub _ReadYAML {
    my ( $Self, $File ) = @_;

    my $Content = $Kernel::OM->Get('Kernel::System::Main')->FileRead( Location => $File, Mode => 'utf8' );
    $Self->_Fail("cannot read $File") if !$Content;
    my $Data = $Kernel::OM->Get('Kernel::System::YAML')->Load( Data => ${$Content} );
    $Self->_Fail("cannot parse $File") if !IsHashRefWithData($Data);
    return $Data;
}

# --------------------------------------------------------------------------------------------
# what the package created (system data RadiantExt::Created::*), notes, failures

sub _Created {
    my ( $Self, %Param ) = @_;

    my %Data = $Kernel::OM->Get('Kernel::System::SystemData')->SystemDataGroupGet( Group => 'RadiantExt' );
    my %Created;
    for my $Key ( keys %Data ) {
        $Created{$1} = $Data{$Key} if $Key =~ /^Created::(.+)$/;
    }
    return wantarray ? %Created : \%Created;
}

sub _Remember {
    my ( $Self, $Key, $Value ) = @_;

    my $SystemDataObject = $Kernel::OM->Get('Kernel::System::SystemData');
    $Key = "RadiantExt::$Key";
    if ( defined $SystemDataObject->SystemDataGet( Key => $Key ) ) {
        return $SystemDataObject->SystemDataUpdate( Key => $Key, Value => $Value, UserID => 1 );
    }
    return $SystemDataObject->SystemDataAdd( Key => $Key, Value => $Value, UserID => 1 );
}

sub _Note {
    my ( $Self, $Text ) = @_;
    push @{ $Self->{Notes} }, $Text;
    return 1;
}

sub _Console {
    my ( $Self, $Text ) = @_;

    # only on a console: under the web server, STDOUT is the page
    return if $ENV{MOD_PERL} || $ENV{GATEWAY_INTERFACE};
    print STDOUT $Text;
    return;
}

sub _Report {
    my ( $Self, %Param ) = @_;

    my @Notes = @{ $Self->{Notes} };
    push @Notes, 'nothing to do: everything was there' if !@Notes;
    $Self->_Console("RadiantExt $Param{Action}:\n");
    for my $Note (@Notes) {
        $Self->_Console("  - $Note\n");
        $Kernel::OM->Get('Kernel::System::Log')->Log(
            Priority => $Note =~ /^WARNING/ ? 'error' : 'notice',
            Message  => "RadiantExt $Param{Action}: $Note",
        );
    }
    $Self->_Remember( Notes => join "\n", "$Param{Action}:", @Notes ) if $Param{Store};
    $Self->{Notes} = [];
    return 1;
}

sub _Fail {
    my ( $Self, $Text ) = @_;

    my $Reason = $Kernel::OM->Get('Kernel::System::Log')->GetLogEntry( Type => 'error', What => 'Message' ) || '';
    $Text .= ": $Reason" if $Reason;
    print STDERR "RadiantExt: FAILED: $Text\n" if !$ENV{MOD_PERL};
    die "RadiantExt: $Text\n";
}

1;
