"""Customer scoping: which tickets and articles a customer may see.

The GI does not enforce this when the companion reads with its agent account, so every read
path of the portal goes through these two functions (design.md, "Security rules").
"""

from __future__ import annotations

from collections.abc import Mapping

from radiant_ext.portal.ports import Customer, Scope

__all__ = ["article_visible", "ticket_visible", "visible_stores"]


def ticket_visible(
    customer: Customer, customer_user: str | None, customer_id: str | None, scope: Scope = "company"
) -> bool:
    """Whether ``customer`` may see a ticket of ``customer_user`` at company ``customer_id``.

    Own tickets are always visible; with ``scope="company"`` so are the tickets of the
    customer's own company — as in Znuny's customer interface (contract otrs-ce-6 047) —
    unless the company is a catch-all one (``customer.company_visible`` is false).
    Logins compare case-insensitively, like Znuny's customer user backend.
    """
    if customer_user and customer_user.casefold() == customer.login.casefold():
        return True
    return (
        scope == "company" and customer.company_visible and bool(customer_id)
        and customer_id == customer.customer_id
    )


def article_visible(is_visible_for_customer: bool | int | str | None) -> bool:
    """Whether an article may be shown: only ``IsVisibleForCustomer`` = 1 (contract 114)."""
    return str(is_visible_for_customer).strip().lower() in {"1", "true"}


def visible_stores(customer: Customer, stores: Mapping[str, str]) -> dict[str, str]:
    """The stores a list filter may offer ``customer``: only those whose requests they can see.

    A store's staff (their company is a store of the directory) see their own store's
    requests and their own, so only their store is offered. Customers of another company
    (head office) file requests for any store, so any store may be in their company's list.
    A customer who sees no company list (a catch-all company) is offered none.

    :param stores: the store directory, customer company id → name.
    """
    if not customer.company_visible:
        return {}
    own = customer.customer_id
    if own and own in stores:
        return {own: stores[own]}
    return dict(stores)
