"""Scenario links: a whole configuration, optional starting weights and a teacher's mode,
shared as a link (`/#s=1.…`, versioned and compressed)."""
import base64
import zlib
from typing import Literal

import orjson
from pydantic import Field

from ..engine.steps import run_steps
from ..limits import MAX_DENSE_LAYERS, MAX_UNITS
from ..sessions.config import SessionConfig
from ..sessions.fields import Strict

CODE_VERSION = "1"
MAX_CODE_CHARS = 200_000          # a link's scenario code (a 64-unit net with weights fits)
MAX_DECODED_BYTES = 2 * 1024 * 1024

# the controls a teacher's mode may hide or lock, with what a learner calls each
CONTROLS = {
    "presets": "presets", "dataset": "dataset", "points": "points", "layers": "layers",
    "activations": "activations", "loss": "loss", "optimizer": "optimiser and learning rate",
    "batch_size": "batch size", "seed": "seed", "forward": "Forward", "backward": "Backward", "step": "Step",
    "play": "Play", "train": "Train", "reset": "Reset", "share": "Copy link", "export": "Export",
    "import": "Import", "gradcheck": "the finite-difference check",
    "regularization": "regularisation", "edit_weight": "editing a weight", "csv": "loading a CSV", "features": "input features", "test_ratio": "test points",
    "layer_options": "batch norm and dropout",
}
Control = Literal[tuple(CONTROLS)]


class WeightRef(Strict):
    """One weight: layers[layer].W[i][j] in the state (edge data-edge "layer+1-i-j")."""

    layer: int = Field(ge=0, lt=MAX_DENSE_LAYERS)
    i: int = Field(ge=0, lt=MAX_UNITS)
    j: int = Field(ge=0, lt=MAX_UNITS)


class TeacherMode(Strict):
    """Controls hidden or locked for a lesson on one idea, and a predict-the-gradient or a
    derive-it-yourself exercise."""

    hide: list[Control] = Field([], max_length=32)
    lock: list[Control] = Field([], max_length=32)
    predict: WeightRef | None = Field(None, description="hide this weight's dW until the learner guesses it")
    derive: WeightRef | None = Field(None, description="open this weight's panel on the field for its gradient's "
                                                       "formula, its chain rule hidden until the learner writes one")


class Scenario(Strict):
    """What a link or a preset opens."""

    title: str | None = Field(None, max_length=120)
    description: str | None = Field(None, max_length=2000)
    config: SessionConfig = SessionConfig()
    teacher: TeacherMode = TeacherMode()


class ScenarioError(ValueError):
    """A scenario code or file that cannot be read; the message says why, `field` where it is."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def check_exercises(scenario: Scenario, layers):
    """The predict and derive exercises must name a weight the network has (layers: sizes, input
    first)."""
    for name in ("predict", "derive"):
        ref = getattr(scenario.teacher, name)
        field = f"teacher.{name}"
        if ref is None:
            continue
        if not isinstance(layers[0], int):
            raise ScenarioError(f"{field} asks for a weight of a stack of dense layers, not of layer objects", field)
        if ref.layer >= len(layers) - 1:
            raise ScenarioError(f"{field}.layer must be below {len(layers) - 1}, the number of dense layers", field)
        if ref.i >= layers[ref.layer] or ref.j >= layers[ref.layer + 1]:
            raise ScenarioError(f"{field} names W[{ref.i}][{ref.j}] of layer {ref.layer}, which is "
                                f"{layers[ref.layer]} × {layers[ref.layer + 1]}", field)


def encode(scenario: Scenario) -> str:
    """"1." + base64url(deflate(compact JSON)), leaving out every default."""
    return run_steps(encode_steps(scenario))


PACK_CHUNK = 32 * 1024      # bytes deflated (level 9: about 6 ms) between two pauses of encode_steps


def encode_steps(scenario: Scenario):
    """encode() as a generator that pauses (yields) while it deflates, for the compute thread's
    slices: 1 MB of points took 180 ms in one piece."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    yield
    raw = orjson.dumps(data)                  # compact JSON, as json.dumps(separators=(",", ":")) but 6x faster
    yield
    packer, parts = zlib.compressobj(9), []
    for start in range(0, len(raw), PACK_CHUNK):
        parts.append(packer.compress(raw[start:start + PACK_CHUNK]))
        yield
    parts.append(packer.flush())
    packed = base64.urlsafe_b64encode(b"".join(parts)).rstrip(b"=").decode()
    return f"{CODE_VERSION}.{packed}"


def decode(code: str) -> Scenario:
    """The scenario in a link's code; ScenarioError naming what is wrong with it."""
    version, dot, packed = code.strip().partition(".")
    if not dot:
        raise ScenarioError("a scenario code starts with its version, like 1.…")
    if version != CODE_VERSION:
        raise ScenarioError(f"scenario version {version!r} is not known here (this server reads "
                            f"version {CODE_VERSION})")
    damaged = "the scenario code is damaged: it does not unpack (was the link cut short?)"
    try:
        compressed = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(compressed, MAX_DECODED_BYTES)
        if inflater.unconsumed_tail:
            raise ScenarioError(f"the scenario unpacks to more than {MAX_DECODED_BYTES} bytes")
        if not inflater.eof:            # a code cut short unpacks to a beginning, not to nothing
            raise ScenarioError("the scenario code is cut short: copy the whole link")
        data = orjson.loads(raw)        # deeper than 1,024 levels is an error here, not a crash
    except ScenarioError:
        raise
    except (ValueError, zlib.error):
        raise ScenarioError(damaged) from None
    if not isinstance(data, dict):
        raise ScenarioError(damaged)
    return Scenario.model_validate(data)
