"""The engine learns the classic toy problems to the accuracy a learner would expect."""
import numpy as np

from app.engine import Network, Trainer, make_dataset, make_optimizer


def train(dataset, sizes, activations, loss, steps, lr=0.05, optimizer="adam", n=200,
          noise=0.05, seed=0, batch_size=None):
    X, Y = make_dataset(dataset, n=n, noise=noise, seed=seed)
    net = Network(sizes, activations, loss, seed=seed)
    trainer = Trainer(net, make_optimizer(optimizer, lr), X, Y, batch_size=batch_size, seed=seed)
    losses = trainer.train(steps)
    return trainer, losses


def test_xor_reaches_full_accuracy():
    trainer, losses = train("xor", [2, 4, 1], ["tanh", "sigmoid"], "bce", 1500, noise=0.0)
    assert trainer.accuracy() == 1.0
    assert losses[-1] < losses[0] / 10


def test_xor_with_plain_sgd():
    trainer, _ = train("xor", [2, 4, 1], ["tanh", "sigmoid"], "bce", 3000, lr=0.5,
                       optimizer="sgd", noise=0.0)
    assert trainer.accuracy() == 1.0


def test_circles():
    trainer, _ = train("circles", [2, 8, 1], ["tanh", "sigmoid"], "bce", 500)
    assert trainer.accuracy() >= 0.95


def test_spiral_with_a_larger_net():
    trainer, _ = train("spiral", [2, 16, 16, 1], ["tanh", "tanh", "sigmoid"], "bce", 3000, lr=0.02)
    assert trainer.accuracy() >= 0.90


def test_three_class_blobs_with_softmax():
    trainer, _ = train("blobs", [2, 8, 3], ["tanh", "softmax"], "cross_entropy", 300)
    assert trainer.accuracy() >= 0.95


def test_moons_with_relu_and_momentum_minibatches():
    trainer, _ = train("moons", [2, 16, 1], ["relu", "sigmoid"], "bce", 1500, lr=0.1,
                       optimizer="momentum", batch_size=32)
    assert trainer.accuracy() >= 0.95


def test_sine_regression():
    trainer, losses = train("sine", [1, 16, 1], ["tanh", "linear"], "mse", 2000, lr=0.02)
    assert trainer.accuracy() is None
    assert losses[-1] < 0.01


def test_accuracy_is_worked_out_once_per_set_of_parameters():
    trainer, _ = train("xor", [2, 4, 1], ["tanh", "sigmoid"], "bce", 5, lr=0.5, optimizer="sgd")
    predictions = []
    predict = trainer.network.predict
    trainer.network.predict = lambda X: predictions.append(1) or predict(X)
    first = trainer.accuracy()
    assert trainer.accuracy() == first and len(predictions) == 1     # same weights: not redone
    trainer.forward()
    trainer.backward()
    assert trainer.accuracy() == first and len(predictions) == 1     # still the same weights
    for _ in range(300):
        trainer.train(1)
        fresh = (predict(trainer.X) > 0.5) == (trainer.Y > 0.5)
        assert trainer.accuracy() == fresh.mean()                     # every update: worked out anew
    assert len(predictions) == 301
    trainer.reset()                                                   # the starting weights again
    assert trainer.accuracy() == ((predict(trainer.X) > 0.5) == (trainer.Y > 0.5)).mean()
    assert len(predictions) == 302


def test_mse_on_two_classes_still_counts_them():
    """A learner may try mse on xor: accuracy is then output > 0.5 against the 0/1 targets."""
    trainer, _ = train("xor", [2, 4, 1], ["tanh", "sigmoid"], "mse", 2000, lr=0.05, noise=0.0)
    A = trainer.network.predict(trainer.X)
    assert trainer.accuracy() == np.mean((A > 0.5) == (trainer.Y > 0.5))
    assert trainer.accuracy() > 0.9

