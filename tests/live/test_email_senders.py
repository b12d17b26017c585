"""What a real PostMaster tells about a mail's sender, as e-mail routing reads it.

The ``email-classify`` job reads tickets through the GenericInterface, which carries no
customer-user record: it tells a sender Znuny knows from a stranger by the ticket's customer
company (``postmaster_knows_sender``). These tests check that reading against the real
PostMaster: a customer user's mail is filed under their company, a stranger's under their
address — so a stranger's "cash register in store 001 does not work" gets neither the store
nor its priority, by the webhook or by the job.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from radiant_ext.client import ZnunyClient
from radiant_ext.plugins.email_routing import EmailRouter, postmaster_knows_sender
from radiant_ext.sync.classify import inbound_mail
from tests._live import LiveServer
from tests.live._mail import find_ticket_by_title, mail
from tests.live._portal import Simulator

pytestmark = pytest.mark.live


def test_the_postmaster_files_a_known_sender_under_their_company_and_a_stranger_apart(
    server: LiveServer, agent: ZnunyClient, simulator: Simulator, run_marker: str,
) -> None:
    known_marker, stranger_marker = f"{run_marker}-known", f"{run_marker}-stranger"
    server.postmaster(mail(server.customer_email,
                           f"Receipt printer jams [{known_marker}]",
                           "The receipt printer jams at every receipt.", known_marker))
    stranger = f"{run_marker.lower()}-stranger@example.com"
    server.postmaster(mail(stranger, f"Cash register in store 001 does not work "
                                     f"[{stranger_marker}]",
                           "The cash register in store 001 does not work.", stranger_marker))
    known = agent.ticket_get(find_ticket_by_title(agent, known_marker), all_articles=True,
                             dynamic_fields=True, article_limit=1)
    strange = agent.ticket_get(find_ticket_by_title(agent, stranger_marker), all_articles=True,
                               dynamic_fields=True, article_limit=1)

    assert (known.customer_user_id, known.customer_id) == (server.customer,
                                                            server.customer_company)
    assert postmaster_knows_sender(known.customer_id, known.customer_user_id)
    assert strange.customer_id.casefold() == stranger.casefold()
    assert not postmaster_knows_sender(strange.customer_id, strange.customer_user_id)

    # as the job would route it had the webhook missed it (the webhook may have routed it
    # already: the category it wrote is set aside)
    routed = EmailRouter(simulator.plugins).route(replace(inbound_mail(strange), category=None))
    assert routed.decision is not None, routed.reason
    assert routed.decision.store_id is None
    assert routed.decision.priority_level <= 3
    print(f"{server.version}: stranger's mail → {routed.decision.item_id}, "
          f"{routed.decision.priority}, store {routed.decision.store_id}")
