"""The shape of generated ticket history: catalog categories, weekday and hour weights."""

from __future__ import annotations

#: category id, service, type, title, body, weight
CATEGORIES = [
    (
        "it.pos-down",
        "IT::Cash register",
        "Incident",
        "Cash register does not start",
        "POS is down.",
        8,
    ),
    (
        "it.receipt-printer",
        "IT::Receipt printer",
        "Incident",
        "Receipt printer failure",
        "The receipt printer does not print.",
        10,
    ),
    (
        "it.price-tag-printer",
        "IT::Price-tag printer",
        "Incident",
        "Price-tag printer jams",
        "Price tags come out crumpled.",
        6,
    ),
    (
        "it.erp-access",
        "IT::ERP access",
        "Service Request",
        "ERP access for new clerk",
        "Please grant ERP access.",
        6,
    ),
    ("it.email", "IT::E-mail", "Incident", "Mailbox is full", "Cannot receive e-mail.", 4),
    (
        "it.password-reset",
        "IT::Password reset",
        "Service Request",
        "Password reset",
        "Forgot my password.",
        9,
    ),
    (
        "it.new-workstation",
        "IT::Workstation",
        "Incident",
        "Workstation is slow",
        "The PC is very slow.",
        5,
    ),
    (
        "hr.vacation-request",
        "HR::Vacation request",
        "Service Request",
        "Vacation request",
        "I would like two weeks off.",
        7,
    ),
    (
        "hr.certificate-of-employment",
        "HR::Certificate of employment",
        "Service Request",
        "Certificate of employment",
        "Need a certificate for the bank.",
        4,
    ),
    (
        "hr.onboarding",
        "HR::Onboarding",
        "Service Request",
        "Onboarding a new clerk",
        "A new clerk starts on Monday.",
        3,
    ),
    (
        "accounting.invoice-question",
        "Accounting::Invoice question",
        "Service Request",
        "Invoice question",
        "The supplier invoice looks wrong.",
        4,
    ),
    (
        "legal.contract-review",
        "Legal::Contract review",
        "Service Request",
        "Lease contract review",
        "Please review the lease.",
        2,
    ),
    (
        "maintenance.display-case",
        "Maintenance::Display case",
        "Incident",
        "Display case broken",
        "The fridge display case is warm.",
        5,
    ),
    (
        "maintenance.lighting",
        "Maintenance::Lighting",
        "Incident",
        "Lights out in aisle",
        "Two lamps are out.",
        5,
    ),
    (
        "maintenance.hvac",
        "Maintenance::HVAC",
        "Incident",
        "Air conditioning fails",
        "It is too hot in the shop.",
        4,
    ),
    (
        "maintenance.door-lock",
        "Maintenance::Door and lock",
        "Incident",
        "Entrance door lock stuck",
        "The lock does not close.",
        3,
    ),
    (
        "customer-service.feedback",
        "Customer Service::Feedback",
        "Feedback",
        "Customer feedback",
        "A customer liked the service.",
        3,
    ),
    (
        "customer-service.complaint",
        "Customer Service::Complaint",
        "Incident",
        "Customer complaint",
        "A customer complains about a refund.",
        4,
    ),
]
WEEKDAY_WEIGHTS = [2.0, 1.5, 1.3, 1.0, 1.2, 0.6, 0.4]  # Monday … Sunday
HOUR_WEIGHTS = {
    h: w for h, w in zip(range(7, 22), [1, 4, 6, 7, 7, 6, 5, 6, 6, 5, 4, 3, 2, 1, 1], strict=True)
}
PRINTER_STORE = "store-012"  # recurring receipt-printer failures
