"""Same seed, same numbers, bit for bit; another seed, other numbers."""
import numpy as np

from app.engine import DATASETS, Network, Trainer, make_dataset, make_optimizer


def run(seed, batch_size=16):
    X, Y = make_dataset("spiral", n=100, noise=0.1, seed=seed)
    net = Network([2, 6, 1], ["tanh", "sigmoid"], "bce", seed=seed)
    trainer = Trainer(net, make_optimizer("adam", 0.05), X, Y, batch_size=batch_size, seed=seed)
    losses = trainer.train(50)
    return X, losses, [(layer.W, layer.b) for layer in net.layers]


def test_same_seed_same_bits():
    X1, losses1, params1 = run(3)
    X2, losses2, params2 = run(3)
    assert X1.tobytes() == X2.tobytes()
    assert losses1 == losses2
    for (W1, b1), (W2, b2) in zip(params1, params2):
        assert W1.tobytes() == W2.tobytes() and b1.tobytes() == b2.tobytes()


def test_other_seed_other_numbers():
    _, losses1, _ = run(3)
    _, losses2, _ = run(4)
    assert losses1 != losses2


def test_every_dataset_is_seeded():
    for name in DATASETS:
        X1, Y1 = make_dataset(name, n=50, noise=0.2, seed=11)
        X2, Y2 = make_dataset(name, n=50, noise=0.2, seed=11)
        assert np.array_equal(X1, X2) and np.array_equal(Y1, Y2)


def test_reset_replays_the_same_run():
    X, Y = make_dataset("xor", n=64, seed=1)
    net = Network([2, 4, 1], ["tanh", "sigmoid"], "bce", seed=1)
    trainer = Trainer(net, make_optimizer("momentum", 0.1), X, Y, batch_size=8, seed=5)
    first = trainer.train(30)
    trainer.reset()
    assert trainer.steps == 0 and len(trainer.history) == 0
    assert trainer.train(30) == first


def test_loss_history_stays_bounded_and_keeps_its_ends():
    from app.engine.trainer import LossHistory
    history = LossHistory(cap=100)
    for step in range(1, 1001):
        history.append(step, 1.0 / step)
    assert len(history) <= 100
    assert history.steps[0] == 1
    assert history.steps == sorted(history.steps)
    assert all(loss == 1.0 / step for step, loss in zip(history.steps, history.losses))
