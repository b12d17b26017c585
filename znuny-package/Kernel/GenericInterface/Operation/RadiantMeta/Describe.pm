# --
# Part of the RadiantExt package (radiant_ext companion). AGPL-3.0-or-later.
# --
# This software comes with ABSOLUTELY NO WARRANTY. For details, see the enclosed file COPYING
# for license information (AGPL). If you did not receive this file, see
# https://www.gnu.org/licenses/agpl.txt.
# --

package Kernel::GenericInterface::Operation::RadiantMeta::Describe;

use strict;
use warnings;

use Kernel::System::VariableCheck qw(:all);

use parent qw(Kernel::GenericInterface::Operation::Common);

our $ObjectManagerDisabled = 1;

=head1 NAME

Kernel::GenericInterface::Operation::RadiantMeta::Describe - read-only metadata for radiant_ext

=head1 DESCRIPTION

Lists what the radiant_ext companion checks its catalogs against and what the stock
GenericInterface cannot list: queues, services (with their customer-user links), SLAs, ticket
types, priorities, states, agents, customer companies and dynamic fields. It changes nothing.

Only agents may call it (C<UserLogin>/C<Password> or an agent C<SessionID>); customer users get
C<RadiantMeta.AccessDenied>.

=head1 PUBLIC INTERFACE

=head2 new()

usually, you want to create an instance of this by using
Kernel::GenericInterface::Operation->new();

=cut

# the sections of the answer, in answer order
our @Sections = qw(
    Queues Services SLAs Types Priorities States Agents CustomerCompanies DynamicFields
);

# version of the answer's shape; raised when a key changes meaning or disappears
our $Schema = 1;

sub new {
    my ( $Type, %Param ) = @_;

    my $Self = {};
    bless( $Self, $Type );

    for my $Needed (qw(DebuggerObject WebserviceID)) {
        if ( !$Param{$Needed} ) {
            return {
                Success      => 0,
                ErrorMessage => "Got no $Needed!",
            };
        }
        $Self->{$Needed} = $Param{$Needed};
    }

    return $Self;
}

=head2 Run()

    my $Result = $OperationObject->Run(
        Data => {
            SessionID => '...',              # or UserLogin and Password of an agent
            Include   => ['Queues', 'SLAs'], # optional: only these sections (list or
                                             # comma-separated text); default: all
        },
    );

    $Result = {
        Success => 1,
        Data    => {
            Schema         => 1,
            Product        => 'Znuny',
            Version        => '7.0.9',
            PackageVersion => '1.0.0',
            PackageNotes   => [ 'install:', 'created dynamic field RadiantRequestID (Text)', ... ],
            Queues         => [ { ID => 1, Name => 'Postmaster', Valid => 1, GroupID => 1, Group => 'users' }, ],
            Services       => [ { ID => 1, Name => 'IT::Cash register', Valid => 1, CustomerUsers => ['<DEFAULT>'] }, ],
            SLAs           => [ { ID => 1, Name => 'POS critical', Valid => 1, Services => ['IT::Cash register'],
                                  FirstResponseTime => 30, UpdateTime => 0, SolutionTime => 240,
                                  Calendar => '', CalendarName => '' }, ],
            Types          => [ { ID => 1, Name => 'Incident', Valid => 1 }, ],
            Priorities     => [ { ID => 3, Name => '3 normal', Valid => 1 }, ],
            States         => [ { ID => 1, Name => 'new', Type => 'new', Valid => 1 }, ],
            Agents         => [ { ID => 2, Login => 'radiant', Valid => 1, FirstName => 'Radiant',
                                  LastName => 'Companion', Groups => { rw => ['users'], ro => ['users'] } }, ],
            CustomerCompanies => [ { CustomerID => 'store-007', Name => 'Store 7', Valid => 1 }, ],
            DynamicFields  => [ { ID => 1, Name => 'RadiantCategory', Label => 'Request category',
                                  FieldType => 'Text', ObjectType => 'Ticket', Valid => 1 }, ],
        },
    };

=cut

sub Run {
    my ( $Self, %Param ) = @_;

    my ( $UserID, $UserType ) = $Self->Auth(%Param);
    if ( !$UserID ) {
        return $Self->ReturnError(
            ErrorCode    => 'RadiantMeta.AuthFail',
            ErrorMessage => 'RadiantMeta: Authentication failed.',
        );
    }
    if ( ( $UserType || '' ) ne 'User' ) {
        return $Self->ReturnError(
            ErrorCode    => 'RadiantMeta.AccessDenied',
            ErrorMessage => 'RadiantMeta: only agents may read the metadata.',
        );
    }

    my %Known = map { $_ => 1 } @Sections;
    my @Wanted = @Sections;
    my $Include = IsHashRefWithData( $Param{Data} ) ? $Param{Data}->{Include} : undef;
    if ( defined $Include && ( ref $Include || $Include ne '' ) ) {
        my @Names = ref $Include eq 'ARRAY' ? @{$Include} : split /\s*,\s*/, "$Include";
        my @Unknown = grep { !$Known{$_} } @Names;
        if ( @Unknown || !@Names ) {
            return $Self->ReturnError(
                ErrorCode    => 'RadiantMeta.InvalidParameter',
                ErrorMessage => 'RadiantMeta: Include names unknown sections ('
                    . join( ', ', @Unknown ) . '); known: ' . join( ', ', @Sections ),
            );
        }
        my %Asked = map { $_ => 1 } @Names;
        @Wanted = grep { $Asked{$_} } @Sections;
    }

    my $ConfigObject = $Kernel::OM->Get('Kernel::Config');
    my %Data = (
        Schema         => $Schema,
        Product        => $ConfigObject->Get('Product') || '',
        Version        => $ConfigObject->Get('Version') || '',
        PackageVersion => $Self->_PackageVersion(),

        # what the last install, reinstall or upgrade of the package did, one line each
        PackageNotes => [
            split /\n/,
            $Kernel::OM->Get('Kernel::System::SystemData')->SystemDataGet( Key => 'RadiantExt::Notes' ) // ''
        ],
    );
    my %ValidIDs = map { $_ => 1 } $Kernel::OM->Get('Kernel::System::Valid')->ValidIDsGet();
    $Self->{IsValid} = sub { return $ValidIDs{ $_[0] // '' } ? 1 : 0 };

    for my $Section (@Wanted) {
        my $Method = "_$Section";
        $Data{$Section} = $Self->$Method();
    }

    return {
        Success => 1,
        Data    => \%Data,
    };
}

sub _PackageVersion {
    my ( $Self, %Param ) = @_;

    my $DBObject = $Kernel::OM->Get('Kernel::System::DB');
    return '' if !$DBObject->Prepare(
        SQL   => "SELECT version FROM package_repository WHERE name = ? AND install_status = 'installed'",
        Bind  => [ \'RadiantExt' ],
        Limit => 1,
    );
    my $Version = '';
    while ( my @Row = $DBObject->FetchrowArray() ) {
        $Version = $Row[0];
    }
    return $Version;
}

sub _ByName {
    my @List = @_;
    return [ sort { $a->{Name} cmp $b->{Name} } @List ];
}

sub _Queues {
    my ( $Self, %Param ) = @_;

    my $QueueObject = $Kernel::OM->Get('Kernel::System::Queue');
    my $GroupObject = $Kernel::OM->Get('Kernel::System::Group');
    my %Queues      = $QueueObject->QueueList( Valid => 0 );
    my %GroupName;
    my @List;
    for my $QueueID ( sort keys %Queues ) {
        my %Queue = $QueueObject->QueueGet( ID => $QueueID );
        next if !%Queue;
        my $GroupID = $Queue{GroupID} || 0;
        $GroupName{$GroupID} //= $GroupID ? ( $GroupObject->GroupLookup( GroupID => $GroupID ) || '' ) : '';
        push @List, {
            ID      => 0 + $QueueID,
            Name    => $Queue{Name},
            Valid   => $Self->{IsValid}->( $Queue{ValidID} ),
            GroupID => 0 + $GroupID,
            Group   => $GroupName{$GroupID},
        };
    }
    return _ByName(@List);
}

sub _Services {
    my ( $Self, %Param ) = @_;

    my $ServiceObject = $Kernel::OM->Get('Kernel::System::Service');
    my $Services      = $ServiceObject->ServiceListGet( Valid => 0, UserID => 1 );
    my @List;
    for my $Service ( @{ $Services || [] } ) {

        # customer users linked to the service; <DEFAULT> stands for every customer user
        my %Linked = $ServiceObject->CustomerUserServiceMemberList(
            ServiceID       => $Service->{ServiceID},
            Result          => 'HASH',
            DefaultServices => 0,
        );
        push @List, {
            ID            => 0 + $Service->{ServiceID},
            Name          => $Service->{Name},
            Valid         => $Self->{IsValid}->( $Service->{ValidID} ),
            CustomerUsers => [ sort keys %Linked ],
        };
    }
    return _ByName(@List);
}

sub _SLAs {
    my ( $Self, %Param ) = @_;

    my $SLAObject     = $Kernel::OM->Get('Kernel::System::SLA');
    my $ServiceObject = $Kernel::OM->Get('Kernel::System::Service');
    my $ConfigObject  = $Kernel::OM->Get('Kernel::Config');
    my %ServiceName   = $ServiceObject->ServiceList( Valid => 0, UserID => 1 );
    my %SLAs          = $SLAObject->SLAList( Valid => 0, UserID => 1 );
    my @List;
    for my $SLAID ( sort keys %SLAs ) {
        my %SLA = $SLAObject->SLAGet( SLAID => $SLAID, UserID => 1 );
        next if !%SLA;
        my $Calendar = $SLA{Calendar} // '';
        push @List, {
            ID                => 0 + $SLAID,
            Name              => $SLA{Name},
            Valid             => $Self->{IsValid}->( $SLA{ValidID} ),
            Services          => [ sort grep {defined} map { $ServiceName{$_} } @{ $SLA{ServiceIDs} || [] } ],
            FirstResponseTime => 0 + ( $SLA{FirstResponseTime} || 0 ),
            UpdateTime        => 0 + ( $SLA{UpdateTime}        || 0 ),
            SolutionTime      => 0 + ( $SLA{SolutionTime}      || 0 ),
            Calendar          => "$Calendar",
            CalendarName      => $Calendar ne '' ? ( $ConfigObject->Get("TimeZone::Calendar${Calendar}Name") // '' ) : '',
        };
    }
    return _ByName(@List);
}

sub _Types {
    my ( $Self, %Param ) = @_;

    my $TypeObject = $Kernel::OM->Get('Kernel::System::Type');
    my %Types      = $TypeObject->TypeList( Valid => 0 );
    my @List;
    for my $TypeID ( sort keys %Types ) {
        my %Type = $TypeObject->TypeGet( ID => $TypeID );
        next if !%Type;
        push @List, { ID => 0 + $TypeID, Name => $Type{Name}, Valid => $Self->{IsValid}->( $Type{ValidID} ) };
    }
    return _ByName(@List);
}

sub _Priorities {
    my ( $Self, %Param ) = @_;

    my $PriorityObject = $Kernel::OM->Get('Kernel::System::Priority');
    my %Priorities     = $PriorityObject->PriorityList( Valid => 0 );
    my @List;
    for my $PriorityID ( sort keys %Priorities ) {
        my %Priority = $PriorityObject->PriorityGet( PriorityID => $PriorityID, UserID => 1 );
        next if !%Priority;
        push @List, {
            ID    => 0 + $PriorityID,
            Name  => $Priority{Name},
            Valid => $Self->{IsValid}->( $Priority{ValidID} ),
        };
    }
    return _ByName(@List);
}

sub _States {
    my ( $Self, %Param ) = @_;

    my $StateObject = $Kernel::OM->Get('Kernel::System::State');
    my %States      = $StateObject->StateList( UserID => 1, Valid => 0 );
    my @List;
    for my $StateID ( sort keys %States ) {
        my %State = $StateObject->StateGet( ID => $StateID );
        next if !%State;
        push @List, {
            ID    => 0 + $StateID,
            Name  => $State{Name},
            Type  => $State{TypeName} // '',
            Valid => $Self->{IsValid}->( $State{ValidID} ),
        };
    }
    return _ByName(@List);
}

sub _Agents {
    my ( $Self, %Param ) = @_;

    my $UserObject  = $Kernel::OM->Get('Kernel::System::User');
    my $GroupObject = $Kernel::OM->Get('Kernel::System::Group');
    my %Users       = $UserObject->UserList( Type => 'Short', Valid => 0 );
    my @List;
    for my $UserID ( sort keys %Users ) {
        my %User = $UserObject->GetUserData( UserID => $UserID, NoOutOfOffice => 1 );
        next if !%User;
        my %Groups;
        for my $Permission (qw(rw ro)) {
            my %Group = $GroupObject->PermissionUserGet( UserID => $UserID, Type => $Permission );
            $Groups{$Permission} = [ sort values %Group ];
        }
        push @List, {
            ID        => 0 + $UserID,
            Login     => $User{UserLogin},
            Valid     => $Self->{IsValid}->( $User{ValidID} ),
            FirstName => $User{UserFirstname} // '',
            LastName  => $User{UserLastname}  // '',
            Groups    => \%Groups,
        };
    }
    return [ sort { $a->{Login} cmp $b->{Login} } @List ];
}

sub _CustomerCompanies {
    my ( $Self, %Param ) = @_;

    my $CompanyObject = $Kernel::OM->Get('Kernel::System::CustomerCompany');
    my %Companies     = $CompanyObject->CustomerCompanyList( Valid => 0, Limit => 0 );
    my @List;
    for my $CustomerID ( sort keys %Companies ) {
        my %Company = $CompanyObject->CustomerCompanyGet( CustomerID => $CustomerID );
        next if !%Company;
        push @List, {
            CustomerID => $CustomerID,
            Name       => $Company{CustomerCompanyName} // '',
            Valid      => $Self->{IsValid}->( $Company{ValidID} ),
        };
    }
    return [ sort { $a->{CustomerID} cmp $b->{CustomerID} } @List ];
}

sub _DynamicFields {
    my ( $Self, %Param ) = @_;

    my $Fields = $Kernel::OM->Get('Kernel::System::DynamicField')->DynamicFieldListGet( Valid => 0 );
    my @List;
    for my $Field ( @{ $Fields || [] } ) {
        push @List, {
            ID         => 0 + $Field->{ID},
            Name       => $Field->{Name},
            Label      => $Field->{Label} // '',
            FieldType  => $Field->{FieldType},
            ObjectType => $Field->{ObjectType},
            Valid      => $Self->{IsValid}->( $Field->{ValidID} ),
        };
    }
    return _ByName(@List);
}

1;
