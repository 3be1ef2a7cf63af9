"""HTTP front of the simulator (stdlib ``ThreadingHTTPServer`` on 127.0.0.1).

Shopify endpoints:

- ``POST /admin/api/<version>/graphql.json`` (header ``X-Shopify-Access-Token``);
- ``POST /admin/oauth/access_token`` (client-credentials grant, form or JSON).

Control endpoints (JSON in, JSON out; no auth, loopback only):

- ``GET  /_simulator/info`` -> shop domain, token, client id/secret, time;
- ``GET  /_simulator/counters``; ``POST /_simulator/reset_counters``;
- ``GET  /_simulator/available?sku=..&location=..``;
- ``GET  /_simulator/quantity?sku=..&name=..&location=..``;
- ``GET  /_simulator/order?id=..`` (stored order, totals);
- ``POST /_simulator/<method>`` with the keyword arguments of the Python
  method as JSON body, for ``place_order``, ``set_price``, ``set_quantity``,
  ``fulfill``, ``hold``, ``cancel``, ``refund``, ``touch``, ``add_token``,
  ``revoke_token``, ``reset_counters``; answers ``{"result": ...}``;
- ``POST /_simulator/faults`` ``{rates, calls, latency, only, retry_after}``
  replaces the fault plan; ``DELETE /_simulator/faults`` clears it;
- ``POST /_simulator/bucket`` ``{maximum, restore_rate, drain}``;
- ``POST /_simulator/clock/advance`` ``{seconds}`` (fake clock only);
- webhooks (sent by a background thread of this server): ``GET
  /_simulator/webhooks`` (faults, queue, counters), ``GET
  /_simulator/webhooks/log``; ``POST /_simulator/webhooks`` ``{duplicates,
  drops, delay, shuffle, forged, seed}``; ``POST /_simulator/webhooks/outage``
  ``{seconds}``; ``POST /_simulator/webhooks/deliver``; control methods
  ``mark_paid`` and ``uninstall_app``.
"""

import contextlib
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

GRAPHQL_PATH = re.compile(r"^/admin/api/([\w-]+)/graphql\.json$")
CONTROL_METHODS = (
    "place_order",
    "set_price",
    "set_quantity",
    "fulfill",
    "hold",
    "cancel",
    "refund",
    "touch",
    "add_token",
    "revoke_token",
    "reset_counters",
    "mark_paid",
    "uninstall_app",
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "ShopifySimulator/1.0"

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)

    # -- plumbing -----------------------------------------------------------
    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, payload, headers=None):
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _drop(self):
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _json(self, raw):
        if not raw:
            return {}
        return json.loads(raw.decode("utf-8"))

    # -- routes -------------------------------------------------------------
    def do_POST(self):
        url = urlsplit(self.path)
        raw = self._body()
        sim = self.server.sim
        match = GRAPHQL_PATH.match(url.path)
        try:
            if match:
                return self._graphql(sim, raw, match.group(1))
            if url.path == "/admin/oauth/access_token":
                return self._oauth(sim, raw)
            if url.path.startswith("/_simulator/"):
                return self._control("POST", url, self._json(raw))
        except (ValueError, KeyError, TypeError) as exc:
            return self._send(400, {"errors": f"{type(exc).__name__}: {exc}"})
        return self._send(404, {"errors": "Not Found"})

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path.startswith("/_simulator/"):
            try:
                return self._control("GET", url, {})
            except (ValueError, KeyError, TypeError) as exc:
                return self._send(400, {"errors": f"{type(exc).__name__}: {exc}"})
        if GRAPHQL_PATH.match(url.path):
            return self._send(405, {"errors": "Use POST"})
        return self._send(404, {"errors": "Not Found"})

    def do_DELETE(self):
        url = urlsplit(self.path)
        if url.path == "/_simulator/faults":
            self.server.sim.faults.clear()
            return self._send(200, {"result": self.server.sim.faults.describe()})
        return self._send(404, {"errors": "Not Found"})

    def _graphql(self, sim, raw, version):
        try:
            body = self._json(raw)
        except ValueError:
            return self._send(400, {"errors": "Invalid JSON body"})
        token = self.headers.get("X-Shopify-Access-Token")
        result = sim.graphql(body, token)
        if result.latency:
            sim.clock.sleep(result.latency)
        if result.drop:
            return self._drop()
        headers = dict(result.headers)
        headers["X-Shopify-API-Version"] = version
        return self._send(result.status, result.body, headers)

    def _oauth(self, sim, raw):
        content_type = self.headers.get("Content-Type", "")
        if "json" in content_type:
            form = self._json(raw)
        else:
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}
        status, body = sim.grant(form)
        return self._send(status, body)

    def _control(self, method, url, body):
        sim = self.server.sim
        name = url.path[len("/_simulator/") :].strip("/")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if name.startswith("webhooks"):
            return self._send(*sim.webhooks.control(method, name, body))
        if method == "GET":
            if name == "info":
                return self._send(200, dict(sim.info(), base_url=self.server.base_url))
            if name == "counters":
                return self._send(200, sim.counters)
            if name == "available":
                return self._send(
                    200, {"result": sim.available(query["sku"], query.get("location"))}
                )
            if name == "quantity":
                return self._send(
                    200,
                    {
                        "result": sim.quantity(
                            query["sku"], query.get("name", "available"), query.get("location")
                        )
                    },
                )
            if name == "order":
                order = sim.order(query["id"])
                public = {k: v for k, v in order.items() if not k.startswith("_")}
                return self._send(200, {"result": public, "totals": sim.order_totals(query["id"])})
            if name == "faults":
                return self._send(200, {"result": sim.faults.describe()})
            if name == "locations":
                return self._send(200, {"result": sim.locations()})
            return self._send(404, {"errors": f"unknown control endpoint {name!r}"})
        if name == "faults":
            sim.faults.configure(**body)
            return self._send(200, {"result": sim.faults.describe()})
        if name == "bucket":
            if body.get("maximum") is not None or body.get("restore_rate") is not None:
                sim.bucket.configure(body.get("maximum"), body.get("restore_rate"))
            if body.get("drain"):
                sim.bucket.drain(None if body["drain"] is True else body["drain"])
            return self._send(200, {"result": sim.bucket.status()})
        if name == "clock/advance":
            if not hasattr(sim.clock, "advance"):
                return self._send(400, {"errors": "the simulator runs on the real clock"})
            sim.clock.advance(float(body.get("seconds", 0)))
            return self._send(200, {"result": sim.now()})
        if name in CONTROL_METHODS:
            result = getattr(sim, name)(**body)
            return self._send(200, {"result": result})
        return self._send(404, {"errors": f"unknown control endpoint {name!r}"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class SimulatorServer:
    """Serve a :class:`~shopify_simulator.simulator.Simulator` on 127.0.0.1.

    ``port=0`` picks a free port.  Use ``start()``/``stop()`` or ``with``.
    """

    def __init__(self, sim, host="127.0.0.1", port=0, verbose=False):
        self.sim = sim
        self.host = host
        self.port = port
        self.verbose = verbose
        self._httpd = None
        self._thread = None

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def graphql_url(self):
        return f"{self.base_url}/admin/api/2026-10/graphql.json"

    def start(self):
        self._httpd = _Server((self.host, self.port), _Handler)
        self.port = self._httpd.server_address[1]
        self._httpd.sim = self.sim
        self._httpd.verbose = self.verbose
        self._httpd.base_url = self.base_url
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="shopify-simulator",
            daemon=True,
        )
        self._thread.start()
        self.sim.webhooks.start()
        return self

    def stop(self):
        self.sim.webhooks.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def serve_forever(self):
        """Blocking variant for the command line."""
        self.start()
        try:
            self._thread.join()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
