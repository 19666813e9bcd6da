"""The computational graph: values and local derivatives, reverse and forward mode, checked by
hand, against finite differences in extended precision, and against hostile sources."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from app.engine import ConfigError
from app.engine.graph import FUNCTIONS, Graph, evaluate, finite_differences, hessian


def grads(source, values):
    g = Graph(source, values)
    g.backward(g.outputs[0].id)
    return g, {name: g.names[name].grad for name in g.inputs()}


def test_the_references_product_by_hand():
    g, d = grads("(x1 + x2) * x3", {"x1": 1.0, "x2": 2.0, "x3": 3.0})
    assert g.outputs[0].value == 9.0
    assert d == {"x1": 3.0, "x2": 3.0, "x3": 3.0}     # ∂/∂x1 = x3, ∂/∂x3 = x1 + x2


def test_micrograds_neuron():
    g, d = grads("tanh(x1*w1 + x2*w2 + b)", {"x1": 2, "x2": 0, "w1": -3, "w2": 1, "b": 6.8813735870195432})
    assert g.outputs[0].value == pytest.approx(0.7071, abs=5e-5)
    assert d["w1"] == pytest.approx(1.0, abs=1e-12) and d["x1"] == pytest.approx(-1.5, abs=1e-12)
    assert d["w2"] == 0.0 and d["x2"] == pytest.approx(0.5, abs=1e-12) and d["b"] == pytest.approx(0.5, abs=1e-12)


def test_a_value_used_twice_accumulates_both_contributions():
    g = Graph("b = a + a", {"a": 3.0})
    steps = g.backward(g.outputs[0].id)
    add = g.outputs[0]
    assert add.inputs == [0, 0] and add.local == [1.0, 1.0]
    sends = dict(steps)[add.id]
    assert [c for _, _, c in sends] == [1.0, 1.0]
    assert g.names["a"].grad == 2.0                  # 1 + 1: += over both uses


def test_the_one_neuron_walkthrough():
    # x = 0.5, y = 1, w = 0.2, b = 0.1: a = σ(0.2), L = ½(a − y)², dL/dw = (a − y)·a(1 − a)·x
    g, d = grads("z = w*x + b\na = sigmoid(z)\n0.5 * (a - y)^2", {"x": 0.5, "y": 1.0, "w": 0.2, "b": 0.1})
    a = 1 / (1 + math.exp(-0.2))
    assert g.names["a"].value == pytest.approx(a, rel=1e-15)
    assert d["w"] == pytest.approx((a - 1) * a * (1 - a) * 0.5, rel=1e-14)
    assert d["b"] == pytest.approx((a - 1) * a * (1 - a), rel=1e-14)


def test_forward_mode_gives_one_column_per_input():
    g = Graph("a = x1 * x2\na + x1, a - x2", {"x1": 1.5, "x2": -2.0})
    t1 = g.forward_tangents("x1")
    assert [t1[o.id] for o in g.outputs] == [-2.0 + 1.0, -2.0]     # ∂/∂x1 of each output
    t2 = g.forward_tangents("x2")
    assert [t2[o.id] for o in g.outputs] == [1.5, 1.5 - 1.0]
    with pytest.raises(ConfigError) as e:
        g.forward_tangents("q")
    assert e.value.field == "wrt"


def test_naive_softmax_cross_entropy_overflows_where_log_sum_exp_does_not():
    values = {"z1": 1000.0, "z2": 0.0}
    naive = Graph("-log(exp(z1) / (exp(z1) + exp(z2)))", values)
    stable = Graph("m = z1\nm + log(exp(z1 - m) + exp(z2 - m)) - z1", values)
    assert not naive.outputs[0].finite
    assert stable.outputs[0].finite and stable.outputs[0].value == pytest.approx(0.0, abs=1e-12)


SOFTMAX_BOTH = "naive = -log(exp(z1) / (exp(z1) + exp(z2)))\nstable = log(exp(z1 - z1) + exp(z2 - z1))\nnaive, stable"


def test_one_overflowing_output_does_not_poison_the_others_gradients():
    """exp(z1) = inf on the naive line: the stable line's backward used to send 0 · inf = NaN
    back along it too; a node off the output's path sends nothing."""
    g = Graph(SOFTMAX_BOTH, {"z1": 1000.0, "z2": 0.0})
    naive, stable = (o.id for o in g.outputs)
    g.backward(stable)
    assert g.needed_by(stable).isdisjoint({1, 2, 4, 5, 6, 7, 8})          # the naive line's nodes
    assert all(math.isfinite(n.grad) for n in g.nodes)
    assert g.names["z1"].grad == 0.0 and g.names["z2"].grad == 0.0       # e^-1000 underflows: exactly 0
    alone = Graph("stable = log(exp(z1 - z1) + exp(z2 - z1))", {"z1": 1000.0, "z2": 0.0})
    alone.backward(alone.outputs[0].id)
    assert [g.names[k].grad for k in ("z1", "z2")] == [alone.names[k].grad for k in ("z1", "z2")]
    g.backward(naive)                                                    # the naive line's own: as they are
    assert math.isnan(g.names["z1"].grad) and g.nodes[stable].grad == 0.0
    tangents = g.forward_tangents("z2")                                  # d/dz2 of exp(z1) is 0, not 0 · inf
    assert tangents[1] == 0.0 and tangents[2] == 0.0 and math.isfinite(tangents[stable])


def test_the_hessian_of_a_saddle_and_a_bowl():
    saddle = hessian("x^2 - y^2", {"x": 0.3, "y": -0.7})
    np.testing.assert_allclose(saddle["matrix"], [[2, 0], [0, -2]], atol=1e-6)
    assert saddle["kind"] == "a saddle"
    bowl = hessian("x^2 + x*y + y^2", {"x": 1.0, "y": 2.0})
    np.testing.assert_allclose(bowl["matrix"], [[2, 1], [1, 2]], atol=1e-6)
    assert bowl["kind"] == "convex here" and min(bowl["eigenvalues"]) == pytest.approx(1.0, abs=1e-6)


UNARY = ["exp", "tanh", "sigmoid", "sin", "cos", "abs"]


def expressions(depth=3):
    leaves = st.sampled_from(["x", "y", "z", "0.5", "2", "1.5"])
    def extend(children):
        binary = st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        unary = st.tuples(st.sampled_from(UNARY), children).map(lambda t: f"{t[0]}({t[1]})")
        square = children.map(lambda c: f"({c})^2")
        safe_div = st.tuples(children, children).map(lambda t: f"({t[0]}) / (1.5 + sigmoid({t[1]}))")
        return st.one_of(binary, unary, square, safe_div)
    return st.recursive(leaves, extend, max_leaves=8)


@settings(max_examples=150, deadline=None)
@given(source=expressions(), x=st.floats(-2, 2), y=st.floats(-2, 2), z=st.floats(-2, 2))
def test_reverse_mode_matches_finite_differences(source, x, y, z):
    values = {"x": x, "y": y, "z": z}
    g = Graph(source, values)
    if not all(n.finite for n in g.nodes) or any(n.op == "abs" and abs(g.nodes[n.inputs[0]].value) < 1e-3 for n in g.nodes):
        return                                         # a kink of |·| is no place for a finite difference
    g.backward(g.outputs[0].id)
    numeric = finite_differences(source, {k: v for k, v in values.items() if k in g.names})
    for name, value in numeric.items():
        analytic = g.names[name].grad
        assert analytic == pytest.approx(value, rel=1e-6, abs=1e-7), (source, name)


@pytest.mark.parametrize("source", [
    "__import__('os').system('true')", "x.__class__", "(lambda: 1)()", "[x for x in y]", "x if y else z",
    "open('f')", "getattr(x, 'real')", "x[0]", "{x: 1}", "x == y", "x and y", "print(x)", "exp(x, y)",
    "exp(x=1)", "10 ** 10000", "a = 1\na = 2\na", "_x + 1", "x; import os", "f'{x}'", "x @ y",
])
def test_anything_outside_the_language_is_refused_by_name(source):
    with pytest.raises(ConfigError) as e:
        Graph(source, {"x": 1.0, "y": 2.0, "z": 3.0})
    assert e.value.field in ("source",) or e.value.field.startswith("values.")


def test_bounds_nodes_depth_length():
    lines = "\n".join(f"a{k} = (x + 1) * (x + 2) * (x + 3) * (x + 4) * (x + 5)" for k in range(19)) + "\na0"
    with pytest.raises(ConfigError, match="nodes"):            # 19 lines of 14 nodes each
        Graph(lines, {"x": 1.0})
    with pytest.raises(ConfigError, match="nested"):
        Graph("exp(" * 40 + "x" + ")" * 40, {"x": 0.1})
    with pytest.raises(ConfigError, match="nested"):
        Graph(" + ".join(["x"] * 60), {"x": 1.0})                # a chain of 60 is 60 deep
    with pytest.raises(ConfigError, match="characters"):
        Graph("x" + " + x" * 600, {"x": 1.0})
    with pytest.raises(ConfigError) as e:
        Graph("x + 1", {"x": float("inf")})
    assert e.value.field == "values.x"


def test_an_overflow_from_the_values_is_a_node_that_is_not_finite():
    g = Graph("exp(x) * 0", {"x": 1000.0})
    assert [n.finite for n in g.nodes] == [True, False, True, False]


def test_extended_precision_evaluation_agrees():
    source = "sin(x) * exp(y) - x / (1 + y^2)"
    assert float(evaluate(source, {"x": 0.3, "y": -0.4})[0]) == pytest.approx(
        Graph(source, {"x": 0.3, "y": -0.4}).outputs[0].value, rel=1e-15)
