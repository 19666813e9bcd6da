"""Computational graphs of small expressions, micrograd style: each operation has its value and
its local derivatives side by side; reverse mode (backpropagation) and forward mode (dual
numbers) over the same graph.

Source: lines of `name = expression` and a last line that is the output (or two outputs joined
by a comma). Parsed by a whitelist over Python's ast, never eval: numbers, names, + - * /, ** (^
is rewritten to ** first: Python's ^ binds more loosely than + and *), unary minus, and the
functions in FUNCTIONS."""
import ast
import math
from dataclasses import dataclass, field

import numpy as np

from .errors import ConfigError
from .steps import run_steps

MAX_SOURCE = 2000          # characters
MAX_NODES = 200
MAX_DEPTH = 32
MAX_LINES = 20


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


# each function: its value and its derivative, next to each other
FUNCTIONS = {
    "exp": (np.exp, lambda a, out: out),                       # d exp(a)/da = exp(a)
    "log": (np.log, lambda a, out: 1 / a),
    "sqrt": (np.sqrt, lambda a, out: 0.5 / out),
    "abs": (np.abs, lambda a, out: np.sign(a)),
    "tanh": (np.tanh, lambda a, out: 1 - out * out),           # 1 − tanh²
    "sigmoid": (_sigmoid, lambda a, out: out * (1 - out)),    # σ(1 − σ)
    "relu": (lambda a: np.maximum(a, 0 * a), lambda a, out: (a > 0) * (1 + 0 * a)),
    "sin": (np.sin, lambda a, out: np.cos(a)),
    "cos": (np.cos, lambda a, out: -np.sin(a)),
}
SYMBOLS = {ast.Add: "+", ast.Sub: "−", ast.Mult: "·", ast.Div: "/", ast.Pow: "^"}
ALLOWED = ("numbers, names given a value, + − * /, ** or ^, unary minus, parentheses and "
           + ", ".join(FUNCTIONS))


@dataclass
class Node:
    id: int
    op: str                    # "input", "const", "+", "−", "·", "/", "^", "neg", or a function name
    label: str
    inputs: list = field(default_factory=list)
    value: float = 0.0
    local: list = field(default_factory=list)     # ∂ this / ∂ each input, in order
    grad: float = 0.0
    tangent: float | None = None
    constant: bool = False     # made of constants only
    name: str | None = None    # the name of its line (a = …), which later lines use

    @property
    def short(self):
        """How later expressions write it: its name if it has one."""
        return self.name or self.label

    @property
    def finite(self):
        return bool(np.isfinite(self.value))


MAX_FLOAT = float(np.finfo(np.float64).max)     # an integer literal past it has no float


class GraphError(ConfigError):
    def __init__(self, message, line=None, col=None):
        where = f" (line {line}, column {col})" if line is not None else ""
        super().__init__("source", message + where)


class Graph:
    """The DAG of a source: nodes in topological order (each after its inputs)."""

    def __init__(self, source, values):
        if len(source) > MAX_SOURCE:
            raise GraphError(f"the source has {len(source)} characters; at most {MAX_SOURCE}")
        for name, v in values.items():
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                raise ConfigError(f"values.{name}", f"the value of {name} must be a finite number")
        self.values = values
        self.nodes = []
        self.names = {}          # a name (input or line) -> its node
        self.outputs = []
        lines = [l for l in source.replace("^", "**").replace(";", "\n").split("\n") if l.strip()]
        if not lines:
            raise GraphError("the source is empty: write an expression such as (x1 + x2) * x3")
        if len(lines) > MAX_LINES:
            raise GraphError(f"at most {MAX_LINES} lines")
        for number, line in enumerate(lines, start=1):
            self.line(line, number, last=number == len(lines))

    def line(self, text, number, last):
        if "\0" in text:
            raise GraphError("a null character is not allowed", number, text.index("\0") + 1)
        try:
            tree = ast.parse(text.strip(), mode="exec")
        except SyntaxError as e:
            raise GraphError(f"this is not an expression: {e.msg}", number, e.offset) from None
        if len(tree.body) != 1:
            raise GraphError("one expression or one `name = expression` per line", number, 1)
        stmt = tree.body[0]
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
                raise GraphError("the left of = must be one name", number, stmt.col_offset + 1)
            name = self.check_name(stmt.targets[0], number)
            if name in self.names:
                raise GraphError(f"{name} is already defined", number, stmt.col_offset + 1)
            node = self.expr(stmt.value, number, 1)
            if node.op not in ("input", "const") and node.name is None:
                node.label, node.name = f"{name} = {node.label}", name
            self.names[name] = node
            if last:
                self.outputs = [node]
        elif isinstance(stmt, ast.Expr):
            if not last:
                raise GraphError("only the last line may be a bare expression; name the others (a = …)", number, 1)
            value = stmt.value
            parts = value.elts if isinstance(value, ast.Tuple) else [value]
            if len(parts) > 2:
                raise GraphError("at most two outputs, joined by a comma", number, value.col_offset + 1)
            self.outputs = [self.expr(p, number, 1) for p in parts]
        else:
            raise GraphError(f"not allowed here: {type(stmt).__name__}; allowed: {ALLOWED}", number, stmt.col_offset + 1)

    def check_name(self, node, number):
        if node.id.startswith("_"):
            raise GraphError(f"names may not start with _: {node.id}", number, node.col_offset + 1)
        return node.id

    def add(self, op, label, inputs, value, local, constant=False):
        if len(self.nodes) >= MAX_NODES:
            raise GraphError(f"the expression has more than {MAX_NODES} nodes")
        node = Node(id=len(self.nodes), op=op, label=label, inputs=[i.id for i in inputs],
                    value=float(value), local=[float(d) for d in local], constant=constant)
        self.nodes.append(node)
        return node

    def expr(self, e, number, depth):
        if depth > MAX_DEPTH:
            raise GraphError(f"nested deeper than {MAX_DEPTH}", number, getattr(e, "col_offset", 0) + 1)
        col = getattr(e, "col_offset", 0) + 1
        with np.errstate(all="ignore"):
            if isinstance(e, ast.Constant) and isinstance(e.value, (int, float)) and not isinstance(e.value, bool):
                if isinstance(e.value, int) and abs(e.value) > MAX_FLOAT:
                    raise GraphError("the number is too large: at most about 1.8e308", number, col)
                if not math.isfinite(float(e.value)):
                    raise GraphError("numbers must be finite", number, col)
                return self.add("const", repr(e.value), [], float(e.value), [], constant=True)
            if isinstance(e, ast.Name):
                name = self.check_name(e, number)
                if name in self.names:
                    return self.names[name]
                if name in FUNCTIONS:
                    raise GraphError(f"{name} is a function: write {name}(…)", number, col)
                if name not in self.values:
                    raise ConfigError(f"values.{name}", f"{name} has no value: give it one in `values`")
                node = self.add("input", name, [], self.values[name], [])
                self.names[name] = node
                return node
            if isinstance(e, ast.UnaryOp) and isinstance(e.op, (ast.USub, ast.UAdd)):
                a = self.expr(e.operand, number, depth + 1)
                if isinstance(e.op, ast.UAdd):
                    return a
                return self.folded(self.add("neg", f"−{a.short}", [a], -a.value, [-1.0], a.constant), number, col)
            if isinstance(e, ast.BinOp) and type(e.op) in SYMBOLS:
                a, b = self.expr(e.left, number, depth + 1), self.expr(e.right, number, depth + 1)
                return self.folded(self.binary(e.op, a, b), number, col)
            if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id in FUNCTIONS:
                if len(e.args) != 1 or e.keywords:
                    raise GraphError(f"{e.func.id} takes one argument", number, col)
                a = self.expr(e.args[0], number, depth + 1)
                f, df = FUNCTIONS[e.func.id]
                out = f(np.float64(a.value))
                return self.folded(self.add(e.func.id, f"{e.func.id}({a.short})", [a], out, [df(np.float64(a.value), out)],
                                            a.constant), number, col)
        what = type(e).__name__
        if isinstance(e, ast.Call):
            what = f"a call of {ast.unparse(e.func)}"
        elif isinstance(e, ast.Attribute):
            what = "attribute access"
        raise GraphError(f"not allowed: {what}; allowed: {ALLOWED}", number, col)

    def binary(self, op, a, b):
        x, y = np.float64(a.value), np.float64(b.value)
        symbol = SYMBOLS[type(op)]
        label = f"({a.short} {symbol} {b.short})"
        constant = a.constant and b.constant
        if isinstance(op, ast.Add):
            return self.add("+", label, [a, b], x + y, [1.0, 1.0], constant)
        if isinstance(op, ast.Sub):
            return self.add("−", label, [a, b], x - y, [1.0, -1.0], constant)
        if isinstance(op, ast.Mult):
            return self.add("·", label, [a, b], x * y, [y, x], constant)       # ∂(ab)/∂a = b, ∂/∂b = a
        if isinstance(op, ast.Div):
            return self.add("/", label, [a, b], x / y, [1 / y, -x / (y * y)], constant)
        out = x ** y
        # ∂(a^b)/∂a = b·a^(b−1); ∂/∂b = a^b·ln a (not needed, and 0 here, for a constant exponent)
        d_exp = 0.0 if b.constant and not x > 0 else out * np.log(x)
        return self.add("^", label, [a, b], out, [y * x ** (y - 1), d_exp], constant)

    def folded(self, node, number, col):
        """A part made of constants only must be a finite number (10 ** 1000 is refused)."""
        if node.constant and not node.finite:
            raise GraphError("a part made of numbers only is not a finite number (it overflows)", number, col)
        return node

    # -- the two modes ---------------------------------------------------------------------

    def needed_by(self, output):
        """The ids of the nodes `output` depends on (itself included)."""
        needed = {output}
        for n in reversed(self.nodes):            # a node's users come after it
            if n.id in needed:
                needed.update(n.inputs)
        return needed

    def backward(self, output):
        """Reverse mode from `output`: every node's d output / d node, accumulated (+=) over
        every use; returns the steps in the order taken: (node, [(input, local, contribution)]).
        Only the nodes `output` depends on send: a node off its path has d output / d node = 0
        exactly, and its local derivatives (inf where another output overflowed) must not
        turn that 0 into NaN (0 · inf)."""
        for n in self.nodes:
            n.grad = 0.0
        self.nodes[output].grad = 1.0
        needed = self.needed_by(output)
        steps = []
        with np.errstate(all="ignore"):
            for n in reversed(self.nodes):        # reverse topological order
                sends = []
                for k, (i, d) in enumerate(zip(n.inputs, n.local) if n.id in needed else ()):
                    contribution = float(np.float64(d) * np.float64(n.grad))     # local · upstream
                    self.nodes[i].grad += contribution
                    sends.append((i, d, contribution))
                steps.append((n.id, sends))
        return steps

    def forward_tangents(self, wrt):
        """Forward mode for input `wrt`: each node's d node / d wrt, from its inputs' tangents
        (only those that depend on `wrt`: the others' tangent is 0 exactly, and 0 · inf is not)."""
        if wrt not in self.names or self.names[wrt].op != "input":
            raise ConfigError("wrt", f"wrt must be one of the inputs: {', '.join(self.inputs()) or 'none'}")
        moved = set()             # the nodes that depend on wrt
        with np.errstate(all="ignore"):
            for n in self.nodes:
                if n.op == "input":
                    n.tangent = 1.0 if n.label == wrt else 0.0
                    if n.label == wrt:
                        moved.add(n.id)
                elif n.op == "const" or not moved.intersection(n.inputs):
                    n.tangent = 0.0
                else:
                    moved.add(n.id)
                    n.tangent = float(sum(np.float64(d) * np.float64(self.nodes[i].tangent)
                                          for i, d in zip(n.inputs, n.local) if i in moved))
        return {n.id: n.tangent for n in self.nodes}

    def inputs(self):
        return [n.label for n in self.nodes if n.op == "input"]


def evaluate(source, values, dtype=np.longdouble, point=None):
    """The outputs of `source` at `values`, in `dtype` (extended precision for finite
    differences); `values` may be arrays of points (a grid) when `point` gives one of them."""
    g = Graph(source, point or {k: float(v) for k, v in values.items()})
    vals = {}
    with np.errstate(all="ignore"):
        for n in g.nodes:
            x = [vals[i] for i in n.inputs]
            if n.op == "input":
                vals[n.id] = dtype(values[n.label])
            elif n.op == "const":
                vals[n.id] = dtype(n.value)
            elif n.op == "neg":
                vals[n.id] = -x[0]
            elif n.op in FUNCTIONS:
                vals[n.id] = FUNCTIONS[n.op][0](x[0])
            else:
                a, b = x
                vals[n.id] = {"+": a + b, "−": a - b, "·": a * b, "/": a / b, "^": a ** b}[n.op]
    return [vals[o.id] for o in g.outputs]


def finite_differences(source, values, h=1e-6):
    """d output / d input for every input by central differences in extended precision."""
    return run_steps(finite_difference_steps(source, values, h))


def finite_difference_steps(source, values, h=1e-6):
    """finite_differences as a generator that pauses (yields) after each input, for the compute
    thread's slices (16 inputs of a 19-line source took 40 ms in one piece)."""
    out = {}
    for name in values:
        up, down = dict(values), dict(values)
        up[name] = np.longdouble(values[name]) + np.longdouble(h)     # the step exact in extended precision
        down[name] = np.longdouble(values[name]) - np.longdouble(h)
        out[name] = float((evaluate(source, up)[0] - evaluate(source, down)[0]) / (2 * np.longdouble(h)))
        yield
    return out


def hessian(source, values, h=1e-4):
    """The Hessian of a two-input function at `values` by central differences of the reverse-mode
    gradient; its eigenvalues and what they say (convex, concave, saddle)."""
    names = list(values)

    def gradient(at):
        g = Graph(source, at)
        g.backward(g.outputs[0].id)
        return np.array([g.names[n].grad if n in g.names else 0.0 for n in names])

    H = np.zeros((2, 2))
    for k, name in enumerate(names):
        up, down = dict(values), dict(values)
        up[name] += h
        down[name] -= h
        H[:, k] = (gradient(up) - gradient(down)) / (2 * h)
    H = (H + H.T) / 2                       # the two mixed partials agree up to rounding
    eig = np.linalg.eigvalsh(H)
    tol = 1e-6 * max(1.0, float(np.max(np.abs(eig))))
    kind = ("convex here" if eig.min() > tol else "concave here" if eig.max() < -tol
            else "a saddle" if eig.min() < -tol and eig.max() > tol else "flat in one direction")
    return {"matrix": H.tolist(), "eigenvalues": eig.tolist(), "kind": kind,
            "method": f"central differences (h = {h:g}) of the reverse-mode gradient"}


def grid(source, values, resolution=41):
    """The first output over a square around the point of a two-input function (both inputs ±
    the same span, max(1, |x|, |y|), so that the gradient is drawn perpendicular to the level
    curves): {"names", "x", "y", "values" (rows of y, columns of x; null where not finite)}."""
    (nx, vx), (ny, vy) = values.items()
    span = max(1.0, abs(vx), abs(vy))
    xs = np.linspace(vx - span, vx + span, resolution)
    ys = np.linspace(vy - span, vy + span, resolution)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        out = np.asarray(evaluate(source, {nx: X, ny: Y}, np.float64, point=values)[0], dtype=np.float64)
    out = np.broadcast_to(out, X.shape)
    return {"names": [nx, ny], "x": xs.tolist(), "y": ys.tolist(),
            "values": [[float(v) if np.isfinite(v) else None for v in row] for row in out]}
