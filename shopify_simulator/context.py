"""Per-request execution context and the result handed to the HTTP layer."""

from graphql import get_named_type

from shopify_simulator.cost import _Calculator


class Result:
    """What the HTTP layer sends: status, JSON body (or None for a dropped connection)."""

    __slots__ = ("body", "drop", "headers", "latency", "status")

    def __init__(self, status=200, body=None, headers=None, drop=False, latency=0.0):
        self.status, self.body, self.headers = status, body, headers or {}
        self.drop, self.latency = drop, latency


class Context:
    """Per-request execution context (``info.context``)."""

    def __init__(self, sim, scopes, variables):
        self.sim = sim
        self.store = sim.store
        self.scopes = scopes
        self.client_id = sim.client_id
        self.counters = sim._counters
        self.idempotency = sim._idempotency
        self.variables = variables
        self.unused = 0
        self._node_costs = {}
        self._calculator = None
        self.now = sim.now

    def record_connection(self, info, slots, returned):
        if slots <= returned:
            return
        node = info.field_nodes[0]
        per_item = self._node_costs.get(id(node))
        if per_item is None:
            per_item = self._per_item(info)
            self._node_costs[id(node)] = per_item
        self.unused += (slots - returned) * per_item

    def _per_item(self, info):
        if self._calculator is None:
            fragments = dict(info.fragments)
            self._calculator = _Calculator(info.schema, fragments, info.variable_values)
        calc = self._calculator
        connection_type = get_named_type(info.return_type)
        per_item = 0
        for node in info.field_nodes:
            if node.selection_set is None:
                continue
            fields = calc.collect(node.selection_set, connection_type)
            for sub_nodes in fields.values():
                name = sub_nodes[0].name.value
                if name == "nodes":
                    per_item += calc.field_cost(sub_nodes, connection_type)
                elif name == "edges":
                    edge_type = get_named_type(connection_type.fields["edges"].type)
                    for sub in sub_nodes:
                        per_item += calc.selection_cost(sub.selection_set, edge_type)
        return per_item
