"""Session files: a session exported as JSON with its digest, checked and restored on import."""
import hashlib
import hmac
import json
from typing import Annotated, Literal

import numpy as np
from pydantic import BeforeValidator, ConfigDict, Field, TypeAdapter, WrapValidator, model_validator

from ..engine.layers.attention import Attention
from ..engine.steps import run_steps
from ..engine.layers.kinds import MAX_FLAT
from ..limits import MAX_DENSE_LAYERS, MAX_POINTS, MAX_STEP
from ..sessions.config import SessionConfig
from ..sessions.fields import Row, Rows, Strict, first_bad_item
from ..sessions.layerspecs import KernelParams, Params
from ..sessions.session import layer_params
from .links import ScenarioError

FILE_FORMAT = "manualgrad-session"
FILE_VERSION = 2           # 2: batch norm's and dropout's state (layer_state, dropout_rng)
FILE_VERSIONS = (1, 2)     # what imports: files of version 1 have no layer options


def integral(value):
    """64.0 -> 64: some JSON writers put whole numbers that way; booleans and strings stay as
    they are (and are refused)."""
    if type(value) is float and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


FileInt = Annotated[int, BeforeValidator(integral)]
Step = Annotated[FileInt, Field(ge=0, le=MAX_STEP)]      # an update number, as far as a session can count
MAX_HISTORY = 4097                          # a LossHistory's cap, plus the one before thinning


def depth(value):
    """How many lists deep `value` goes along its first entries: 1 for a b, 2 for a dense W,
    4 for a conv layer's kernels."""
    n = 0
    while isinstance(value, list) and value:
        n, value = n + 1, value[0]
    return n


def number_array(value, handler):
    """A W or a b of an optimiser's state: checked as kernels, rows of numbers or numbers by
    how deep it goes, a row at a time (see schemas.Rows)."""
    return {4: KERNELS, 2: MATRIX}.get(depth(value), VECTOR).validate_python(value)


MATRIX = TypeAdapter(Annotated[list[Row], Field(min_length=1, max_length=MAX_FLAT), Rows],
                     config=ConfigDict(strict=True))
VECTOR = TypeAdapter(Row, config=ConfigDict(strict=True))
KERNELS = TypeAdapter(KernelParams.model_fields["W"].annotation, config=ConfigDict(strict=True))
NumberArray = Annotated[list, WrapValidator(number_array)]
ParamKey = Annotated[str, Field(pattern=r"^[0-7]\.(W|b|gamma|beta)$", description="layer.W, layer.b, layer.gamma or layer.beta")]


class Velocity(Strict):
    velocity: NumberArray


class Moments(Strict):
    m: NumberArray
    v: NumberArray


class HistoryFile(Strict):
    steps: Annotated[list[Step], Field(max_length=MAX_HISTORY), first_bad_item(Step)] = []
    losses: Annotated[list[float | None], Field(max_length=MAX_HISTORY), first_bad_item(float | None)] = []

    @model_validator(mode="after")
    def same_length(self):
        if len(self.steps) != len(self.losses):
            raise ValueError(f"history has {len(self.steps)} steps but {len(self.losses)} losses")
        return self


NORMS_CAP = 512          # NormHistory keeps at most 128 (+1 before thinning); older files had 512


class NormsFile(Strict):
    """The gradients' norms at some of the updates: `values[n][k]` = [‖dW‖, ‖db‖] of layer k at
    steps[n]; `stride` as NormHistory keeps it."""

    stride: FileInt = Field(1, ge=1, le=2**40)
    steps: Annotated[list[Step], Field(max_length=NORMS_CAP + 1), first_bad_item(Step)] = []
    values: Annotated[list[list[Annotated[list[float | None], Field(min_length=2, max_length=2)]]],
                      Field(max_length=NORMS_CAP + 1)] = []

    @model_validator(mode="after")
    def same_length(self):
        if len(self.steps) != len(self.values):
            raise ValueError(f"grad_norms has {len(self.steps)} steps but {len(self.values)} values")
        return self


class TestLossesFile(Strict):
    """The loss on the test points at the gradient norms' steps."""

    steps: Annotated[list[Step], Field(max_length=NORMS_CAP + 1), first_bad_item(Step)] = []
    losses: Annotated[list[float | None], Field(max_length=NORMS_CAP + 1), first_bad_item(float | None)] = []

    @model_validator(mode="after")
    def same_length(self):
        if len(self.steps) != len(self.losses):
            raise ValueError(f"test_losses has {len(self.steps)} steps but {len(self.losses)} losses")
        return self


class GeneratorState(Strict):
    """A PCG64 generator's state, its 128-bit numbers as decimal strings."""

    state: str = Field(pattern=r"^[0-9]{1,39}$")
    inc: str = Field(pattern=r"^[0-9]{1,39}$")
    has_uint32: FileInt = Field(ge=0, le=1)
    uinteger: FileInt = Field(ge=0, le=2**32 - 1)

    @model_validator(mode="after")
    def fits_128_bits(self):
        if int(self.state) >= 2**128 or int(self.inc) >= 2**128:
            raise ValueError("a generator state is a number below 2^128")
        return self


class BatchPosition(Strict):
    order: Annotated[list[Annotated[FileInt, Field(ge=0, lt=MAX_POINTS)]], Field(max_length=MAX_POINTS),
                     first_bad_item(Annotated[FileInt, Field(ge=0, lt=MAX_POINTS)])]
    pos: FileInt = Field(ge=0, le=MAX_POINTS)
    rng: GeneratorState


OPTIMIZER_MEMORY = {"sgd": None, "momentum": Velocity, "adam": Moments}


class LayerState(Strict):
    """A batch-norm layer's γ, β and running statistics (one number per unit)."""

    gamma: NumberArray
    beta: NumberArray
    running_mean: NumberArray
    running_var: NumberArray


class SessionFile(Strict):
    """An exported session: configuration, weights (starting and current), optimiser state and
    loss history, with a digest of its content: a sha256, or with MANUALGRAD_SECRET an HMAC."""

    format: Literal["manualgrad-session"]
    version: Annotated[FileInt, Field(ge=1, le=max(FILE_VERSIONS))]
    config: SessionConfig
    step: Step
    current_params: list[Params] = Field(min_length=1, max_length=MAX_DENSE_LAYERS)
    optimizer_t: Step = 0
    optimizer_state: dict[ParamKey, Velocity | Moments] = Field({}, max_length=2 * MAX_DENSE_LAYERS)
    history: HistoryFile = HistoryFile()
    grad_norms: NormsFile | None = None       # files from before the norms were kept have none
    test_losses: TestLossesFile | None = None   # and from before the test losses were written, none
    batches: BatchPosition | None = None     # where the minibatch draws stand (Batches.position)
    # per layer, batch norm's state (null for a layer without it), and the dropout generator's
    layer_state: list[LayerState | None] | None = Field(None, max_length=MAX_DENSE_LAYERS)
    dropout_rng: GeneratorState | None = None
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    hmac_sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")

    @model_validator(mode="after")
    def memory_of_its_optimizer(self):
        """Each entry of the optimiser's state is of its kind: momentum keeps a velocity, Adam
        m and v, plain SGD nothing."""
        kind = OPTIMIZER_MEMORY[self.config.optimizer.name]
        for key, arrays in self.optimizer_state.items():
            if kind is None or not isinstance(arrays, kind):
                wanted = "nothing" if kind is None else " and ".join(kind.model_fields)
                raise ValueError(f"optimizer_state[{key!r}]: {self.config.optimizer.name} keeps {wanted}")
        return self


def integral_config(value):
    """The file's config with whole floats as ints (64.0 for a layer size), except inside the
    number matrices (dataset X and Y, params), where a float is a float anyway."""
    if isinstance(value, dict):
        return {k: v if k in ("X", "Y", "params") else integral_config(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral_config(v) for v in value]
    return integral(value)


def as_floats(value):
    """Every number as a float, so that a tool rewriting 1.0 as 1 leaves the digest alone."""
    if isinstance(value, dict):
        return {key: as_floats(v) for key, v in value.items()}
    if isinstance(value, list):
        return [as_floats(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def canonical_json(value):
    """The canonical JSON of `value` in pieces: the same text as json.dumps(as_floats(value),
    sort_keys=True, separators=(",", ":")), a row of numbers or a key at a time."""
    if isinstance(value, dict):
        yield "{"
        for n, key in enumerate(sorted(value)):
            yield ("," if n else "") + json.dumps(key) + ":"
            yield from canonical_json(value[key])
        yield "}"
    elif isinstance(value, list) and all(is_number(v) for v in value):
        yield json.dumps([float(v) for v in value], separators=(",", ":"))
    elif isinstance(value, list):
        yield "["
        for n, item in enumerate(value):
            if n:
                yield ","
            yield from canonical_json(item)
        yield "]"
    else:
        yield json.dumps(as_floats(value))


DIGEST_PAUSE_CHARS = 65536   # digest_steps pauses after about this much text


DIGEST_FIELDS = ("sha256", "hmac_sha256")


def digest_steps(body: dict, secret: bytes | None = None):
    """digest(body) as a generator that pauses (yields) every 64 KB of text, for the compute
    thread's slices: a 7 MB file took 100 ms in one go. Returns the hex digest: a sha256, or
    with a secret an HMAC-SHA256 keyed with it."""
    content = {key: value for key, value in body.items() if key not in DIGEST_FIELDS}
    sha = hmac.new(secret, digestmod=hashlib.sha256) if secret else hashlib.sha256()
    pending = 0
    for piece in canonical_json(content):
        sha.update(piece.encode())
        pending += len(piece)
        if pending >= DIGEST_PAUSE_CHARS:
            pending = 0
            yield
    return sha.hexdigest()


def digest(body: dict, secret: bytes | None = None) -> str:
    """sha256 (or with a secret its HMAC) of the canonical JSON (sorted keys, numbers as
    floats) of all but the digest itself."""
    return run_steps(digest_steps(body, secret))


def file_params(state, prefix, network):
    """Each layer's {W, b} under `prefix` (an attention head's {Wq, Wk, Wv}), or None for a layer
    without them (a pool, flatten)."""
    out = []
    for k, layer in enumerate(network.layers):
        if f"{prefix}.{k}.W" not in state:
            out.append(None)
        elif isinstance(layer, Attention):
            out.append(dict(zip(("Wq", "Wk", "Wv"), (part.tolist() for part in layer.split(state[f"{prefix}.{k}.W"])))))
        else:
            out.append({"W": state[f"{prefix}.{k}.W"].tolist(), "b": state[f"{prefix}.{k}.b"].tolist()})
    return out


def export_session(session, secret=None):
    """The session as a file body (plain JSON types) made from Trainer.state_dict(), signed with
    an HMAC when the server has a secret; a generator pausing while it hashes."""
    trainer = session.trainer
    state = trainer.state_dict()
    config = {key: value for key, value in session.config.items() if key not in ("task", "input_shape")}
    if "points" in config["dataset"]:    # the client's own points travel with the file
        config["dataset"] = {"X": trainer.points.tolist(), "Y": trainer.targets().tolist()}
    config["params"] = file_params(state, "initial", trainer.network)
    memory = {}
    for name, value in state.items():
        if name.startswith("optimizer.") and name != "optimizer.t" and value.size:   # an attention head's b: empty
            _, k, param, kind = name.split(".")
            memory.setdefault(f"{k}.{param}", {})[kind] = value.tolist()
    batches = None
    if "batches.order" in state:        # 128-bit numbers as strings: JSON readers keep 53 bits
        batches = {"order": state["batches.order"].tolist(), "pos": state["batches.pos"],
                   "rng": {"state": str(state["batches.rng.state"]), "inc": str(state["batches.rng.inc"]),
                           "has_uint32": state["batches.rng.has_uint32"], "uinteger": state["batches.rng.uinteger"]}}
    losses = state["history.losses"]
    body = {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "config": config,
        "step": state["steps"],
        "current_params": file_params(state, "params", trainer.network),
        "optimizer_t": state["optimizer.t"],
        "optimizer_state": memory,
        "history": {"steps": state["history.steps"].tolist(),
                    "losses": [float(l) if np.isfinite(l) else None for l in losses]},
        "grad_norms": {"stride": state["norms.stride"], "steps": state["norms.steps"].tolist(),
                       "values": [[[float(v) if np.isfinite(v) else None for v in pair] for pair in step]
                                  for step in state["norms.values"]]},
        "test_losses": {"steps": state["testloss.steps"].tolist(),
                        "losses": [float(l) if np.isfinite(l) else None for l in state["testloss.values"]]},
        "batches": batches,
    }
    if trainer.network.has_options():
        body["layer_state"] = [{name: state[f"options.{k}.{name}"].tolist() for name in LayerState.model_fields}
                               if f"options.{k}.gamma" in state else None for k in range(len(trainer.network.layers))]
        body["dropout_rng"] = {"state": str(state["dropout.rng.state"]), "inc": str(state["dropout.rng.inc"]),
                               "has_uint32": state["dropout.rng.has_uint32"],
                               "uinteger": state["dropout.rng.uinteger"]}
    body["hmac_sha256" if secret else "sha256"] = yield from digest_steps(body, secret)
    return body


def check_file(body: dict, secret: bytes | None = None) -> SessionFile:
    """The parsed file, or ScenarioError if it is not a ManualGrad session file or was changed
    (ValidationError naming what is malformed). The cheap checks come first: its format and
    version, then its whole shape against the schema; only then is it hashed (a generator,
    pausing while it does)."""
    if not isinstance(body, dict) or body.get("format") != FILE_FORMAT:
        raise ScenarioError("this is not a ManualGrad session file (its format field is missing or wrong)")
    if integral(body.get("version")) not in FILE_VERSIONS:
        version = body.get("version")
        shown = version if isinstance(version, (int, float)) else repr(str(version)[:20])
        raise ScenarioError(f"session file version {shown} is not known here "
                            f"(this server reads versions {', '.join(map(str, FILE_VERSIONS))})")
    field = "hmac_sha256" if secret else "sha256"
    if secret and not isinstance(body.get("hmac_sha256"), str):
        raise ScenarioError("this server imports only session files it signed itself (it has a "
                            "MANUALGRAD_SECRET): export the session again from this server")
    if not secret and "hmac_sha256" in body and "sha256" not in body:
        raise ScenarioError("this session file was signed by a server with a secret, which this "
                            "server does not have, so it cannot tell whether the file was changed")
    if not isinstance(body.get(field), str):
        raise ScenarioError("the session file has no sha256 of its content: export it again")
    try:
        file = SessionFile.model_validate({**body, "config": integral_config(body.get("config"))})
        sha = yield from digest_steps(body, secret)
    except RecursionError:
        raise ScenarioError("the session file is nested too deeply to be one of ours") from None
    if not hmac.compare_digest(sha, body[field]):
        raise ScenarioError("the session file was changed after it was exported (its digest does "
                            "not match its content); export it again")
    return file


def restore(trainer, file: SessionFile):
    """Put the exported weights, optimiser state and history back into a freshly built trainer,
    through Trainer.load_state_dict (which checks every shape)."""
    if len(file.current_params) != len(trainer.network.layers):
        raise ScenarioError(f"the session file has weights for {len(file.current_params)} layers, "
                            f"its network has {len(trainer.network.layers)}")
    # a fresh trainer's state (phase fresh, its starting weights), without its past: the file's
    # session starts its own past states where the file left off
    state = {name: value for name, value in trainer.state_dict().items() if not name.startswith("past.")}
    for k, entry in enumerate(file.current_params):
        if entry is not None:
            state[f"params.{k}.W"], state[f"params.{k}.b"] = (np.array(a) for a in layer_params(entry))
    for key, arrays in file.optimizer_state.items():
        k, _, name = key.partition(".")
        for kind, value in arrays.model_dump().items():
            state[f"optimizer.{k}.{name}.{kind}"] = value
    state["steps"], state["optimizer.t"] = file.step, file.optimizer_t
    state["history.steps"] = np.array(file.history.steps, dtype=np.int64)
    state["history.losses"] = np.array([np.nan if l is None else l for l in file.history.losses], dtype=np.float64)
    if file.grad_norms is not None:
        norms = file.grad_norms
        if any(len(step) != len(trainer.network.layers) for step in norms.values):
            raise ScenarioError(f"the session file's grad_norms must hold one [‖dW‖, ‖db‖] per layer "
                                f"({len(trainer.network.layers)}) at each step")
        state["norms.stride"], state["norms.steps"] = norms.stride, np.array(norms.steps, dtype=np.int64)
        state["norms.values"] = np.array([[[np.nan if v is None else v for v in pair] for pair in step]
                                          for step in norms.values], dtype=np.float64).reshape(
                                              len(norms.steps), len(trainer.network.layers), 2)
    if file.test_losses is not None:
        state["testloss.steps"] = np.array(file.test_losses.steps, dtype=np.int64)
        state["testloss.values"] = np.array([np.nan if l is None else l for l in file.test_losses.losses],
                                            dtype=np.float64)
    if file.batches is not None and trainer.batches.size is not None:
        order = np.array(file.batches.order, dtype=np.int64)
        if order.shape != (len(trainer.X),) or not np.array_equal(np.sort(order), np.arange(len(trainer.X))):
            raise ScenarioError(f"the session file's minibatch position does not fit its data: the "
                                f"batch order must hold each of the {len(trainer.X)} rows once")
        rng = file.batches.rng
        state.update({"batches.order": order, "batches.pos": file.batches.pos,
                      "batches.rng.state": int(rng.state), "batches.rng.inc": int(rng.inc),
                      "batches.rng.has_uint32": rng.has_uint32, "batches.rng.uinteger": rng.uinteger})
    if trainer.network.has_options() and (file.layer_state is None or file.dropout_rng is None):
        raise ScenarioError("the session file has no layer_state or dropout_rng, which its network's batch "
                            "norm or dropout needs: export it again")
    if file.layer_state is not None and len(file.layer_state) != len(trainer.network.layers):
        raise ScenarioError(f"the session file's layer_state has {len(file.layer_state)} entries, its "
                            f"network has {len(trainer.network.layers)} layers")
    for k, entry in enumerate(file.layer_state or []):
        if entry is not None:
            for name, value in entry.model_dump().items():
                state[f"options.{k}.{name}"] = np.array(value, dtype=np.float64)
    if file.dropout_rng is not None:
        rng = file.dropout_rng
        state.update({"dropout.rng.state": int(rng.state), "dropout.rng.inc": int(rng.inc),
                      "dropout.rng.has_uint32": rng.has_uint32, "dropout.rng.uinteger": rng.uinteger})
    try:
        trainer.load_state_dict(state)
    except (ValueError, TypeError, OverflowError) as e:
        raise ScenarioError(f"the session file's weights or optimiser state do not fit its network: {e}") from None
