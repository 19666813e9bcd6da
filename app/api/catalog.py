"""The page's vocabulary, in one JSON object: every name the engine's registries define, with its
label and rules, the teacher's controls, the limits. The page reads it instead of typing them."""
from .. import limits
from ..engine import ACTIVATIONS, DATASETS, LOSSES, OPTIMIZERS
from ..engine.bookkeeping.history import LossHistory
from ..engine.datasets import IMAGES, SEQUENCES
from ..engine.layers.kinds import KINDS
from ..engine.losses import DEFAULT_LOSS, OUTPUT_ACTIVATION
from ..engine.optimizers import SETTINGS
from ..scenarios.links import CONTROLS


def catalog(settings):
    return {
        "activations": [{"name": a.name, "label": a.label, "formula": a.formula_text, "derivative": a.derivative_text,
                         "output_only": a.output_only} for a in ACTIVATIONS.values()],
        "losses": [{"name": l.name, "label": l.label, "requires": l.requires, "refuses": list(l.refuses),
                    "output": l.output} for l in LOSSES.values()],
        "default_loss": DEFAULT_LOSS,              # by task: binary, multiclass, regression
        "output_for_loss": OUTPUT_ACTIVATION,      # the output activation a loss gets by default
        "optimizers": [{"name": o.name, "label": o.label, "takes": list(o.takes)} for o in OPTIMIZERS.values()],
        "settings": {name: {"default": s.default, "low": s.low, "high": s.high, "text": s.text}
                     for name, s in SETTINGS.items()},
        "datasets": [{"name": name, "inputs": d.inputs, "outputs": d.outputs, "task": d.task,
                      "description": d.description} for name, d in DATASETS.items()],
        "image_datasets": [{"name": name, "shape": list(d.inputs), "outputs": d.outputs, "task": d.task,
                            "description": d.description, "classes": list(d.classes)} for name, d in IMAGES.items()],
        "sequence_datasets": [{"name": name, "shape": list(d.inputs), "outputs": d.outputs, "task": d.task,
                               "description": d.description} for name, d in SEQUENCES.items()],
        "layer_kinds": [{"name": name, "label": label, "settings": {
            setting: {"choices": list(values), "default": default} for setting, (values, default) in settings.items()}}
            for name, (label, settings, _) in KINDS.items()],
        "controls": CONTROLS,
        "history_cap": LossHistory().cap,
        "limits": {"max_units": limits.MAX_UNITS, "max_hidden": limits.MAX_DENSE_LAYERS - 1,
                   "max_points": limits.MAX_POINTS, "max_train": limits.MAX_TRAIN_STEPS,
                   "max_file_bytes": settings.max_import_bytes},
    }
