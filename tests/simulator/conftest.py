"""Fixtures: a small seeded simulator, served over HTTP on a free loopback port."""

import pytest
import requests

from shopify_simulator import FakeClock, Simulator, SimulatorServer


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sim(clock):
    return Simulator(seed=7, products=40, variants_per_product=(1, 3), orders=30, clock=clock)


@pytest.fixture
def server(sim):
    with SimulatorServer(sim) as running:
        yield running


class Client:
    """A tiny client of the simulated Admin API."""

    def __init__(self, server, token):
        self.server = server
        self.token = token
        self.session = requests.Session()

    def post(self, query, variables=None, token=..., **kwargs):
        headers = {"X-Shopify-Access-Token": self.token if token is ... else token}
        return self.session.post(
            self.server.graphql_url,
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=10,
            **kwargs,
        )

    def gql(self, query, variables=None, wait_when_throttled=True, **kwargs):
        """POST and decode; when THROTTLED, let the fake clock pass and retry."""
        for _ in range(50):
            response = self.post(query, variables, **kwargs)
            assert response.status_code == 200, response.text
            body = response.json()
            codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or ()]
            if not (wait_when_throttled and "THROTTLED" in codes):
                return body
            self.server.sim.clock.advance(5)
        raise AssertionError("still throttled")


@pytest.fixture
def client(server, sim):
    return Client(server, sim.access_token)
