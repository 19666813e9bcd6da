"""ManualGrad's engine: NumPy layers with an explicit forward and backward, no autograd, no web code."""
from .activations import ACTIVATIONS, get_activation
from .batches import Batches
from .chain import chain_rule
from .datasets import DATASETS, given_points, make_dataset, two_classes
from .layers.dense import Dense
from .errors import ConfigError
from .gradcheck import gradient_check, gradient_check_steps, numeric_weight_gradient, relative_error
from .bookkeeping.memory import held_bytes, peak_bytes
from .init import init_weights
from .losses import LOSSES, get_loss
from .network import Network, Phase, PhaseError
from .optimizers import OPTIMIZERS, make_optimizer
from .trainer import Trainer

__all__ = [
    "ACTIVATIONS", "DATASETS", "LOSSES", "OPTIMIZERS", "Batches", "ConfigError", "Dense", "Network", "Phase",
    "PhaseError", "Trainer", "chain_rule", "get_activation", "get_loss", "given_points",
    "gradient_check", "gradient_check_steps", "held_bytes", "init_weights", "make_dataset", "make_optimizer", "numeric_weight_gradient",
    "peak_bytes", "relative_error", "two_classes",
]
