"""Lambda template functions: ``filter``, ``map``, ``reduce``, ``sort``, ``toObject``,
``groupBy``, ``mapValues`` over ``lambda('x', …, body)`` arguments, and
``lambdaVariables('x')`` inside the body.

As in ARM, ``lambda()`` is only valid directly as an argument of those functions.
"""

from __future__ import annotations

import functools
from typing import Any

from .errors import TemplateError
from .evaluator import Context, evaluate_node, type_name
from .expressions import Call, Literal, Node
from .functions import _fail, _want, lazy_function, to_string

LAMBDA_TAKERS = ("filter", "map", "reduce", "sort", "toObject", "groupBy", "mapValues")


class _Lambda:
    """A parsed ``lambda('a', 'b', body)`` bound to the context it was written in."""

    def __init__(self, owner: str, node: Node, ctx: Context, arity: int) -> None:
        if not (isinstance(node, Call) and node.name.lower() == "lambda"):
            raise _fail(owner, "the argument must be a lambda function: lambda('x', <expression>).")
        names = node.args[:-1]
        if not node.args or not all(
            isinstance(n, Literal) and isinstance(n.value, str) for n in names
        ):
            raise _fail(
                owner, "a lambda function takes variable names (strings) and one expression."
            )
        if len(names) != arity:
            raise _fail(
                owner,
                f"the lambda function must declare '{arity}' variable(s); it declares "
                f"'{len(names)}'.",
            )
        self.names = [str(n.value) for n in names if isinstance(n, Literal)]
        self.body = node.args[-1]
        self.ctx = ctx

    def __call__(self, *values: Any) -> Any:
        bound = dict(zip(self.names, values, strict=True))
        return evaluate_node(self.body, self.ctx.with_lambda(bound))


def _array(owner: str, node: Node, ctx: Context) -> list:
    return list(_want(owner, evaluate_node(node, ctx), list))


@lazy_function("lambda", 1)
def _lambda(ctx: Context, nodes: tuple[Node, ...]) -> Any:
    raise TemplateError(
        "The template function 'lambda' is not expected at this location. A lambda function "
        f"can only be an argument of {', '.join(LAMBDA_TAKERS)}."
    )


@lazy_function("lambdaVariables", 1, 1)
def _lambda_variables(ctx: Context, nodes: tuple[Node, ...]) -> Any:
    name = _want("lambdaVariables", evaluate_node(nodes[0], ctx), str)
    if name.lower() not in ctx.lambdas:
        raise TemplateError(
            f"The template function 'lambdaVariables' has an invalid lambda variable name "
            f"'{name}': it must be a variable of an enclosing lambda function."
        )
    return ctx.lambdas[name.lower()]


@lazy_function("filter", 2, 2)
def _filter(ctx: Context, nodes: tuple[Node, ...]) -> list:
    items = _array("filter", nodes[0], ctx)
    keep = _Lambda("filter", nodes[1], ctx, 1)
    out = []
    for item in items:
        verdict = keep(item)
        if not isinstance(verdict, bool):
            raise _fail(
                "filter",
                f"the lambda function must return a Boolean; it returned '{type_name(verdict)}'.",
            )
        if verdict:
            out.append(item)
    return out


@lazy_function("map", 2, 2)
def _map(ctx: Context, nodes: tuple[Node, ...]) -> list:
    items = _array("map", nodes[0], ctx)
    mapper = _Lambda("map", nodes[1], ctx, 1)
    return [mapper(item) for item in items]


@lazy_function("reduce", 3, 3)
def _reduce(ctx: Context, nodes: tuple[Node, ...]) -> Any:
    items = _array("reduce", nodes[0], ctx)
    current = evaluate_node(nodes[1], ctx)
    step = _Lambda("reduce", nodes[2], ctx, 2)
    for item in items:
        current = step(current, item)
    return current


@lazy_function("sort", 2, 2)
def _sort(ctx: Context, nodes: tuple[Node, ...]) -> list:
    items = _array("sort", nodes[0], ctx)
    before = _Lambda("sort", nodes[1], ctx, 2)

    def compare(a: Any, b: Any) -> int:
        if before(a, b) is True:
            return -1
        return 1 if before(b, a) is True else 0

    return sorted(items, key=functools.cmp_to_key(compare))


@lazy_function("toObject", 2, 3)
def _to_object(ctx: Context, nodes: tuple[Node, ...]) -> dict:
    items = _array("toObject", nodes[0], ctx)
    key_of = _Lambda("toObject", nodes[1], ctx, 1)
    value_of = _Lambda("toObject", nodes[2], ctx, 1) if len(nodes) > 2 else None
    out: dict[str, Any] = {}
    for item in items:
        key = key_of(item)
        if not isinstance(key, str):
            raise _fail("toObject", f"the key lambda must return a String; got '{type_name(key)}'.")
        out[key] = value_of(item) if value_of else item
    return out


@lazy_function("groupBy", 2, 2)
def _group_by(ctx: Context, nodes: tuple[Node, ...]) -> dict:
    items = _array("groupBy", nodes[0], ctx)
    key_of = _Lambda("groupBy", nodes[1], ctx, 1)
    out: dict[str, list] = {}
    for item in items:
        out.setdefault(to_string(key_of(item)), []).append(item)
    return out


@lazy_function("mapValues", 2, 2)
def _map_values(ctx: Context, nodes: tuple[Node, ...]) -> dict:
    source = _want("mapValues", evaluate_node(nodes[0], ctx), dict)
    mapper = _Lambda("mapValues", nodes[1], ctx, 1)
    return {key: mapper(value) for key, value in source.items()}
