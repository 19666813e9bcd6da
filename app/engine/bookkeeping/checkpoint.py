"""A trainer's state as a flat dict of arrays and plain numbers, and back: everything a trainer
built from the same configuration needs to carry on bit for bit (parameters, optimiser state,
step counter, where the minibatch draws stand, the loss history, the phase and what it
computed). The per-sample cached values are not in it: they are computed again, exactly, from
the batch and the parameters they came from (Network.replay)."""
import numpy as np

from ..network import Phase
from ..layers.normalization import OptionDense
from .history import LossHistory, NormHistory, TestLossHistory


def pairs(prefix, params):
    """{prefix.k.W, prefix.k.b} of each layer's (W, b); a layer without them (a pool) has none."""
    out = {}
    for k, pair in enumerate(params):
        if pair and pair[0] is not None:
            out[f"{prefix}.{k}.W"], out[f"{prefix}.{k}.b"] = pair
    return out


def boundary_state(trainer):
    """What carrying on from the trainer's update number trainer.steps needs, and nothing a
    phase computed: parameters, optimiser state, where the minibatch and dropout draws stand,
    batch norm's γ, β and running statistics. The arrays themselves, not copies (an update puts
    new ones in place): a past state (bookkeeping/past.py) is one of these."""
    net, opt = trainer.network, trainer.optimizer
    state = {"steps": trainer.steps, "optimizer.t": opt.t}
    state.update(pairs("params", [(layer.W, layer.b) for layer in net.layers]))
    for (k, name), value in opt.state.items():
        if isinstance(value, tuple):                    # adam: (m, v)
            state[f"optimizer.{k}.{name}.m"], state[f"optimizer.{k}.{name}.v"] = value
        elif value is not None:                         # momentum: the velocity
            state[f"optimizer.{k}.{name}.velocity"] = value
    if trainer.batches.size is not None:
        rng = trainer.batches.rng.bit_generator.state
        state.update({"batches.order": trainer.batches.order, "batches.pos": trainer.batches.pos,
                      "batches.rng.state": rng["state"]["state"], "batches.rng.inc": rng["state"]["inc"],
                      "batches.rng.has_uint32": rng["has_uint32"], "batches.rng.uinteger": rng["uinteger"]})
    if net.has_options():                  # batch norm's γ, β and statistics, and the dropout generator
        for k, layer in enumerate(net.layers):
            for name in OptionDense.KEPT if isinstance(layer, OptionDense) else ():
                if getattr(layer, name) is not None:
                    state[f"options.{k}.{name}"] = getattr(layer, name)
        rng = net.dropout_rng.bit_generator.state
        state.update({"dropout.rng.state": rng["state"]["state"], "dropout.rng.inc": rng["state"]["inc"],
                      "dropout.rng.has_uint32": rng["has_uint32"], "dropout.rng.uinteger": rng["uinteger"]})
    return state


def state_dict(trainer, past=True):
    """The trainer's state: arrays (float64, int64) and numbers, under flat dotted names: its
    boundary state, what its phase computed, its histories and (with `past`) its past states."""
    net = trainer.network
    state = boundary_state(trainer)
    state.update({"phase": net.phase.value, "loss": net.loss_value, "draws": trainer.draws})
    state.update(pairs("initial", trainer.initial))
    if net.phase == Phase.BACKWARD:
        state.update(pairs("grads", [(layer.dW, layer.db) for layer in net.layers]))
    if net.phase == Phase.UPDATED and net.cached_params is not None:   # the forward before the step was of these
        for k, (layer, values) in enumerate(zip(net.layers, net.cached_params)):
            for (name, _), value in zip(layer.parameters(), values):
                state[f"cache.{k}.{name}"] = value
    if trainer.batch is not None and net.phase != Phase.FRESH:
        if trainer.batches.size is None:     # the full batch: every row in order, nothing to keep
            state["batch.full"] = 1
        else:
            state["batch"] = np.asarray(trainer.batch, dtype=np.int64)
    state["history.steps"], state["history.losses"] = trainer.history.arrays()
    norms = trainer.norm_history
    state["norms.stride"] = norms.stride
    state["norms.steps"], state["norms.values"] = norms.arrays(len(net.layers))
    state["testloss.steps"], state["testloss.values"] = trainer.test_history.arrays()
    for k, layer in enumerate(net.layers):          # dropout's mask of the last forward
        if isinstance(layer, OptionDense) and layer.mask is not None and net.phase != Phase.FRESH:
            state[f"options.{k}.mask"] = layer.mask
    if past:
        state.update(trainer.past.state())
    if trainer.step_preview is not None:
        actual = trainer.step_preview["actual"]
        state["step_preview"] = np.array([trainer.step_preview["predicted"], np.nan if actual is None else actual])
    return state


def array(state, name, shape, dtype=np.float64):
    """state[name] as an array of `shape`; ValueError naming it if it is missing or does not fit."""
    if name not in state:
        raise ValueError(f"the state has no {name}")
    value = np.asarray(state[name], dtype=dtype)
    if shape is not None and value.shape != tuple(shape):
        raise ValueError(f"{name} has shape {value.shape}, the network needs {tuple(shape)}")
    return value


def params_of(state, prefix, net):
    return [(array(state, f"{prefix}.{k}.W", layer.W.shape), array(state, f"{prefix}.{k}.b", layer.b.shape))
            if layer.W is not None else () for k, layer in enumerate(net.layers)]


def load_state_dict(trainer, state):
    """Put `state` (from state_dict of a trainer of the same configuration) into `trainer`;
    ValueError naming the entry that does not fit, before anything is changed."""
    net, opt = trainer.network, trainer.optimizer
    phase = Phase(state.get("phase", "fresh"))
    params, initial = params_of(state, "params", net), params_of(state, "initial", net)
    memory = {}
    for k, layer in enumerate(net.layers):
        for name, value in layer.parameters():          # W, b (and batch norm's γ, β)
            shape = value.shape
            keys = {"momentum": ["velocity"], "adam": ["m", "v"]}.get(opt.name, [])
            found = [f"optimizer.{k}.{name}.{kind}" in state for kind in keys]
            if any(found):
                arrays = [array(state, f"optimizer.{k}.{name}.{kind}", shape) for kind in keys]
                memory[(k, name)] = arrays[0] if len(arrays) == 1 else tuple(arrays)
    grads = params_of(state, "grads", net) if phase == Phase.BACKWARD else None
    cached = [{}] * len(net.layers)          # what the forward before a step computed with
    if phase == Phase.UPDATED and "cache.0.W" in state:
        # W, b, and batch norm's γ, β (a state saved before they were kept: the current ones)
        cached = [{name: array(state, f"cache.{k}.{name}", value.shape) for name, value in layer.parameters()
                   if f"cache.{k}.{name}" in state} for k, layer in enumerate(net.layers)]
    batch = None
    if "batch" in state:
        batch = array(state, "batch", None, np.int64)
        if batch.ndim != 1 or len(batch) == 0 or batch.min() < 0 or batch.max() >= len(trainer.X):
            raise ValueError(f"batch must hold row indices below {len(trainer.X)}")
    elif state.get("batch.full") and trainer.batches.size is None:
        batch = trainer.batches.order
    elif phase != Phase.FRESH:
        raise ValueError(f"a state in phase {phase.value} needs its batch")
    position = None
    if trainer.batches.size is not None and "batches.order" in state:
        position = {"order": array(state, "batches.order", (len(trainer.X),), np.int64), "pos": int(state["batches.pos"]),
                    "rng": {key: state[f"batches.rng.{key}"] for key in ("state", "inc", "has_uint32", "uinteger")}}
    steps = array(state, "history.steps", None, np.int64)
    losses = array(state, "history.losses", steps.shape)
    norms = NormHistory()
    if "norms.steps" in state:          # a state from before the norms were kept has none
        norms.stride = int(state["norms.stride"])
        norms.steps = array(state, "norms.steps", None, np.int64).tolist()
        values = array(state, "norms.values", (len(norms.steps), len(net.layers), 2)).tolist()
        norms.norms = [tuple(map(tuple, layers)) for layers in values]   # as the trainer keeps them
    tests = TestLossHistory()
    if "testloss.steps" in state:
        tests.steps = array(state, "testloss.steps", None, np.int64).tolist()
        tests.losses = array(state, "testloss.values", (len(tests.steps),)).tolist()
    options = {}
    for k, layer in enumerate(net.layers):
        if isinstance(layer, OptionDense):
            for name in OptionDense.KEPT:
                if getattr(layer, name) is not None:
                    options[(k, name)] = array(state, f"options.{k}.{name}", (layer.fan_out,))
            if f"options.{k}.mask" in state and batch is not None:
                options[(k, "mask")] = array(state, f"options.{k}.mask", (len(batch), layer.fan_out))
    dropout = None
    if net.has_options():
        names = [f"dropout.rng.{key}" for key in ("state", "inc", "has_uint32", "uinteger")]
        missing = [name for name in names if name not in state]
        if missing:
            raise ValueError(f"the state has no {missing[0]}")
        dropout = tuple(int(state[name]) for name in names)
    preview = None
    if "step_preview" in state:
        predicted, actual = array(state, "step_preview", (2,)).tolist()
        preview = {"predicted": predicted, "actual": None if np.isnan(actual) else actual}

    trainer.initial = initial
    net.set_params(params)
    for (k, name), value in options.items():
        setattr(net.layers[k], name, value)
    if dropout is not None:
        net.set_dropout_state(dropout)
    if position is not None:
        trainer.batches.move_to(position)
    opt.t, opt.state = int(state.get("optimizer.t", 0)), memory
    trainer.steps = int(state["steps"])
    history = LossHistory()
    history.steps, history.losses = steps.tolist(), losses.tolist()
    trainer.history = history
    trainer.norm_history = norms
    trainer.test_history = tests
    trainer.step_preview = preview
    trainer.batch = batch
    if phase != Phase.FRESH:       # what the phase computed comes back from replay() when needed
        net.X, net.Y = trainer.rows(batch)
        net.cached_params = [tuple(kept.get(name, value) for name, value in layer.parameters())
                             for layer, kept in zip(net.layers, cached)]
        net.loss_value = None if state.get("loss") is None else float(state["loss"])
        net.phase = net.dropped = phase
        if grads is not None:
            for layer, pair in zip(net.layers, grads):
                if pair:
                    layer.dW, layer.db = pair
    if "past.steps" in state:      # the past states to replay from, as the store keeps them
        trainer.past.load(state)
    else:                          # a file, or a replay's twin: from here on anew
        trainer.past.clear()
        trainer.past.take(trainer, anchor=True)
    # batches drawn since the last update, so that the next says whether it was plain training
    trainer.draws = int(state.get("draws", 0 if phase == Phase.FRESH else -1))
    trainer.revision += 1
