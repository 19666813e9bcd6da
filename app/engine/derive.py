"""Derive it yourself: a learner's formula for one sample's term of a dense weight's gradient
(dW[i, j] = Σ over the batch of a_prev · ∂L/∂z; a bias's db[i] = Σ ∂L/∂z), written in the graph
lab's language (engine/graph.py: a whitelist over Python's ast, never evaluated as Python),
evaluated on every row of the batch at once and held against the true terms. Where it differs,
the likely slip: the usual wrong formulas are evaluated too, and the one whose values the
learner's match names it."""
import ast
from dataclasses import dataclass

import numpy as np

from .activations import get_activation
from .errors import ConfigError
from .graph import Graph, GraphError
from .losses import LOSSES
from .network import Phase, PhaseError

MAX_FORMULA = 500          # characters of a formula (the graph lab's other limits apply too)
RELATIVE = 1e-9            # a sample's value is right within 1e-9 of its true term, relatively ...
FLOOR = 1e-3               # ... or, for a term under a thousandth of the batch's largest, within
                           # 1e-9 of that thousandth (1e-12 × the largest |term|): the same formula
                           # written another way, 1 − a² as (1 − a)(1 + a), differs by rounding that
                           # a saturated unit's tiny f′ makes large relatively, never absolutely
SLIP_RELATIVE = 1e-6       # how closely the learner's values must follow a wrong formula's
SHOWN_FORMULA = 60         # characters of a formula kept for a class's records

# what each name is, for the page and for a name that is not allowed
NAMES = {
    "a_prev": "what the weight multiplies: the previous layer's a (an input, for the first layer)",
    "x": "the input the weight multiplies (a first layer's a_prev)",
    "w": "the weight",
    "b": "the unit's bias",
    "z": "the unit's pre-activation, Σ w·a_prev + b",
    "a": "the unit's activation, f(z)",
    "y": "the unit's target (the output layer's)",
    "n": "the batch's size",
    "dL_da": "∂L/∂a arriving at the unit's a, the mean's 1/n included",
}
# names a learner may reach for, and what to write instead
INSTEAD = {
    "dL": "write ∂L/∂a as the one name dL_da (a / divides)",
    "dL_dz": "∂L/∂z is not given: it is part of what you write (f′(z) times dL_da)",
    "delta": "∂L/∂z is not given: it is part of what you write (f′(z) times dL_da)",
    "yhat": "this page calls the unit's output a",
    "y_hat": "this page calls the unit's output a",
    "ŷ": "this page calls the unit's output a",
    "sigma": "write the sigmoid as sigmoid(…)",
    "σ": "write the sigmoid as sigmoid(…)",
    "e": "write e to a power as exp(…)",
}


@dataclass(frozen=True)
class Derivation:
    """A formula against the true terms, one per batch row: `right` per row, `correct` if every
    row is right; `slip` (a short code) and `hint` (a sentence) when a usual slip fits."""

    yours: np.ndarray
    truth: np.ndarray
    right: np.ndarray
    correct: bool
    slip: str | None
    hint: str | None


def check_derivable(network, k, param, i, j):
    """ConfigError naming `layer`, `i` or `j` unless W[k][i, j] (param "W") or b[k][i] (param "b")
    is a parameter of a plain dense layer whose term one sample's names can write."""
    if network.specs is not None:
        kinds = ", ".join(dict.fromkeys(spec["type"] for spec in network.specs if spec["type"] != "dense"))
        raise ConfigError("layer", f"derive covers dense layers of a network of dense layers only; this one has "
                                   f"{kinds} layers: open a weight's chain rule instead")
    if param == "W":
        if j is None:
            raise ConfigError("j", "j is missing: a weight W[i][j] needs both i and j (a bias: param \"b\" and i)")
        try:
            network.check_weight(k, i, j)
        except ConfigError as e:            # the same words, about the body's fields
            raise ConfigError(e.field, str(e)) from None
    else:
        if not 0 <= k < len(network.layers):
            raise ConfigError("layer", f"layer must be below {len(network.layers)}, got {k}")
        if j is not None:
            raise ConfigError("j", "a bias has no j: give the unit as i")
        if not 0 <= i < network.layers[k].fan_out:
            raise ConfigError("i", f"i must be below {network.layers[k].fan_out} (the units of layer {k}), got {i}")
    layer = network.layers[k]
    if layer.kept() is not None:
        raise ConfigError("layer", f"layer {k} has batch norm or dropout between z and a: its ∂L/∂z mixes the "
                                   f"whole batch or a mask, which one sample's names cannot write; derive covers "
                                   f"plain dense layers")
    if layer.activation.name == "softmax" and network.loss.name != "cross_entropy":
        raise ConfigError("layer", f"a softmax output with {network.loss.name}: each unit's ∂L/∂z mixes every output "
                                   f"through the softmax's Jacobian, which one unit's names cannot write; derive covers "
                                   f"softmax with cross_entropy")


def allowed_names(network, k, param):
    """The names a formula for a parameter of layer k may use, in the order NAMES gives them."""
    names = set(NAMES) - {"x", "y"} - ({"a_prev", "w"} if param == "b" else set())
    if k == 0 and param == "W":
        names.add("x")
    if k == len(network.layers) - 1:
        names.add("y")
    return [name for name in NAMES if name in names]


class Formula(Graph):
    """A learner's formula: the graph lab's language over the allowed names, with one output."""

    def __init__(self, source, names, k, param):
        self.k, self.param = k, param
        super().__init__(source, {name: 1.0 for name in names})
        if len(self.outputs) != 1:
            raise GraphError("one formula only: a comma makes two outputs")

    def unknown(self, name, number, col):
        allowed = ", ".join(self.values)
        if name in ("a_prev", "x", "w") and self.param == "b":
            why = f"a bias is added, not multiplied: its term has no {name}"
        elif name == "x" and "a_prev" in self.values:
            why = f"x is the network's input; a weight of layer {self.k} multiplies a_prev, the previous layer's a"
        elif name == "y":
            why = "y, the target, is the output layer's: a hidden unit feels the loss through dL_da"
        elif name in INSTEAD:
            why = f"{name} is not a name here: {INSTEAD[name]}"
        else:
            why = f"{name} is not a name here"
        raise GraphError(f"{why}; the names are {allowed}", number, col)

    def check_name(self, node, number):
        if isinstance(node.ctx, ast.Store) and node.id in self.values:
            raise GraphError(f"{node.id} is one of the given names: call your line something else",
                             number, node.col_offset + 1)
        return super().check_name(node, number)


def parse(formula, names, k=0, param="W"):
    """The learner's formula as a Formula; ConfigError naming `formula` (its line and column)."""
    if not formula.strip():
        raise ConfigError("formula", "the formula is empty: write one sample's term with the names given")
    if len(formula) > MAX_FORMULA:
        raise ConfigError("formula", f"the formula has {len(formula)} characters; at most {MAX_FORMULA}")
    try:
        return Formula(formula, names, k, param)
    except GraphError as e:
        raise ConfigError("formula", str(e)) from None


def given(network, k, param, i, j):
    """Each allowed name's values over the batch's rows (a number where it is the same for all)."""
    layer = network.layers[k]
    unit = j if param == "W" else i
    values = {"b": float(layer.b[unit]), "z": layer.Z[:, unit], "a": layer.A[:, unit],
              "n": float(len(layer.Z)), "dL_da": layer.dA[:, unit]}
    if param == "W":
        values.update(a_prev=layer.A_prev[:, i], x=layer.A_prev[:, i], w=float(layer.W[i, j]))
    if k == len(network.layers) - 1:
        values["y"] = network.Y[:, unit]
    return {name: values[name] for name in allowed_names(network, k, param)}


def true_terms(network, k, param, i, j):
    """Each row's share of dW[i, j] (a_prev · ∂L/∂z, as chain.sample_terms lists them) or of db[i]."""
    layer = network.layers[k]
    return layer.A_prev[:, i] * layer.dZ[:, j] if param == "W" else layer.dZ[:, i].copy()


def close(values, target, relative):
    """Per row: `values` within `relative` of `target`, with the FLOOR for small terms."""
    with np.errstate(all="ignore"):
        scale = np.max(np.abs(target), initial=0.0)
        return np.isfinite(values) & (np.abs(values - target) <= relative * np.maximum(np.abs(target), FLOOR * scale))


def derive(network, k, param, i, j, formula):
    """The learner's `formula` for one sample's term of W[k][i, j] (or b[k][i]) against the truth
    on every row of the current batch (after Forward and Backward)."""
    return judge(network, k, param, i, j, prepare(network, k, param, i, j, formula))


def prepare(network, k, param, i, j, formula):
    """The formula parsed for this parameter (ConfigError naming the field at fault), before
    there need be any gradients."""
    check_derivable(network, k, param, i, j)
    return parse(formula, allowed_names(network, k, param), k, param)


def judge(network, k, param, i, j, graph):
    """A prepared formula on every row of the batch, against the true terms."""
    if network.phase != Phase.BACKWARD:
        raise PhaseError("run forward and backward first: a formula is checked against the gradients "
                         "for the current parameters")
    network.replay()
    values = given(network, k, param, i, j)
    truth = true_terms(network, k, param, i, j)
    yours = np.broadcast_to(np.asarray(graph.outputs_at(values)[0], dtype=np.float64), truth.shape).copy()
    right = close(yours, truth, RELATIVE)
    correct = bool(right.all())
    unit = j if param == "W" else i
    slip, hint = (None, None) if correct else likely_slip(network, k, param, unit, values, yours, truth, right)
    return Derivation(yours=yours, truth=truth, right=right, correct=correct, slip=slip, hint=hint)


def slips(network, k, param, unit, values, truth):
    """The usual wrong formulas for the term of a parameter of `unit` of layer k, in the order they
    are tried: (code, values, hint)."""
    layer = network.layers[k]
    act, loss = layer.activation, network.loss
    Z, A, da, n = layer.Z[:, unit], layer.A[:, unit], values["dL_da"], int(values["n"])
    weight = param == "W"
    a_prev = values["a_prev"] if weight else 1.0
    dZ = layer.dZ[:, unit]
    what = "dW" if weight else "db"
    out = []
    add = lambda code, candidate, hint: out.append((code, candidate, hint))    # noqa: E731
    with np.errstate(all="ignore"):
        output = k == len(network.layers) - 1
        if n > 1:
            add("one_over_n", n * truth, f"Yours is n = {n} times the truth on every sample: the mean's 1/n is "
                                         f"missing (the loss averages over the batch)." if output else
                                         f"Yours is n = {n} times the truth on every sample: dL_da already holds "
                                         f"the mean's 1/n, and needs no n.")
            add("batch_sum", np.full_like(truth, truth.sum()),
                f"Yours is the batch's sum, {what} itself: write one sample's term, which the batch adds up.")
        if output and loss.name == "mse":
            add("factor_two", 2 * truth, "Yours is twice the truth: this page's squared error is ½(a − y)², "
                                         "so its slope is a − y, without a 2.")
        if n > 1:
            add("twice_over_n", truth / n, f"Yours is the truth divided by n = {n} once more: dL_da already "
                                           f"holds the mean's 1/n.")
        if act.name == "softmax":
            add("softmax_diagonal", a_prev * A * (1 - A) * da,
                "a(1 − a) is one softmax unit's slope alone, but its z moves every output: with cross-entropy the "
                "whole chain to z is (a − y)/n.")
        else:
            f_prime = act.derivative(Z, A)
            # the other loss a sigmoid output could have (bce needs one)
            others = [name for name in ("mse", "bce") if name != loss.name] if act.name == "sigmoid" else []
            for name in others if output else ():
                other = LOSSES[name]()
                add("other_loss", a_prev * f_prime * other.grad_a(layer.A, network.Y)[:, unit],
                    f"That is the term with {name}'s ∂L/∂a, {other.grad_text}; this network's loss is {loss.name}, "
                    f"whose ∂L/∂a is {loss.grad_text}.")
            own = f"a {act.name} unit's f′ is {act.derivative_text}"
            for name in ("sigmoid", "tanh", "relu"):           # linear's f′ = 1 is f′ missing, below
                if name == act.name:
                    continue
                other = get_activation(name)
                hint = f"That is the term with {name}'s f′ ({other.derivative_text}); {own}."
                add("other_activation", a_prev * other.derivative(Z, other.forward(Z)) * da, hint)   # at its own a
                add("other_activation", a_prev * other.derivative(Z, A) * da, hint)                  # at this a
            if act.name in ("sigmoid", "tanh"):
                at_z, at_a = (("σ(z)(1 − σ(z))", "σ(a)(1 − σ(a))") if act.name == "sigmoid"
                              else ("1 − tanh(z)²", "1 − tanh(a)²"))
                add("f_prime_at_a", a_prev * act.derivative(A, act.forward(A)) * da,
                    f"f′ is taken at a where it needs z: {act.name}′(z) = {at_z} = {act.derivative_text}, "
                    f"not {at_a}.")
                add("a_form_at_z", a_prev * act.derivative(Z, Z) * da,
                    f"{act.derivative_text} is f′ written with the unit's output a; with z in place of a it is not "
                    f"f′: write it with a, or as {at_z}.")
            add("no_f_prime", a_prev * da, f"f′(z) is missing: a moves with z at the rate f′(z), and {own}.")
            add("no_dL_da", a_prev * f_prime, "dL_da is missing: without it the term does not depend on the loss.")
        if weight:
            add("no_a_prev", dZ, "a_prev is missing: z = Σ w·a_prev + b, so ∂z/∂w is a_prev, the value the "
                                 "weight multiplies.")
            add("a_for_a_prev", A * dZ, "a is this unit's own output; the weight multiplies a_prev, what comes in "
                                        "from the layer before.")
            add("w_for_a_prev", values["w"] * dZ, "w stands where a_prev belongs: ∂(w·a_prev)/∂w is a_prev, not w.")
        else:
            add("times_b", values["b"] * dZ, "∂z/∂b is 1: the bias is added, so its own value is not a factor.")
    return out


def likely_slip(network, k, param, unit, values, yours, truth, right):
    """(code, sentence) of the slip the learner's values fit, or (None, None)."""
    finite = np.isfinite(truth)
    if (finite & ~np.isfinite(yours)).any():
        return "not_finite", ("Your formula is not a finite number on some samples: a division by 0 there, or the "
                              "log or square root of a number ≤ 0.")
    fits = lambda candidate: bool(close(yours, candidate, SLIP_RELATIVE)[finite].all())     # noqa: E731
    output = k == len(network.layers) - 1
    sign = ("The sign is flipped: ∂L/∂a starts from a − y (the output less the target), not y − a." if output
            else "The sign is flipped: dL_da comes with its own sign; check each minus sign.")
    singles = [("sign", -truth, sign), *slips(network, k, param, unit, values, truth)]
    singles = [(code, np.broadcast_to(c, truth.shape), hint) for code, c, hint in singles]
    singles = [s for s in singles if not close(s[1], truth, RELATIVE)[finite].all()]     # the truth itself here
    for code, candidate, hint in singles:
        if fits(candidate):
            return code, hint
    for code, candidate, hint in singles:
        if code != "sign" and fits(-candidate):
            return f"sign+{code}", f"Two slips: the sign is flipped, and {hint[0].lower()}{hint[1:]}"
    nonzero = np.flatnonzero(finite & (truth != 0))
    factor = yours[nonzero[0]] / truth[nonzero[0]] if len(nonzero) else 0.0
    if factor != 0 and np.isfinite(factor) and fits(factor * truth):
        return "factor", f"Yours is {float(factor):.4g} × the truth on every sample: a constant factor is off."
    if len(yours) > 1 and np.ptp(yours) == 0 and np.ptp(truth[finite]) > 0:
        return "constant", ("Your formula gives one number for every sample, but each sample's term has its own "
                            "values: write it with the names.")
    if right.any():
        return "some_samples", (f"Right on {int(right.sum())} of the {len(right)} samples only: a formula that fits "
                                f"some samples by chance is not the term.")
    return None, None


def shown_formula(formula):
    """A formula as a class's records keep it: one line, at most SHOWN_FORMULA characters."""
    text = " ".join(formula.split())
    return text if len(text) <= SHOWN_FORMULA else text[:SHOWN_FORMULA - 1] + "…"
