"""A learner's session: a Trainer built from a SessionConfig, plus what the store needs to know."""
import time

import numpy as np

from ..engine import (Network, Trainer, given_points, make_dataset, make_optimizer, peak_bytes,
    two_classes)
from ..engine.activations import get_activation
from ..engine.errors import ConfigError
from ..engine.network import as_rows
from ..engine.features import check_features, feature_matrix
from ..engine.losses import DEFAULT_LOSS, OUTPUT_ACTIVATION
from ..engine.regularization import Regularization
from ..engine.datasets import ALL
from ..engine import images, sequences
from .config import NamedDataset, SessionConfig
from .turns import Turns


class Session:
    """One learner's network, its data and optimiser; requests on it take `turns`, in order."""

    def __init__(self, id, trainer, config, spec=None, turns=None):
        self.id = id
        self.trainer = trainer
        self.config = config            # the normalised configuration, as JSON
        self.spec = spec                # the SessionConfig it was built from (a store rebuilds from it)
        self.turns = turns or Turns()   # this process's queue of requests on it
        self.ticket = 0                 # the turn of the request running now
        self.closed = False             # set when deleted or evicted; in-flight requests then 404
        self.last_used = time.monotonic()
        self.costs = {}                 # measured compute seconds of each kind of work
        self.playing_until = 0.0        # on Play until then (time.monotonic): its work is bulk work
        self.peak_bytes = peak_bytes(trainer)
        self.held_bytes = 0             # what it holds in this process, as the store counted it

    def cancelled(self, ticket):
        """Whether work of turn `ticket` should stop: the session is gone, or was reset since."""
        return self.closed or ticket < self.turns.cancel_below


def load_dataset(spec):
    """(X, Y, task) for a named dataset or points given by the client."""
    if isinstance(spec, NamedDataset):
        X, Y = make_dataset(spec.name, n=spec.n, noise=spec.noise, seed=spec.seed)
        return X, Y, ALL[spec.name].task
    X, Y = given_points(spec.X, spec.Y)          # ConfigError("dataset") for ragged rows, images or sequences
    if Y.shape[-1] > 1:
        task = "multiclass"
    elif two_classes(as_rows(Y)):
        task = "binary"
    else:
        task = "regression"
    return X, Y, task


def held_out(n, ratio, seed):
    """Which of n points are test points: floor(n · ratio) of them, drawn with `seed`, at least
    one left to train on."""
    count = min(int(np.floor(n * ratio)), n - 1)
    is_test = np.zeros(n, dtype=bool)
    if count > 0:
        is_test[np.random.default_rng([seed, 7919]).permutation(n)[:count]] = True
    return is_test


def build_trainer(config: SessionConfig):
    """A Trainer for `config`, and the configuration with every default filled in. What does not
    fit is the engine's ConfigError, naming its field (it checks; nothing here checks again)."""
    points, all_Y, task = load_dataset(config.dataset)
    if points.ndim > 2 or (config.layers and not isinstance(config.layers[0], int)):
        return build_layered(config, points, all_Y, task)
    inputs = points
    if config.features is not None:          # the network's inputs, worked out from each point
        check_features(config.features, points.shape[1])
        inputs = feature_matrix(points, config.features)
    is_test = held_out(len(points), config.test_ratio, config.seed)
    X, Y = inputs[~is_test], all_Y[~is_test]
    test = (inputs[is_test], all_Y[is_test]) if is_test.any() else None
    loss = config.loss or DEFAULT_LOSS[task]
    layers = config.layers or [X.shape[1], 4, Y.shape[1]]
    if config.features is not None and layers[0] != len(config.features):
        raise ConfigError("layers", f"layers[0] must be {len(config.features)}, the number of features")
    if config.activations is not None:
        activations = list(config.activations)
    else:
        activations = ["tanh"] * (len(layers) - 2) + [OUTPUT_ACTIVATION[loss]]
    acts = [get_activation(a, alpha=config.leaky_relu_alpha) if a == "leaky_relu" else a
            for a in activations]
    params = [(p.W, p.b) for p in config.params] if config.params is not None else None
    reg = config.regularization
    options = [o.model_dump() for o in config.layer_options] if config.layer_options else None
    net = Network(layers, acts, loss, params=params, init=config.init, seed=config.seed,
                  regularization=Regularization(reg.kind, reg.rate) if reg is not None else None,
                  layer_options=options)
    optimizer = make_optimizer(config.optimizer.name, config.optimizer.lr, **config.optimizer.settings())
    trainer = Trainer(net, optimizer, X, Y, batch_size=config.batch_size, seed=config.seed,
                      points=points, features=config.features, test=test, is_test=is_test)
    normalised = config.model_dump(exclude={"params", "dataset"})   # the points are not copied
    normalised.update(layers=layers, activations=activations, loss=loss, task=task,
                      features=config.features or (["x1", "x2"] if points.shape[1] == 2 else None),
                      dataset=config.dataset.model_dump() if isinstance(config.dataset, NamedDataset)
                      else {"points": len(points)})
    return trainer, normalised


def build_layered(config, points, all_Y, task):
    """build_trainer for a network of layer objects (a CNN on images): the layers' defaults
    filled in (DEFAULT_LAYERS for images without them), the network built on the data's shape."""
    for name in ("activations", "layer_options", "features"):
        if getattr(config, name) is not None:
            raise ConfigError(name, f"{name} is for a stack of dense layers; a network of layer objects "
                                    f"gives each layer its own settings")
    is_test = held_out(len(points), config.test_ratio, config.seed)
    X, Y = points[~is_test], all_Y[~is_test]
    test = (points[is_test], all_Y[is_test]) if is_test.any() else None
    loss = config.loss or DEFAULT_LOSS[task]
    default = sequences.DEFAULT_LAYERS if points.ndim == 3 else images.DEFAULT_LAYERS
    given = [spec.model_dump() for spec in config.layers] if config.layers else [dict(s) for s in default]
    specs = []
    for k, spec in enumerate(given):
        full = {key: value for key, value in spec.items() if value is not None}
        if full["type"] == "conv2d":
            full = {"type": "conv2d", "stride": 1, "padding": 0, "activation": "relu", **full}
        elif full["type"] == "attention":
            full = {"type": "attention", "causal": False, **full}
        elif full["type"] == "dense":
            last = k == len(given) - 1
            if "units" not in full and not last:
                raise ConfigError(f"layers[{k}]", f"layers[{k}]: a hidden dense layer needs its units")
            full = {"type": "dense", "units": Y.shape[-1], "activation": OUTPUT_ACTIVATION[loss] if last else "tanh",
                    **full}
        specs.append(full)
    reg = config.regularization
    params = [layer_params(p) for p in config.params] if config.params is not None else None
    if params is not None and len(params) != len(specs):
        raise ConfigError("params", f"params has {len(params)} layers, need {len(specs)} (null for a pool or a flatten)")
    net = Network.of_specs(X.shape[1:], specs, loss, params=params, init=config.init, seed=config.seed,
                           regularization=Regularization(reg.kind, reg.rate) if reg is not None else None)
    optimizer = make_optimizer(config.optimizer.name, config.optimizer.lr, **config.optimizer.settings())
    trainer = Trainer(net, optimizer, X, Y, batch_size=config.batch_size, seed=config.seed,
                      points=points, test=test, is_test=is_test)
    normalised = config.model_dump(exclude={"params", "dataset"})
    normalised.update(layers=specs, loss=loss, task=task, input_shape=list(X.shape[1:]),
                      dataset=config.dataset.model_dump() if isinstance(config.dataset, NamedDataset)
                      else {"points": len(points)})
    return trainer, normalised


def layer_params(given):
    """A layer's starting weights as the engine takes them: (W, b), an attention head's Wq, Wk, Wv
    side by side as one W (no b), or () for a layer without any."""
    if given is None:
        return ()
    if hasattr(given, "Wq"):
        try:
            return np.concatenate([np.array(given.Wq), np.array(given.Wk), np.array(given.Wv)], axis=1), np.zeros(0)
        except ValueError:
            raise ConfigError("params", "an attention head's Wq, Wk and Wv need as many rows each (d_in)") from None
    return given.W, given.b
