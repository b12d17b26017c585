# --
# Part of the RadiantExt package (radiant_ext companion). AGPL-3.0-or-later.
# --
# This software comes with ABSOLUTELY NO WARRANTY. For details, see the enclosed file COPYING
# for license information (AGPL). If you did not receive this file, see
# https://www.gnu.org/licenses/agpl.txt.
# --

package Kernel::System::Console::Command::Admin::RadiantExt::Webhook;

use strict;
use warnings;

use Kernel::System::VariableCheck qw(:all);

use parent qw(Kernel::System::Console::BaseCommand);

our @ObjectDependencies = (
    'Kernel::System::GenericInterface::Webservice',
    'Kernel::System::Main',
    'Kernel::System::Valid',
);

sub Configure {
    my ( $Self, %Param ) = @_;

    $Self->Description(
        'Set where the RadiantWebhook web service calls the radiant_ext companion and with which '
            . 'secret, and make it valid (or invalid).'
    );
    $Self->AddOption(
        Name        => 'url',
        Description => 'Base URL of the companion\'s portal as Znuny reaches it, e.g. https://portal.example.com.',
        Required    => 0,
        HasValue    => 1,
        ValueRegex  => qr{\Ahttps?://\S+\z}smx,
    );
    $Self->AddOption(
        Name        => 'user',
        Description => 'Basic auth user (RADIANT_WEBHOOK_USER of the companion; default: keep, or znuny).',
        Required    => 0,
        HasValue    => 1,
        ValueRegex  => qr/\A\S+\z/smx,
    );
    $Self->AddOption(
        Name => 'secret-file',
        Description =>
            'File holding the Basic auth password (RADIANT_WEBHOOK_SECRET of the companion), or - to read it from standard input.',
        Required   => 0,
        HasValue   => 1,
        ValueRegex => qr/.+/smx,
    );
    $Self->AddOption(
        Name        => 'invalid',
        Description => 'Set the web service invalid (Znuny stops calling the companion).',
        Required    => 0,
        HasValue    => 0,
    );
    $Self->AddOption(
        Name        => 'name',
        Description => 'Name of the web service (default: RadiantWebhook).',
        Required    => 0,
        HasValue    => 1,
        ValueRegex  => qr/.+/smx,
    );

    return;
}

sub Run {
    my ( $Self, %Param ) = @_;

    my $WebserviceObject = $Kernel::OM->Get('Kernel::System::GenericInterface::Webservice');
    my $Name             = $Self->GetOption('name') || 'RadiantWebhook';
    my $Webservice       = $WebserviceObject->WebserviceGet( Name => $Name );
    if ( !IsHashRefWithData($Webservice) ) {
        $Self->PrintError("No web service $Name (install the RadiantExt package first).");
        return $Self->ExitCodeError();
    }

    my $Config    = $Webservice->{Config};
    my $Transport = $Config->{Requester}->{Transport}->{Config} ||= {};
    my $Auth      = $Transport->{Authentication} ||= {};

    if ( my $URL = $Self->GetOption('url') ) {
        $URL =~ s{/+\z}{};
        $Transport->{Host} = $URL;
    }
    if ( my $User = $Self->GetOption('user') ) {
        $Auth->{BasicAuthUser} = $User;
    }
    if ( my $File = $Self->GetOption('secret-file') ) {
        my $Secret;
        if ( $File eq '-' ) {
            $Secret = <STDIN>;
        }
        else {
            my $Content = $Kernel::OM->Get('Kernel::System::Main')->FileRead(
                Location => $File,
                Mode     => 'utf8',
            );
            $Secret = $Content ? ${$Content} : undef;
        }
        $Secret //= '';
        $Secret =~ s/\A\s+|\s+\z//g;
        if ( length $Secret < 16 ) {
            $Self->PrintError('The secret must have at least 16 characters.');
            return $Self->ExitCodeError();
        }
        $Auth->{BasicAuthPassword} = $Secret;
    }
    $Auth->{AuthType} = 'BasicAuth';
    $Auth->{BasicAuthUser} ||= 'znuny';

    my $Valid = !$Self->GetOption('invalid');
    if ($Valid) {
        my @Missing;
        push @Missing, 'a URL (--url)' if ( $Transport->{Host} // '' ) =~ m{\A(?:|https://portal\.example\.com)\z};
        push @Missing, 'a secret (--secret-file)'
            if ( $Auth->{BasicAuthPassword} // '' ) =~ /\A(?:|CHANGE-ME)\z/;
        if (@Missing) {
            $Self->PrintError( "$Name still needs " . join( ' and ', @Missing ) . '.' );
            return $Self->ExitCodeError();
        }
    }

    my $ValidObject = $Kernel::OM->Get('Kernel::System::Valid');
    my $Success     = $WebserviceObject->WebserviceUpdate(
        ID      => $Webservice->{ID},
        Name    => $Name,
        Config  => $Config,
        ValidID => $ValidObject->ValidLookup( Valid => $Valid ? 'valid' : 'invalid' ),
        UserID  => 1,
    );
    if ( !$Success ) {
        $Self->PrintError("Could not update web service $Name.");
        return $Self->ExitCodeError();
    }

    $Self->Print(
        "<green>$Name calls $Transport->{Host} as $Auth->{BasicAuthUser}; "
            . ( $Valid ? 'valid' : 'invalid' )
            . ".</green>\n"
    );
    return $Self->ExitCodeOk();
}

1;
