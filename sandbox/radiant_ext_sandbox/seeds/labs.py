"""The lab fixtures the recordings assume: ``lab`` (OTRS CE 6), ``znuny-lab`` (Znuny 7.0.19)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import write_setting
from radiant_ext_sandbox.seeds import _base as b
from radiant_ext_sandbox.seeds._tickets import FixtureArticle as A
from radiant_ext_sandbox.seeds._tickets import FixtureTicket as T
from radiant_ext_sandbox.seeds._tickets import insert_fixture
from radiant_ext_sandbox.timeutil import Clock, ticket_number

PASSWORD = "lab-password"
WELCOME_TN = "2015071510123456"
PROCESS = "---\nDefaultValue: ''\n"
DATETIME = "---\nDefaultValue: 0,\nYearsInFuture: 0,\nYearsInPast: 0,\nYearsPeriod: 0,\n"


def _company(
    conn: Connection,
    when: dt.datetime,
    cid: str,
    name: str,
    city: str | None = None,
    country: str | None = None,
) -> None:
    conn.execute(
        s.customer_company.insert().values(
            customer_id=cid, name=name, city=city, country=country, valid_id=1, **b.audit(when)
        )
    )


def _services(conn: Connection, when: dt.datetime, names: list[tuple[str, int]]) -> None:
    conn.execute(
        s.service.insert(),
        [{"name": n, "valid_id": v, "comments": "", **b.audit(when)} for n, v in names],
    )


def _links(conn: Connection, when: dt.datetime, pairs: list[tuple[str, int]]) -> None:
    conn.execute(
        s.service_customer_user.insert(),
        [
            {"customer_user_login": login, "service_id": sid, "create_time": when, "create_by": 1}
            for login, sid in pairs
        ],
    )


def _welcome(created: dt.datetime) -> T:
    return T(
        "Welcome to Znuny!",
        "Raw",
        "new",
        "3 normal",
        "info@znuny.com",
        "info@znuny.com",
        created,
        WELCOME_TN,
        articles=[
            A(
                "Welcome to Znuny!",
                "Welcome! Thank you for installing Znuny.",
                from_="Znuny Team <info@znuny.com>",
            )
        ],
    )


def seed_lab(conn: Connection, clock: Clock) -> None:
    """``lab``: the otrs-ce-6 fixture (README §2), OTRS 6 behaviour, clock at 23:14:49."""
    install_at = dt.datetime(2026, 11, 22, 22, 58, 21)
    clock.set_now(dt.datetime(2026, 11, 22, 23, 14, 49))
    b.install(
        conn,
        install_at,
        "otrs6",
        {"ticket_type": 1, "ticket_service": 1, "clock_offset": clock.offset},
    )
    b.add_queues(
        conn,
        install_at,
        [("IT", 1, None), ("HR", 1, None), ("Accounting", 1, None), ("Customer Service", 1, None)],
    )
    conn.execute(
        s.ticket_type.insert(),
        [
            {"name": n, "valid_id": 1, **b.audit(install_at)}
            for n in ("Incident", "Service Request")
        ],
    )
    _services(
        conn,
        install_at,
        [
            ("IT", 1),
            ("IT::Cash register", 1),
            ("IT::Printer", 1),
            ("HR", 1),
            ("HR::Vacation request", 1),
        ],
    )
    conn.execute(
        s.sla.insert().values(
            name="Gold",
            calendar_name="",
            first_response_time=60,
            first_response_notify=80,
            update_time=240,
            update_notify=0,
            solution_time=480,
            solution_notify=90,
            valid_id=1,
            comments="lab SLA",
            **b.audit(install_at),
        )
    )
    conn.execute(s.service_sla.insert().values(service_id=3, sla_id=1))
    _links(conn, install_at, [("cust1", 1), ("cust1", 2), ("cust1", 3), ("cust2", 4), ("cust2", 5)])
    b.add_field(
        conn, install_at, "ProcessManagementProcessID", "Process", "ProcessID", PROCESS, 1, 1
    )
    b.add_field(
        conn, install_at, "ProcessManagementActivityID", "Activity", "ActivityID", PROCESS, 1, 1
    )
    b.add_field(conn, install_at, "CustomerReference", "Customer Reference", "Text", b.TEXT, 2)
    b.add_field(conn, install_at, "Impact", "Impact", "Dropdown", b.DROPDOWN_IMPACT, 3)
    rw = {1: ("ro", "rw", "create")}
    b.add_agent(
        conn,
        install_at,
        "otrs6",
        "agent1",
        PASSWORD,
        "Agent",
        "One",
        "agent1@otrslab.test",
        rw,
    )
    b.add_agent(
        conn,
        install_at,
        "otrs6",
        "agent2",
        PASSWORD,
        "Agent",
        "Two",
        "agent2@otrslab.test",
        rw,
    )
    _company(conn, install_at, "acme", "ACME Corp", "Springfield", "Germany")
    _company(conn, install_at, "globex", "Globex Inc")
    for login, first, last, cid in (
        ("cust1", "Carla", "Customer", "acme"),
        ("cust2", "Chris", "Client", "globex"),
        ("cust3", "Cory", "Colleague", "acme"),
    ):
        b.add_customer(
            conn, install_at, "otrs6", login, PASSWORD, first, last, f"{login}@otrslab.test", cid
        )
    b.add_webservice(conn, install_at, "GenericTicketConnectorREST", "otrs6")
    _lab_tickets(conn, install_at)
    write_setting(conn, "seed", "lab")


def _lab_tickets(conn: Connection, install_at: dt.datetime) -> None:
    day = install_at.date()

    def tn(n: int) -> str:
        return ticket_number(day, "10", n)

    def at(minute: int) -> dt.datetime:
        return dt.datetime(2026, 11, 22, 23, minute, 0)

    mail = '"Carla Customer" <cust1@otrslab.test>'
    fixtures = [
        _welcome(install_at),
        T(
            "Printer in room 12 prints blank pages",
            "IT",
            "new",
            "3 normal",
            "cust1",
            "acme",
            at(1),
            tn(1),
            "Incident",
            "IT::Printer",
            articles=[A("Blank pages", "Every page comes out empty.", from_=mail)],
        ),
        T(
            "Printer toner warning",
            "IT",
            "pending reminder",
            "4 high",
            "cust1",
            "acme",
            at(2),
            tn(2),
            "Incident",
            "IT::Printer",
            owner_id=2,
            until=dt.datetime(2026, 11, 24, 9, 0),
            articles=[
                A("Toner", "The toner warning light is on.", from_=mail),
                A("Re: Toner", "New toner is ordered.", sender=1, minutes=1, from_="Agent One"),
            ],
        ),
        T(
            "Monitor flickers",
            "Misc",
            "open",
            "5 very high",
            "cust1",
            "acme",
            at(2),
            tn(3),
            articles=[A("Monitor", "The monitor shows a blue tint and flickers.", from_=mail)],
        ),
        T(
            "Payslip question",
            "HR",
            "new",
            "2 low",
            "cust2",
            "globex",
            at(3),
            tn(4),
            articles=[A("Payslip", "My payslip is missing.", from_="cust2@otrslab.test")],
        ),
        T(
            "Travel expenses",
            "Accounting",
            "closed successful",
            "4 high",
            "cust3",
            "acme",
            at(3),
            tn(5),
            articles=[
                A("Expenses", "Please refund my travel.", from_="cust3@otrslab.test"),
                A("Re: Expenses", "Refunded.", sender=1, minutes=1, from_="Agent One"),
            ],
        ),
        T(
            "Delivery address change",
            "Customer Service",
            "open",
            "3 normal",
            "cust2",
            "globex",
            at(3),
            tn(6),
            articles=[
                A("Address", "We moved to a new office.", from_="cust2@otrslab.test"),
                A(
                    "Internal",
                    "Check the contract first.",
                    sender=1,
                    visible=0,
                    minutes=1,
                    from_="Agent One",
                ),
            ],
        ),
    ]
    for fx in fixtures:
        insert_fixture(conn, fx)
    conn.execute(
        s.ticket_number_counter.insert().values(
            counter=6, counter_uid=f"{day:%Y%m%d}", create_time=install_at
        )
    )


def seed_znuny_lab(conn: Connection, clock: Clock) -> None:
    """``znuny-lab``: the znuny fixture (both web services), Znuny 7 behaviour."""
    install_at = dt.datetime(2026, 11, 23, 5, 30, 0)
    clock.set_now(dt.datetime(2026, 11, 23, 5, 32, 25))
    b.install(conn, install_at, "znuny7", {"clock_offset": clock.offset})
    b.add_queues(conn, install_at, [("IT", 1, None)])
    _services(conn, install_at, [("IT", 1), ("IT::Printer", 1), ("IT::Network", 1), ("Legacy", 2)])
    conn.execute(
        s.sla.insert().values(
            name="Gold",
            calendar_name="",
            first_response_time=60,
            first_response_notify=80,
            update_time=0,
            update_notify=0,
            solution_time=480,
            solution_notify=90,
            valid_id=1,
            comments="lab SLA",
            **b.audit(install_at),
        )
    )
    conn.execute(s.service_sla.insert().values(service_id=2, sla_id=1))
    _links(conn, install_at, [("<DEFAULT>", 1), ("cust1", 1), ("cust1", 2)])
    b.add_field(
        conn, install_at, "ProcessManagementProcessID", "Process", "ProcessID", PROCESS, 1, 1
    )
    b.add_field(
        conn, install_at, "ProcessManagementActivityID", "Activity", "ActivityID", PROCESS, 1, 1
    )
    b.add_field(
        conn, install_at, "ProcessManagementAttachment", "Attachment", "TextArea", PROCESS, 1, 1
    )
    b.add_field(
        conn,
        install_at,
        "TicketCalendarStartTime",
        "Ticket Calendar StartTime",
        "DateTime",
        DATETIME,
        1,
    )
    b.add_field(
        conn,
        install_at,
        "TicketCalendarEndTime",
        "Ticket Calendar EndTime",
        "DateTime",
        DATETIME,
        1,
    )
    b.add_field(conn, install_at, "CustomerReference", "Customer Reference", "Text", b.TEXT, 2)
    b.add_field(conn, install_at, "Impact", "Impact", "Dropdown", b.DROPDOWN_IMPACT, 3)
    b.add_agent(
        conn,
        install_at,
        "znuny7",
        "agent1",
        PASSWORD,
        "Agent",
        "One",
        "agent1@znunylab.test",
        {1: ("ro", "rw", "create"), 2: ("ro", "rw")},
    )
    _company(conn, install_at, "acme", "ACME Corp")
    _company(conn, install_at, "globex", "Globex Inc")
    b.add_customer(
        conn,
        install_at,
        "znuny7",
        "cust1",
        PASSWORD,
        "Carla",
        "Customer",
        "cust1@znunylab.test",
        "acme",
    )
    b.add_customer(
        conn,
        install_at,
        "znuny7",
        "cust2",
        PASSWORD,
        "Chris",
        "Client",
        "cust2@znunylab.test",
        "globex",
    )
    b.add_webservice(conn, install_at, "GenericTicketConnectorREST", "znuny")
    b.add_webservice(conn, install_at, "GenericTicketConnectorRESTExtra", "znuny-extra")
    insert_fixture(conn, _welcome(install_at))
    write_setting(conn, "seed", "znuny-lab")
