"""A local simulator of Shopify's Admin GraphQL API (version 2026-10).

It answers ``POST /admin/api/<version>/graphql.json`` and
``POST /admin/oauth/access_token`` over HTTP on a loopback port, executes
GraphQL documents against Shopify's official 2026-10 schema with graphql-core,
and keeps a deterministic, seeded shop in memory (products, variants,
inventory, customers, orders, fulfillment orders, refunds).

Usage::

    from shopify_simulator import Simulator, SimulatorServer

    sim = Simulator(seed=1, products=300, orders=40)
    with SimulatorServer(sim) as server:
        server.base_url          # "http://127.0.0.1:PORT"
        sim.place_order(lines=[{"sku": "SKU-00001-1", "quantity": 2}])

See :mod:`shopify_simulator.simulator` for the control API and the list of
what is and is not simulated.
"""

from shopify_simulator.clock import FakeClock, RealClock
from shopify_simulator.faults import Faults
from shopify_simulator.server import SimulatorServer
from shopify_simulator.simulator import Simulator
from shopify_simulator.throttle import PLANS, LeakyBucket

__all__ = [
    "PLANS",
    "FakeClock",
    "Faults",
    "LeakyBucket",
    "RealClock",
    "Simulator",
    "SimulatorServer",
]
