"""The network knows its phase: no gradients of stale numbers, no step without gradients."""
import numpy as np
import pytest

from app.engine import Network, Phase, PhaseError, Trainer, make_dataset, make_optimizer


@pytest.fixture
def trainer():
    X, Y = make_dataset("xor", n=20, seed=0)
    return Trainer(Network([2, 3, 1], ["tanh", "sigmoid"], "bce"), make_optimizer("sgd", 0.1), X, Y)


def test_fresh_network_has_no_values(trainer):
    net = trainer.network
    assert net.phase == Phase.FRESH and net.loss_value is None
    assert all(layer.Z is None and layer.dW is None for layer in net.layers)


def test_backward_before_forward_is_refused(trainer):
    with pytest.raises(PhaseError, match="forward first"):
        trainer.backward()


def test_step_before_backward_is_refused(trainer):
    trainer.forward()
    with pytest.raises(PhaseError, match="backward first"):
        trainer.step()


def test_phases_in_order(trainer):
    net = trainer.network
    trainer.forward()
    assert net.phase == Phase.FORWARD and net.layers[0].dW is None
    trainer.backward()
    assert net.phase == Phase.BACKWARD and net.layers[0].dW.shape == (2, 3)
    assert net.dX.shape == (20, 2)
    W = net.layers[0].W.copy()
    trainer.step()
    assert net.phase == Phase.UPDATED
    assert not np.array_equal(W, net.layers[0].W)
    assert net.layers[0].dW is None       # the old gradients belong to the old parameters


def test_second_step_needs_new_gradients(trainer):
    trainer.forward()
    trainer.backward()
    trainer.step()
    with pytest.raises(PhaseError):
        trainer.step()
    with pytest.raises(PhaseError):
        trainer.backward()


def test_reset_restores_starting_parameters(trainer):
    start = [layer.W.copy() for layer in trainer.network.layers]
    trainer.train(5)
    trainer.reset()
    assert trainer.network.phase == Phase.FRESH
    for W, layer in zip(start, trainer.network.layers):
        assert np.array_equal(W, layer.W)
