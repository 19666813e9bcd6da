"""A hypothesis strategy over the kinds of sessions a learner can make, and what a learner can
do to one: for the round trips of tests/sessions/test_roundtrip.py and
tests/scenarios/test_file_roundtrip.py."""
from hypothesis import strategies as st

from app.engine import DATASETS
from app.engine.datasets import IMAGES, SEQUENCES
from app.engine.features import FEATURES
from app.engine.losses import DEFAULT_LOSS, OUTPUT_ACTIVATION

NAMED = [name for name in DATASETS if name != "single"]


@st.composite
def own_points(draw):
    """Points of one's own: 2 inputs, 2 classes or a regression."""
    n = draw(st.integers(8, 40))
    xs = draw(st.lists(st.tuples(st.floats(-3, 3), st.floats(-3, 3)), min_size=n, max_size=n))
    regression = draw(st.booleans())
    X = [[round(a, 4), round(b, 4)] for a, b in xs]
    Y = [[round(a - b, 4)] if regression else [float(a * b > 0)] for a, b in xs]
    return {"X": X, "Y": Y}


@st.composite
def cnn_configurations(draw):
    """A small CNN on a named image dataset or images of one's own: conv layers of any kernel,
    stride and padding, a max or average pool, a dense hidden layer or not."""
    if draw(st.booleans()):
        dataset = {"name": draw(st.sampled_from(list(IMAGES))), "n": draw(st.integers(10, 40))}
    else:
        n, side = draw(st.integers(4, 12)), draw(st.integers(4, 7))
        pixels = st.lists(st.lists(st.floats(-2, 2).map(lambda v: round(v, 3)), min_size=side, max_size=side),
                          min_size=side, max_size=side)
        dataset = {"X": draw(st.lists(st.tuples(pixels), min_size=n, max_size=n).map(lambda xs: [list(x) for x in xs])),
                   "Y": [[float(k % 2)] for k in range(n)]}
    layers = [{"type": "conv2d", "channels": draw(st.integers(1, 3)), "kernel": draw(st.sampled_from([1, 3])),
               "stride": draw(st.sampled_from([1, 2])), "padding": draw(st.integers(0, 2)),
               "activation": draw(st.sampled_from(["relu", "tanh", "leaky_relu"]))}]
    side = IMAGES[dataset["name"]].inputs[1] if "name" in dataset else len(dataset["X"][0][0])
    conv = layers[0]
    if (side + 2 * conv["padding"] - conv["kernel"]) // conv["stride"] + 1 >= 2 and draw(st.booleans()):
        layers.append({"type": draw(st.sampled_from(["maxpool2d", "avgpool2d"])), "size": 2})
    layers.append({"type": "flatten"})
    if draw(st.booleans()):
        layers.append({"type": "dense", "units": draw(st.integers(1, 4))})
    layers.append({"type": "dense"})
    config = {"dataset": dataset, "layers": layers, "seed": draw(st.integers(0, 2**16)),
              "optimizer": {"name": draw(st.sampled_from(["sgd", "momentum", "adam"])),
                            "lr": draw(st.sampled_from([0.01, 0.3, 1e5]))}}
    if draw(st.booleans()):
        config["regularization"] = {"kind": draw(st.sampled_from(["l1", "l2"])), "rate": 0.01}
    if draw(st.booleans()):
        config["batch_size"] = draw(st.integers(2, 8))
    return config


@st.composite
def sequence_configurations(draw):
    """One attention head (causal or not) on a named sequence dataset or sequences of one's own,
    a dense hidden layer or not."""
    if draw(st.booleans()):
        dataset = {"name": draw(st.sampled_from(list(SEQUENCES))), "n": draw(st.integers(6, 30))}
    else:
        n, T, tokens = draw(st.integers(4, 10)), draw(st.integers(2, 5)), draw(st.integers(2, 3))
        seqs = draw(st.lists(st.lists(st.integers(0, tokens - 1), min_size=T, max_size=T), min_size=n, max_size=n))
        dataset = {"X": [[[float(t == k) for k in range(tokens)] for t in seq] for seq in seqs],
                   "Y": [[[float(t == k) for k in range(tokens)] for t in seq[::-1]] for seq in seqs]}
    layers = [{"type": "attention", "d_k": draw(st.integers(1, 4)), "d_v": draw(st.integers(1, 4)),
               "causal": draw(st.booleans())}]
    if draw(st.booleans()):
        layers.append({"type": "dense", "units": draw(st.integers(1, 4))})
    layers.append({"type": "dense"})
    config = {"dataset": dataset, "layers": layers, "seed": draw(st.integers(0, 2**16)),
              "optimizer": {"name": draw(st.sampled_from(["sgd", "momentum", "adam"])),
                            "lr": draw(st.sampled_from([0.01, 0.3, 1e5]))}}
    if draw(st.booleans()):
        config["regularization"] = {"kind": draw(st.sampled_from(["l1", "l2"])), "rate": 0.01}
    if draw(st.booleans()):
        config["batch_size"] = draw(st.integers(2, 4))
    return config


@st.composite
def configurations(draw):
    """A session's configuration: any dataset kind (named, or own points with or without test
    points), optimiser, hidden layers with batch norm and dropout, features, regularisation,
    minibatches, and sometimes a learning rate that diverges; one in five a small CNN, one in five
    an attention head."""
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return draw(cnn_configurations())
    if kind == 1:
        return draw(sequence_configurations())
    dataset = draw(st.one_of(st.builds(lambda name, n: {"name": name, "n": n}, st.sampled_from(NAMED),
                                       st.integers(10, 60)), own_points()))
    config = {"dataset": dataset, "seed": draw(st.integers(0, 2**16))}
    inputs = 2 if "X" in dataset else DATASETS[dataset["name"]].inputs
    if inputs == 2 and draw(st.booleans()):
        config["features"] = draw(st.lists(st.sampled_from(list(FEATURES)), min_size=1, max_size=4, unique=True))
        inputs = len(config["features"])
    outputs = 1 if "X" in dataset else DATASETS[dataset["name"]].outputs
    hidden = draw(st.lists(st.integers(1, 5), min_size=0, max_size=2))
    config["layers"] = [inputs, *hidden, outputs]
    if "X" in dataset:
        task = "binary" if all(y[0] in (0.0, 1.0) for y in dataset["Y"]) else "regression"
    else:
        task = DATASETS[dataset["name"]].task
    output = OUTPUT_ACTIVATION[DEFAULT_LOSS[task]]
    config["activations"] = [draw(st.sampled_from(["tanh", "relu", "sigmoid", "leaky_relu"])) for _ in hidden] + [output]
    optimizer = draw(st.sampled_from(["sgd", "momentum", "adam"]))
    config["optimizer"] = {"name": optimizer, "lr": draw(st.sampled_from([0.01, 0.3, 1e5]))}   # 1e5: diverges
    if hidden and draw(st.booleans()):
        config["layer_options"] = [{"batch_norm": draw(st.booleans()), "dropout": draw(st.sampled_from([0.0, 0.3]))}
                                   for _ in hidden]
    if draw(st.booleans()):
        config["regularization"] = {"kind": draw(st.sampled_from(["l1", "l2"])), "rate": 0.01}
    if draw(st.booleans()):
        config["batch_size"] = draw(st.integers(2, 8))
    if draw(st.booleans()):
        config["test_ratio"] = 0.25
    return config


# what a learner does next: a phase, or a train of a few steps
ACTIONS = st.lists(st.sampled_from(["forward", "backward", "step", "train"]), min_size=0, max_size=6)
