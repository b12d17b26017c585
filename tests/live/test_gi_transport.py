"""What the real GenericInterface accepts on the wire, where the sandbox must agree.

Znuny refuses a POST whose JSON body is an empty object ("Unsupported request content
structure.", HTTP 500) but takes a POST without a body; with the session in a header a call
without other parameters would be exactly that, so the client sends no body then.
"""

from __future__ import annotations

import pytest
import requests

from radiant_ext.client import ZnunyClient
from radiant_ext.config import Settings

pytestmark = pytest.mark.live


def test_an_empty_json_object_is_refused_and_the_client_never_sends_one(
        settings: Settings, agent: ZnunyClient) -> None:
    endpoint = agent._endpoint  # the web service the companion uses
    answer = requests.post(f"{endpoint}/Ticket/Search", data=b"{}", timeout=30,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 500
    assert answer.text.strip() == "Unsupported request content structure."
    with ZnunyClient.from_settings(settings, header_auth=True) as client:
        if client.routes.route("TicketSearch").method == "GET":
            pytest.skip("this route set searches with GET: nothing to send in a body")
        assert isinstance(client.ticket_search(), list)
