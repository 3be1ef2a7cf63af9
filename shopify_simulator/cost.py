"""Requested query cost, computed the way Shopify documents it.

Shopify checks the *requested* cost of a query before running it and refuses
the whole query above 1000 points.  The documented rules:

- scalars and enums cost 0 (so does ``__typename``);
- each object, interface or union field costs 1 (a plain list of objects
  counts as one object: its size is unknown before the query runs);
- a connection field (type name ending in ``Connection``) costs
  2 + ``first`` (or ``last``) x the cost of one node, where one node is the
  selection under ``nodes`` and ``edges`` (``edges { node }`` counts the node
  as an object); other connection fields such as ``pageInfo`` count once;
- each root field of a mutation costs 10, whatever its payload selects.

Fragments and inline fragments are followed; where the selection depends on
the concrete type (interfaces, unions) the most expensive type counts.
"""

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    parse,
    value_from_ast_untyped,
)

MUTATION_FIELD_COST = 10
CONNECTION_BASE_COST = 2
OBJECT_COST = 1


def requested_cost(schema: GraphQLSchema, document, variables=None, operation_name=None) -> int:
    """Return the requested cost of one operation of ``document``.

    ``document`` is a string or a parsed ``DocumentNode``; ``variables`` holds
    the values really sent (page sizes given as variables are read from it,
    falling back to the variable's default in the operation).
    """
    if not isinstance(document, DocumentNode):
        document = parse(document)
    operation = _select_operation(document, operation_name)
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if definition.kind == "fragment_definition"
    }
    values = _variable_defaults(operation)
    values.update(variables or {})
    calculator = _Calculator(schema, fragments, values)
    root_type = schema.get_root_type(operation.operation)
    if root_type is None:
        raise ValueError(f"the schema has no {operation.operation.value} type")
    if operation.operation == OperationType.MUTATION:
        fields = calculator.collect(operation.selection_set, root_type)
        return MUTATION_FIELD_COST * sum(
            1 for name in fields if not fields[name][0].name.value.startswith("__")
        )
    return calculator.selection_cost(operation.selection_set, root_type)


def _select_operation(document, operation_name):
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        for operation in operations:
            if operation.name and operation.name.value == operation_name:
                return operation
        raise ValueError(f"no operation named {operation_name!r} in the document")
    if len(operations) != 1:
        raise ValueError("the document must hold exactly one operation (or name one)")
    return operations[0]


def _variable_defaults(operation):
    defaults = {}
    for definition in operation.variable_definitions or ():
        if definition.default_value is not None:
            defaults[definition.variable.name.value] = value_from_ast_untyped(
                definition.default_value
            )
    return defaults


class _Calculator:
    def __init__(self, schema, fragments, variables):
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    # -- selections --------------------------------------------------------

    def selection_cost(self, selection_set, parent_type):
        """Cost of a selection set on ``parent_type`` (max over concrete types)."""
        if selection_set is None:
            return 0
        if is_abstract_type(parent_type):
            candidates = list(self.schema.get_possible_types(parent_type)) or [parent_type]
            return max(self._fields_cost(selection_set, t) for t in candidates)
        return self._fields_cost(selection_set, parent_type)

    def _fields_cost(self, selection_set, object_type):
        fields = self.collect(selection_set, object_type)
        return sum(self.field_cost(nodes, object_type) for nodes in fields.values())

    def collect(self, selection_set, object_type, fields=None, seen=None):
        """Fields selected on ``object_type``, grouped by response key."""
        fields = {} if fields is None else fields
        seen = set() if seen is None else seen
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition, object_type):
                    self.collect(selection.selection_set, object_type, fields, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None:
                    raise ValueError(f"unknown fragment {name!r}")
                if name in seen or not self._applies(fragment.type_condition, object_type):
                    continue
                seen.add(name)
                self.collect(fragment.selection_set, object_type, fields, seen)
        return fields

    def _applies(self, type_condition, object_type):
        if type_condition is None:
            return True
        condition = self.schema.get_type(type_condition.name.value)
        if condition is None:
            raise ValueError(f"unknown type {type_condition.name.value!r}")
        if condition is object_type:
            return True
        if is_abstract_type(condition):
            if is_abstract_type(object_type):
                return False
            return self.schema.is_sub_type(condition, object_type)
        return False

    # -- fields ------------------------------------------------------------

    def field_cost(self, nodes, parent_type):
        """Cost of one response key (several nodes when selected twice)."""
        name = nodes[0].name.value
        if name.startswith("__"):
            return 0
        field_def = parent_type.fields.get(name)
        if field_def is None:
            raise ValueError(f"{parent_type.name} has no field {name!r}")
        named = get_named_type(field_def.type)
        if is_leaf_type(named):
            return 0
        selection_set = _merge(nodes)
        if named.name.endswith("Connection"):
            return self._connection_cost(nodes[0], selection_set, named)
        return OBJECT_COST + self.selection_cost(selection_set, named)

    def _connection_cost(self, node, selection_set, connection_type):
        size = self._page_size(node)
        per_item = once = 0
        fields = self.collect(selection_set, connection_type) if selection_set else {}
        for sub_nodes in fields.values():
            sub_name = sub_nodes[0].name.value
            if sub_name == "nodes":
                per_item += self.field_cost(sub_nodes, connection_type)
            elif sub_name == "edges":
                edge_type = get_named_type(connection_type.fields["edges"].type)
                per_item += self.selection_cost(_merge(sub_nodes), edge_type)
            else:
                once += self.field_cost(sub_nodes, connection_type)
        return CONNECTION_BASE_COST + size * per_item + once

    def _page_size(self, node):
        for argument in node.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                resolved = self.variables.get(value.name.value)
            elif isinstance(value, IntValueNode):
                resolved = int(value.value)
            else:
                resolved = None
            if resolved is not None:
                return int(resolved)
        return 0


def _merge(nodes):
    """One selection set from a field selected several times under one key."""
    sets = [n.selection_set for n in nodes if n.selection_set is not None]
    if not sets:
        return None
    if len(sets) == 1:
        return sets[0]
    merged = sets[0].__class__(selections=tuple(s for ss in sets for s in ss.selections))
    return merged
