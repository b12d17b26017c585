"""The shape of the demo's year of history: items, calendars, models, holidays, ratings.

Item ids, services, queues, SLAs, owners and deadlines (business hours) are those of the
department catalogs (``plugins/*/catalog.yaml``): the reports group the generated tickets
exactly as they group requests filed through the portal. The sandbox imports nothing of the
companion, so the figures are copied here; ``tests/sandbox/test_year.py`` checks they agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class YearItem:
    """One catalog item as the year uses it."""

    id: str
    service: str
    queue: str
    kind: str
    hours: float
    """The catalog's deadline in business hours (halved for flagship stores)."""
    calendar: str
    """``office`` (Mon–Fri 8–18), ``service`` (the service company, Mon–Sat 8–20),
    ``store`` (the till's trading hours, every day 9–21) or ``legal`` (Mon–Fri 9–18)."""
    owners: tuple[str, ...]
    weight: float
    title: str
    body: str
    who: str = "store"
    """``store`` (store staff), ``any`` (store staff or head office), ``public`` (outside
    customers), ``shoppers`` (guest feedback on a store's public page)."""
    priority: int = 3
    form: dict[str, Any] = field(default_factory=dict)
    """Form values every request of the item carries (more are added per ticket)."""
    summer: float = 1.0
    """Volume factor from June to August (air conditioning, fridges)."""


SOFTWARE_DEFECT = YearItem(
    "it.software-defect", "IT", "IT", "Incident", 40, "office", ("it-agent",), 0,
    "Software defect", "After the night update the ERP shows yesterday's prices at the "
    "registers.", form={"system": "erp", "urgency": "normal",
                        "steps": "Open a price in the ERP after 06:00: it is yesterday's."})
"""The defect the demo's year leaves waiting for the requester's test (see
:data:`WAITING_FOR_TEST_DAYS`): the step's reminder and escalation are due at the demo's start."""
WAITING_FOR_TEST_DAYS = (14, 10)
"""The waiting defect was filed this many days before the year's end and has been in
``client testing`` since the second: more than the step's 16 and 24 business hours whatever
the holidays."""

ITEMS = (
    YearItem("it.pos-down", "IT::Cash register", "IT::Stores", "Incident", 4, "store",
             ("it-agent", "demo-agent"), 9, "Cash register does not start",
             "The register freezes at start and cannot take payments.", priority=4),
    YearItem("it.receipt-printer", "IT::Receipt printer", "IT::Stores", "Incident", 24,
             "office", ("it-agent",), 8, "Receipt printer does not print",
             "The receipt printer at the register prints blank receipts."),
    YearItem("it.price-tag-printer", "IT::Price-tag printer", "IT::Stores", "Incident", 24,
             "office", ("it-agent", "demo-agent"), 6, "Price tags come out crumpled",
             "The price-tag printer jams and the labels are misaligned.", priority=2),
    YearItem("it.erp-access", "IT::ERP access", "IT", "Service Request", 16, "office",
             ("it-agent",), 4, "ERP access for a new clerk", "Please grant ERP access.", "any",
             form={"employee": "New clerk", "role": "cashier"}),
    YearItem("it.email", "IT::E-mail", "IT", "Incident", 8, "office", ("it-agent",), 3,
             "Mailbox is full", "Cannot receive e-mail.", "any",
             form={"address": "store@retail.example", "description": "Mailbox is full."}),
    YearItem("it.password-reset", "IT::Password reset", "IT", "Service Request", 2, "office",
             ("it-agent", "demo-agent"), 8, "Password reset", "Forgot my password.", "any",
             form={"system": "erp", "login": "clerk"}),
    YearItem("it.new-workstation", "IT::Workstation", "IT", "Service Request", 40, "office",
             ("demo-agent",), 2, "New workstation", "A workstation for a new employee.", "any",
             priority=2),
    YearItem("hr.vacation-request", "HR::Vacation request", "HR", "Service Request", 30,
             "office", ("hr-agent",), 6, "Vacation request", "I would like two weeks off.",
             "any", priority=2, summer=1.6),
    YearItem("hr.certificate-of-employment", "HR::Certificate of employment", "HR",
             "Service Request", 16, "office", ("hr-agent",), 3, "Certificate of employment",
             "Need a certificate for the bank.", "any", priority=2,
             form={"purpose": "bank"}),
    YearItem("hr.onboarding", "HR::Onboarding", "HR", "Service Request", 30, "office",
             ("hr-agent",), 2, "Onboarding a new clerk", "A new clerk starts on Monday.",
             "any"),
    YearItem("accounting.invoice-question", "Accounting::Invoice question", "Accounting",
             "Service Request", 16, "office", ("acct-agent",), 3, "Invoice question",
             "The supplier invoice looks wrong.", "any", priority=2,
             form={"supplier": "Molochny Dvor", "problem": "wrong-amount"}),
    YearItem("accounting.cash-discrepancy", "Accounting", "Accounting", "Incident", 8,
             "office", ("acct-agent",), 3, "Cash discrepancy at closing",
             "The till count differs from the Z report.",
             form={"kind": "shortage", "amount": 1500}),
    YearItem("accounting.expense-reimbursement", "Accounting", "Accounting", "Service Request",
             40, "office", ("acct-agent",), 1, "Expense reimbursement",
             "Taxi receipts from the inventory night.", "any", priority=2),
    YearItem("legal.contract-review", "Legal::Contract review", "Legal", "Service Request", 24,
             "legal", ("legal-agent",), 1, "Lease contract review", "Please review the lease.",
             "any", form={"counterparty": "Mall LLC", "contract_type": "lease"}),
    YearItem("legal.power-of-attorney", "Legal", "Legal", "Service Request", 16, "legal",
             ("legal-agent",), 0.5, "Power of attorney", "A power of attorney for the courier.",
             "any", priority=2),
    YearItem("legal.store-question", "Legal", "Legal", "Service Request", 16, "legal",
             ("legal-agent",), 1, "Inspection at the store", "The fire inspector asks for papers."),
    YearItem("maintenance.display-case", "Maintenance::Display case", "Maintenance", "Incident",
             6, "service", ("maint-agent",), 4, "Display case is warm",
             "The fridge display case is warm.", summer=2.0, form={"goods_at_risk": "yes"}),
    YearItem("maintenance.lighting", "Maintenance::Lighting", "Maintenance", "Incident", 6,
             "service", ("maint-agent",), 4, "Lights out in the aisle", "Two lamps are out.",
             priority=2, form={"area": "sales-floor"}),
    YearItem("maintenance.hvac", "Maintenance::HVAC", "Maintenance", "Incident", 6, "service",
             ("maint-agent",), 2, "Air conditioning fails", "It is too hot in the shop.",
             summer=4.0),
    YearItem("maintenance.door-lock", "Maintenance::Door and lock", "Maintenance", "Incident", 6,
             "service", ("maint-agent",), 2, "Entrance door lock stuck",
             "The lock does not close.", form={"cannot_lock": "no"}),
    YearItem("customer-service.complaint", "Customer Service::Complaint", "Customer Service",
             "Feedback", 20, "office", ("cs-agent",), 3, "Customer complaint",
             "A customer complains about a refund.", "public",
             form={"topic": "refund"}),
    YearItem("customer-service.feedback", "Customer Service::Feedback", "Customer Service",
             "Feedback", 20, "office", ("cs-agent",), 1.5, "Customer feedback",
             "A customer liked the service.", "public", priority=2),
    YearItem("customer-service.shopper-feedback", "Customer Service::Feedback",
             "Customer Service", "Feedback", 20, "office", ("cs-agent",), 3,
             "Feedback from a shopper", "Left on the store's feedback page.", "shoppers"),
)
"""The items of the six department catalogs the year files requests for."""

CALENDARS = {
    "office": (8, 18, (0, 1, 2, 3, 4)),
    "service": (8, 20, (0, 1, 2, 3, 4, 5)),
    "store": (9, 21, (0, 1, 2, 3, 4, 5, 6)),
    "legal": (9, 18, (0, 1, 2, 3, 4)),
}
"""Business calendars of the deadlines (Europe/Moscow), as the catalogs name them."""

FLAGSHIP_HOURS = 0.5
"""Flagship stores are promised half the business hours (their contract's tighter terms)."""
FLAGSHIP_RULE_ITEMS = frozenset({
    "it.pos-down", "it.receipt-printer", "it.price-tag-printer", "maintenance.display-case",
    "maintenance.lighting", "maintenance.hvac", "maintenance.door-lock"})
"""Items whose catalog has the ``flagship-store`` rule."""

WEEKDAY_WEIGHTS = (1.55, 1.15, 1.0, 1.0, 0.95, 0.5, 0.4)
"""Monday … Sunday: Monday brings what the weekend left, the weekend is quiet."""
HOLIDAY_WEIGHT = 0.3
AFTER_HOLIDAYS_WEIGHT = 1.7
"""The first working day after a holiday run of more than two days (the January holidays)."""
HOUR_WEIGHTS = (0, 0, 0, 0, 0, 0, 0, 1, 4, 7, 8, 7, 6, 5, 6, 6, 5, 4, 3, 2, 1, 1, 0, 0)
"""Local hour of creation, 00 … 23: stores open at 9, the morning and the afternoon peak."""
HOLIDAYS = ((1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (2, 23), (3, 8),
            (5, 1), (5, 9), (6, 12), (11, 4))
"""Russian public holidays as (month, day): the same every year, so any year is covered."""


def is_holiday(day: dt.date) -> bool:
    """Whether ``day`` is a public holiday."""
    return (day.month, day.day) in HOLIDAYS


PRICE_TAG_MODELS = ("LabelPro LP-200", "TagJet TJ-4", "PriceMark PM-50", "Etiketka E-3",
                    "Markon M-100")
"""Price-tag printer models in the stores; the first breaks far more often than the rest."""
BAD_MODEL = PRICE_TAG_MODELS[0]
BAD_MODEL_STORES = 6
"""How many stores run the bad model."""
BAD_MODEL_RATE = 6.0
"""How many times as often a bad-model printer breaks."""
RECEIPT_PRINTER_STORE = "store-012"
"""The store whose receipt printer fails again and again (the ``recurring`` report)."""

FEEDBACK_TOPICS = (("staff", 5), ("store", 4), ("product", 4), ("prices", 3), ("praise", 4),
                   ("delivery", 1), ("other", 1))
"""Guest feedback topics (the public form's choice) and their weights."""

RATINGS_ON_TIME = (2, 3, 10, 30, 55)
RATINGS_LATE = (15, 20, 25, 25, 15)
"""Weights of ratings 1 … 5 for requests solved by their deadline and after it."""
RATED_SHARE = 0.35
POOR_COMMENTS = ("Nobody came for two days.", "The same fault is back again.",
                 "Closed without fixing it.", "Too slow, we lost sales.")
GOOD_COMMENTS = ("Quick and polite, thank you.", "", "", "Fixed on the first visit.")
