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


def test_train_matches_forward_backward_step_bit_for_bit():
    """train() skips dL/dX and a fused output's dL/dA (the step clears them unread): same numbers."""
    cases = [("xor", [2, 5, 1], ["tanh", "sigmoid"], "bce", None),
             ("blobs", [2, 5, 3], ["relu", "softmax"], "cross_entropy", 16),
             ("sine", [1, 5, 1], ["tanh", "linear"], "mse", 16)]
    for dataset, sizes, activations, loss, batch_size in cases:
        X, Y = make_dataset(dataset, n=64, seed=2)
        trainers = [Trainer(Network(sizes, activations, loss, seed=2), make_optimizer("adam", 0.05),
                            X, Y, batch_size=batch_size, seed=2) for _ in range(2)]
        losses = trainers[0].train(20)
        by_hand = []
        for _ in range(20):
            by_hand.append(trainers[1].forward())
            trainers[1].backward()
            trainers[1].step()
        assert losses == by_hand
        for a, b in zip(trainers[0].network.layers, trainers[1].network.layers):
            assert a.W.tobytes() == b.W.tobytes() and a.b.tobytes() == b.b.tobytes()


def test_backward_for_step_skips_only_what_the_step_does_not_read():
    X, Y = make_dataset("xor", n=32, seed=0)
    full, lean = (Network([2, 4, 1], ["tanh", "sigmoid"], "bce", seed=0) for _ in range(2))
    for net, for_step in ((full, False), (lean, True)):
        net.forward(X, Y)
        net.backward(for_step=for_step)
    assert lean.dX is None and lean.layers[-1].dA is None
    assert full.dX is not None and full.layers[-1].dA is not None
    for a, b in zip(full.layers, lean.layers):
        assert np.array_equal(a.dW, b.dW) and np.array_equal(a.db, b.db) and np.array_equal(a.dZ, b.dZ)
