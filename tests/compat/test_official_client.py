"""Bitfinex's official Python client (bitfinex-api-py, unmodified) against bfx-sim."""

import os
from decimal import Decimal

import pytest
from bfxapi import Client
from bfxapi.exceptions import InvalidCredentialError
from bfxapi.rest.exceptions import GenericError

URL = os.environ["BFX_SIM_URL"]


@pytest.fixture()
def client():
    return Client(api_key=os.environ["BFX_SIM_KEY"], api_secret=os.environ["BFX_SIM_SECRET"], rest_host=URL + "/v2")


def test_reads_wallets(client):
    wallets = client.rest.auth.get_wallets()
    funding = [w for w in wallets if w.wallet_type == "funding" and w.currency == "USD"]
    assert len(funding) == 1
    assert funding[0].balance > 0


def test_submits_lists_and_cancels_an_offer(client):
    before = client.rest.auth.get_funding_offers(symbol="fUSD")
    n = client.rest.auth.submit_funding_offer("LIMIT", "fUSD", Decimal("150.5"), Decimal("0.005"), 30)
    assert n.status == "SUCCESS"
    offer = n.data
    assert offer.symbol == "fUSD" and offer.period == 30
    listed = client.rest.auth.get_funding_offers(symbol="fUSD")
    assert offer.id in [o.id for o in listed]
    assert len(listed) == len(before) + 1
    c = client.rest.auth.cancel_funding_offer(offer.id)
    assert c.status == "SUCCESS"
    assert offer.id not in [o.id for o in client.rest.auth.get_funding_offers(symbol="fUSD")]


def test_refusals_raise_the_clients_own_errors(client):
    with pytest.raises(GenericError, match="minimum is 150.0 dollar"):
        client.rest.auth.submit_funding_offer("LIMIT", "fUSD", 10, 0.0002, 2)
    bad = Client(api_key=os.environ["BFX_SIM_KEY"], api_secret="wrong", rest_host=URL + "/v2")
    with pytest.raises(InvalidCredentialError):
        bad.rest.auth.get_wallets()


def test_lists_ledgers(client):
    ledgers = client.rest.auth.get_ledgers("USD")
    assert any("Deposit" in l.description for l in ledgers)
    assert all(l.currency == "USD" for l in ledgers)


def test_public_funding_data(client):
    ticker = client.rest.public.get_f_ticker("fUSD")
    assert ticker.frr > 0
    book = client.rest.public.get_f_book("fUSD", precision="P0")
    assert len(book) > 0
