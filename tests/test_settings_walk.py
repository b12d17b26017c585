"""Every setting, given a bad value, stops the command with one line naming it (issue 19, point 5).

The tables below hold one bad value per field of :class:`~radiant_ext.config.Settings` and per
key of the portal's :data:`~radiant_ext.portal.defaults.DEFAULTS`. They must cover every
setting: a new setting fails ``test_every_setting_has_a_bad_value_here`` until it gets a bad
value here, and then the walk until its validation refuses that value.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from radiant_ext.cli import main
from radiant_ext.config import Settings, env_name
from radiant_ext.errors import InvalidSettingsError
from radiant_ext.portal.defaults import DEFAULTS, PortalConfig

ROOT = Path(__file__).resolve().parent.parent

SECRET_MARK = "TOPSECRET-4f1e"
"""Part of every bad secret: it must never appear in what the command prints."""

#: field -> a bad environment value (``{tmp}`` is the test's temporary folder)
BAD_SETTINGS: dict[str, str] = {
    "znuny_url": "ftp://znuny.example.com",
    "znuny_script_path": "otrs/?x=1",
    "znuny_webservice": "",
    "znuny_route_set": "otrs5",
    "znuny_user": "agent\nroot",
    "znuny_password": f"{SECRET_MARK}\n",
    "znuny_timeout": "0",
    "public_url": "help.example.com/portal",
    "satisfaction_link_days": "0",
    "znuny_verify_tls": "{tmp}/no-such-ca.pem",
    "znuny_session_in_header": "sometimes",
    "znuny_routes": "TicketSearchPOST=POST /Ticket/Search",
    "znuny_db_url": f"oracle+nosuchdriver://znuny:{SECRET_MARK}@db.example.com/znuny",
    "data_dir": "{tmp}/a-file",
    "database_url": "sqlite:///{tmp}/missing-folder/store.sqlite3",
    "sync_lease_seconds": "1",
    "sync_intervals": '{"ticket-pull": -5}',
    "sync_stop_seconds": "-1",
    "outbox_retry_seconds": "0",
    "portal_submit_wait_seconds": "11",
    "outbox_retry_max_seconds": "abc",
    "sync_pull_overlap_seconds": "-1",
    "sync_pull_parallel_batches": "17",
    "deadline_warn_share": "1.5",
    "state_limits_hours": '{"pending reminder": 0}',
    "secret_key": f"{SECRET_MARK}\r\n",
    "default_language": "de",
    "reopen_window_days": "-1",
    "max_attachment_bytes": "0",
    "webhook_user": "zn:uny",
    "webhook_secret": f"{SECRET_MARK}\t",
    "catalog_dirs": '["{tmp}/no-such-catalogs"]',
    "blocked_plugins": "legal",
    "default_time_zone": "Mars/Base",
    "reports": '{"time_zone": "Mars/Base"}',
    "head_office_companies": '["head office"]',
    "admin": '{"department_admin": {"it": ["it-agent"]}}',
}

#: settings checked by the commands that use them rather than before every command
CHECKED_BY = {"reports": ["report", "volume"], "admin": ["serve"]}

#: portal key -> a bad value of ``RADIANT_<key>`` (JSON where JSON is meant)
BAD_PORTAL: dict[str, str] = {
    "SESSION_COOKIE_NAME": "radiant portal",
    "SESSION_COOKIE_HTTPONLY": "perhaps",
    "SESSION_COOKIE_SAMESITE": "Sometimes",
    "SESSION_COOKIE_SECURE": "2",
    "SESSION_COOKIE_DOMAIN": "exa mple.com",
    "SESSION_COOKIE_PATH": "portal",
    "PERMANENT_SESSION_LIFETIME": "-60",
    "PORTAL_LANGUAGE_COOKIE": "lang;x",
    "PORTAL_SESSION_IDLE_SECONDS": "0",
    "PORTAL_SESSION_LIFETIME_SECONDS": "0",
    "PORTAL_SESSION_BACKEND": "redis",
    "PORTAL_SESSION_CHECK_SECONDS": "-1",
    "PORTAL_SESSION_TOUCH_SECONDS": "soon",
    "PORTAL_LOGIN_MAX_FAILURES": "abc",
    "PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS": "0",
    "PORTAL_LOGIN_WINDOW_SECONDS": "0",
    "PORTAL_LOGIN_MAX_DELAY_SECONDS": "0",
    "PORTAL_WEBHOOK_AUTH_FAILURES": "0",
    "PORTAL_WEBHOOK_AUTH_WINDOW_SECONDS": "-5",
    "PORTAL_MAX_ATTACHMENT_BYTES": "0",
    "PORTAL_MAX_ATTACHMENTS": "-1",
    "PORTAL_ALLOWED_EXTENSIONS": "pdf,png",
    "PORTAL_REOPEN_WINDOW_DAYS": "-1",
    "PORTAL_PASSWORD_RESET_URL": '"ftp://files.example.com"',
    "PORTAL_PRIVATE_COMPANIES": '"public"',
    "PORTAL_PAGE_SIZE": "0",
    "PORTAL_TIMEZONE": "Mars/Base",
    "PORTAL_HSTS_SECONDS": "-1",
    "PORTAL_TRUSTED_PROXIES": "true",
    "BABEL_DEFAULT_LOCALE": "de",
    "PORTAL_LANGUAGES": "[]",
    "WTF_CSRF_TIME_LIMIT": "0",
    "PORTAL_FEEDBACK_GUEST_CUSTOMER": '"guest-customer"',
    "PORTAL_FEEDBACK_PER_ADDRESS": "0",
    "PORTAL_FEEDBACK_PER_STORE": "-1",
    "PORTAL_FEEDBACK_WINDOW_SECONDS": "0",
    "PORTAL_FEEDBACK_MAX_CHARS": "5",
    "PORTAL_FEEDBACK_PHOTO_BYTES": "0",
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No ``RADIANT_*`` variable but the test's own; no settings file; a fresh folder."""
    for name in [n for n in os.environ if n.upper().startswith("RADIANT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("RADIANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("not a folder")
    yield tmp_path


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``radiant-ext ARGS`` in this process: exit status, stdout, stderr."""
    code = 0
    try:
        main(args)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def test_every_setting_has_a_bad_value_here() -> None:
    missing = sorted(set(Settings.model_fields) - set(BAD_SETTINGS))
    assert not missing, f"new settings need a bad value in BAD_SETTINGS (and validation): " \
                        f"{missing}"
    assert set(BAD_SETTINGS) == set(Settings.model_fields)
    assert set(DEFAULTS) == set(PortalConfig.model_fields), "DEFAULTS and PortalConfig differ"
    missing = sorted(set(DEFAULTS) - set(BAD_PORTAL))
    assert not missing, f"new portal keys need a bad value in BAD_PORTAL (and validation): " \
                        f"{missing}"


@pytest.mark.parametrize("field", sorted(BAD_SETTINGS))
def test_a_bad_setting_stops_the_command_with_one_line(
    field: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    value = BAD_SETTINGS[field].replace("{tmp}", str(clean_env))
    monkeypatch.setenv(env_name(field), value)
    code, out, err = run_cli(CHECKED_BY.get(field, ["db", "url"]), capsys)
    assert code != 0, f"{env_name(field)}={value!r} was accepted: {out}{err}"
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ")
    assert env_name(field) in lines[0] or field in lines[0], lines[0]
    assert "Traceback" not in err
    assert SECRET_MARK not in err + out
    if "SecretStr" not in str(Settings.model_fields[field].annotation) and field != "reports":
        assert "allowed:" in lines[0], lines[0]


@pytest.mark.parametrize("key", sorted(BAD_PORTAL))
def test_a_bad_portal_key_stops_the_app_factory(
    key: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from radiant_ext.portal import create_app

    monkeypatch.setenv(f"RADIANT_{key}", BAD_PORTAL[key])
    with pytest.raises(InvalidSettingsError) as raised:
        create_app({"TESTING": True, "SECRET_KEY": "k" * 32})
    line = str(raised.value)
    assert "\n" not in line
    assert f"RADIANT_{key}" in line and "allowed:" in line, line


def test_the_defaults_pass_unchanged() -> None:
    from radiant_ext.portal.defaults import validate_portal_config

    assert validate_portal_config(DEFAULTS) == DEFAULTS


def test_environment_values_are_json_or_text(clean_env: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from radiant_ext.portal.defaults import portal_env, validate_portal_config

    monkeypatch.setenv("RADIANT_PORTAL_PAGE_SIZE", "7")
    monkeypatch.setenv("RADIANT_PORTAL_TIMEZONE", "Asia/Yekaterinburg")
    monkeypatch.setenv("RADIANT_SESSION_COOKIE_SECURE", "false")
    monkeypatch.setenv("RADIANT_PERMANENT_SESSION_LIFETIME", "3600")
    monkeypatch.setenv("RADIANT_PORTAL_SUBMIT_WAIT_SECONDS", "1")  # a typed Settings field
    found = portal_env()
    assert found == {"PORTAL_PAGE_SIZE": 7, "PORTAL_TIMEZONE": "Asia/Yekaterinburg",
                     "SESSION_COOKIE_SECURE": False, "PERMANENT_SESSION_LIFETIME": 3600}
    checked = validate_portal_config({**DEFAULTS, **found})
    assert checked["PORTAL_PAGE_SIZE"] == 7 and checked["SESSION_COOKIE_SECURE"] is False
    assert checked["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=1)


def test_an_unknown_portal_variable_is_refused(clean_env: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from radiant_ext.portal import create_app

    monkeypatch.setenv("RADIANT_PORTAL_PAGESIZE", "10")
    with pytest.raises(InvalidSettingsError, match="RADIANT_PORTAL_PAGESIZE='10': unknown"):
        create_app({"TESTING": True, "SECRET_KEY": "k" * 32})
    monkeypatch.delenv("RADIANT_PORTAL_PAGESIZE")
    monkeypatch.setenv("RADIANT_PORTAL_DEMO", "true")  # demo mode is not an environment switch
    with pytest.raises(InvalidSettingsError, match="RADIANT_PORTAL_DEMO"):
        create_app({"TESTING": True, "SECRET_KEY": "k" * 32})


def test_several_bad_settings_are_one_line_naming_each(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RADIANT_ZNUNY_TIMEOUT", "-1")
    monkeypatch.setenv("RADIANT_DEFAULT_TIME_ZONE", "Mars/Base")
    code, _, err = run_cli(["sync", "status"], capsys)
    assert code == 1 and len(err.splitlines()) == 1
    assert "RADIANT_ZNUNY_TIMEOUT='-1'" in err and "RADIANT_DEFAULT_TIME_ZONE='Mars/Base'" in err


def test_broken_toml_and_unknown_keys_are_one_line(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = clean_env / "radiant.toml"
    monkeypatch.setenv("RADIANT_CONFIG", str(toml))
    toml.write_text('znuny_url = "http://znuny.example.com"\nznuny_user = \n')
    for args in (["demo"], ["check"], ["sync"], ["serve"], ["plugins"], ["db", "url"]):
        code, _, err = run_cli(args, capsys)
        assert code == 1, args
        assert err.splitlines() == [f"Error: the settings file {toml} is not valid TOML: "
                                    "Invalid value (at line 2, column 14) (allowed: key = "
                                    "value lines as docs/settings.md shows)"], args
    toml.write_text('znuny_ulr = "http://znuny.example.com"\nznuny_timeout = -1\n')
    code, _, err = run_cli(["check"], capsys)
    assert code == 1
    assert err == (f"Error: invalid setting: znuny_ulr='http://znuny.example.com' in {toml}: "
                   "unknown setting (allowed: the settings listed in docs/settings.md)\n")
    toml.write_text("znuny_timeout = -1\nznuny_password = 5\n")
    code, _, err = run_cli(["check"], capsys)
    assert code == 1 and len(err.splitlines()) == 1
    assert f"znuny_timeout=-1 in {toml}: Input should be greater than 0" in err
    assert f"znuny_password (secret, value not shown) in {toml}" in err


def test_a_misspelt_secret_in_the_file_is_not_shown(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = clean_env / "radiant.toml"
    monkeypatch.setenv("RADIANT_CONFIG", str(toml))
    toml.write_text(f'znuny_pasword = "{SECRET_MARK}"\n')
    code, _, err = run_cli(["check"], capsys)
    assert code == 1 and SECRET_MARK not in err
    assert f"znuny_pasword (secret, value not shown) in {toml}: unknown setting" in err


def test_help_and_the_sandbox_are_not_held_up_by_settings(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RADIANT_ZNUNY_TIMEOUT", "-1")
    assert run_cli(["--help"], capsys)[0] == 0
    assert run_cli(["sync", "--help"], capsys)[0] == 0
    assert run_cli(["sandbox", "--help"], capsys)[0] == 0


def test_a_good_environment_passes(clean_env: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RADIANT_ZNUNY_VERIFY_TLS", "false")
    monkeypatch.setenv("RADIANT_ZNUNY_SESSION_IN_HEADER", "off")
    monkeypatch.setenv("RADIANT_SYNC_INTERVALS", '{"ticket-pull": 30}')
    monkeypatch.setenv("RADIANT_ZNUNY_DB_URL", "")
    monkeypatch.setenv("RADIANT_DATABASE_URL", "postgres://radiant:pw@db.example.com/radiant")
    code, out, err = run_cli(["db", "url"], capsys)
    assert (code, err) == (0, "")
    assert out == "postgresql+psycopg://radiant:***@db.example.com/radiant\n"
    from radiant_ext.config import load_settings

    settings = load_settings()
    assert settings.znuny_verify_tls is False and settings.znuny_session_in_header is False
    assert settings.znuny_db_url is None


# -- a few commands in a real process: nothing but the one line --------------------------------

def _env(tmp_path: Path, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("RADIANT_")}
    env.update(RADIANT_CONFIG=str(tmp_path / "absent.toml"),
               RADIANT_DATA_DIR=str(tmp_path / "data"), **more)
    return env


@pytest.mark.parametrize(("args", "setting", "value"), [
    (["demo", "--port", "0"], "RADIANT_SYNC_INTERVALS", '{"ticket-pull": -5}'),
    (["sync"], "RADIANT_CATALOG_DIRS", "/etc/radiant/catalogs"),
    (["check"], "RADIANT_DATABASE_URL", "mysql://radiant:pw@db.example.com/radiant"),
    (["serve", "--port", "0"], "RADIANT_PORTAL_TIMEZONE", "Mars/Base"),
    (["serve", "--port", "0"], "RADIANT_PORTAL_LOGIN_MAX_FAILURES", "abc"),
    (["serve", "--port", "0"], "RADIANT_PORTAL_PAGE_SIZE", "0"),
])
def test_commands_in_a_process_refuse_with_one_line(
    args: list[str], setting: str, value: str, tmp_path: Path
) -> None:
    env = _env(tmp_path, RADIANT_SECRET_KEY="k" * 40, **{setting: value})
    done = subprocess.run([sys.executable, "-m", "radiant_ext", *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert re.match(rf"Error: invalid setting: {setting}=.*\(allowed: ", lines[0]), lines[0]
    assert "pw@" not in done.stderr


def test_the_spinning_interval_of_the_issue_is_refused_by_the_sync_process(
    tmp_path: Path
) -> None:
    env = _env(tmp_path, RADIANT_SYNC_INTERVALS='{"ticket-pull": -5}')
    done = subprocess.run([sys.executable, "-m", "radiant_ext", "sync"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == (
        "Error: invalid setting: RADIANT_SYNC_INTERVALS='{\"ticket-pull\": -5}': ticket-pull: "
        "Input should be greater than or equal to 1 (allowed: a JSON object of job id -> whole "
        "seconds from 1 to 604800, e.g. {\"ticket-pull\": 60}; ids as "
        f"`{shlex.quote(sys.executable)} -m radiant_ext sync status` lists them)\n")  # as run


def test_settings_docs_name_every_setting() -> None:
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for field in Settings.model_fields:
        assert f"`{env_name(field)}`" in text, field
    for key in DEFAULTS:
        assert f"`RADIANT_{key}`" in text, key
