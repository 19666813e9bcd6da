"""Conv2D, MaxPool2D, AvgPool2D and Flatten: forward and backward against plain loops written
from the sums of issue 34 (an independent implementation), and against central finite
differences in extended precision."""
import numpy as np
import pytest

from app.engine import get_activation
from app.engine.layers.conv import Conv2D, out_size
from app.engine.layers.pool import AvgPool2D, Flatten, MaxPool2D

RNG = np.random.default_rng(34)


# -- the sums, as plain loops ------------------------------------------------------------------

def conv_loops(X, W, b, stride, padding):
    """Z[n,o,r,s] = Σ_{c,u,v} X_pad[n, c, r·stride + u, s·stride + v] · W[o,c,u,v] + b[o]."""
    n, C, H, Wd = X.shape
    O, _, kh, kw = W.shape
    X_pad = np.zeros((n, C, H + 2 * padding, Wd + 2 * padding))
    X_pad[:, :, padding:padding + H, padding:padding + Wd] = X
    H_out, W_out = out_size(H, kh, stride, padding), out_size(Wd, kw, stride, padding)
    Z = np.zeros((n, O, H_out, W_out))
    for i in range(n):
        for o in range(O):
            for r in range(H_out):
                for s in range(W_out):
                    total = b[o]
                    for c in range(C):
                        for u in range(kh):
                            for v in range(kw):
                                total += X_pad[i, c, r * stride + u, s * stride + v] * W[o, c, u, v]
                    Z[i, o, r, s] = total
    return Z, X_pad


def conv_backward_loops(X, W, dZ, stride, padding):
    """dW[o,c,u,v] = Σ_{n,r,s} X_pad[n, c, r·stride+u, s·stride+v] · dZ[n,o,r,s]; db[o] = Σ dZ[n,o,r,s];
    dX_pad[n, c, r·stride+u, s·stride+v] += dZ[n,o,r,s] · W[o,c,u,v], the padding then removed."""
    _, X_pad = conv_loops(X, W, np.zeros(W.shape[0]), stride, padding)
    n, O, H_out, W_out = dZ.shape
    _, C, kh, kw = W.shape
    dW, db, dX_pad = np.zeros(W.shape), np.zeros(O), np.zeros(X_pad.shape)
    for i in range(n):
        for o in range(O):
            for r in range(H_out):
                for s in range(W_out):
                    db[o] += dZ[i, o, r, s]
                    for c in range(C):
                        for u in range(kh):
                            for v in range(kw):
                                dW[o, c, u, v] += X_pad[i, c, r * stride + u, s * stride + v] * dZ[i, o, r, s]
                                dX_pad[i, c, r * stride + u, s * stride + v] += dZ[i, o, r, s] * W[o, c, u, v]
    H, Wd = X.shape[2:]
    return dW, db, dX_pad[:, :, padding:padding + H, padding:padding + Wd]


def pool_loops(X, k, kind):
    n, C, H, W = X.shape
    A = np.zeros((n, C, H // k, W // k))
    for i, c, r, s in np.ndindex(A.shape):
        window = X[i, c, r * k:r * k + k, s * k:s * k + k]
        A[i, c, r, s] = window.max() if kind == "max" else window.mean()
    return A


def pool_backward_loops(X, dA, k, kind):
    dX = np.zeros(X.shape)
    for i, c, r, s in np.ndindex(dA.shape):
        window = X[i, c, r * k:r * k + k, s * k:s * k + k]
        if kind == "max":
            u, v = divmod(int(np.argmax(window)), k)             # the first maximum, row-major
            dX[i, c, r * k + u, s * k + v] += dA[i, c, r, s]
        else:
            dX[i, c, r * k:r * k + k, s * k:s * k + k] += dA[i, c, r, s] / k ** 2
    return dX


# -- the layers against the loops ----------------------------------------------------------------

SHAPES = [  # (n, C_in, H, W), (C_out, kh), stride, padding
    ((2, 1, 6, 6), (3, 3), 1, 0), ((3, 2, 7, 5), (2, 3), 2, 1), ((1, 3, 8, 8), (4, 5), 1, 2),
    ((2, 1, 4, 4), (1, 1), 1, 0), ((2, 2, 9, 9), (2, 7), 2, 3), ((1, 1, 5, 7), (2, 3), 2, 0)]


@pytest.mark.parametrize("x_shape,kernel,stride,padding", SHAPES)
@pytest.mark.parametrize("activation", ["relu", "tanh", "linear"])
def test_conv_forward_and_backward_are_the_sums(x_shape, kernel, stride, padding, activation):
    C_out, k = kernel
    X = RNG.normal(size=x_shape)
    W, b = RNG.normal(size=(C_out, x_shape[1], k, k)), RNG.normal(size=C_out)
    layer = Conv2D(W, b, get_activation(activation), stride, padding)
    A = layer.forward(X)
    Z, _ = conv_loops(X, W, b, stride, padding)
    assert layer.out_shape(x_shape[1:]) == Z.shape[1:]
    assert np.allclose(layer.Z, Z, rtol=1e-12, atol=1e-12)
    assert np.allclose(A, layer.activation.forward(Z), rtol=1e-12, atol=1e-12)
    dA = RNG.normal(size=A.shape)
    dX = layer.backward(dA)
    dZ = dA * layer.activation.derivative(Z, layer.activation.forward(Z))
    dW, db, dX_loops = conv_backward_loops(X, W, dZ, stride, padding)
    for got, want in ((layer.dW, dW), (layer.db, db), (dX, dX_loops)):
        assert got.shape == want.shape and np.allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("size", [2, 3])
@pytest.mark.parametrize("shape", [(2, 3, 6, 6), (1, 2, 7, 5), (3, 1, 4, 9)])
@pytest.mark.parametrize("Pool,kind", [(MaxPool2D, "max"), (AvgPool2D, "avg")])
def test_pools_forward_and_backward_are_the_sums(Pool, kind, shape, size):
    X = RNG.normal(size=shape)
    layer = Pool(size)
    A = layer.forward(X)
    assert layer.out_shape(shape[1:]) == A.shape[1:]
    assert np.allclose(A, pool_loops(X, size, kind), rtol=1e-13, atol=1e-15)   # a mean: summed in another order
    dA = RNG.normal(size=A.shape)
    dX = layer.backward(dA)
    assert np.allclose(dX, pool_backward_loops(X, dA, size, kind), rtol=1e-14, atol=0)
    H_out, W_out = A.shape[2:]
    assert not dX[:, :, H_out * size:].any() and not dX[:, :, :, W_out * size:].any()   # left out: no gradient


def test_a_max_pool_tie_sends_the_gradient_to_the_first_in_row_major_order():
    X = np.array([[[[1.0, 5.0], [5.0, 5.0]]]])
    layer = MaxPool2D(2)
    assert layer.forward(X)[0, 0, 0, 0] == 5.0
    assert layer.backward(np.array([[[[2.0]]]])).tolist() == [[[[0.0, 2.0], [0.0, 0.0]]]]


def test_flatten_is_row_major_c_h_w_and_back():
    X = RNG.normal(size=(2, 3, 4, 5))
    layer = Flatten()
    A = layer.forward(X)
    assert A.shape == (2, 60) and A[1, 2 * 20 + 3 * 5 + 4] == X[1, 2, 3, 4]
    assert layer.out_shape((3, 4, 5)) == (60,)
    assert np.array_equal(layer.backward(A * 2), X * 2)


# -- against finite differences ----------------------------------------------------------------

def loss_of(layers, X, T):
    """½ Σ (a − t)² of the stack: a scalar whose gradient with respect to every input and weight
    the layers' backward gives."""
    A = X
    for layer in layers:
        A = layer.forward(A)
    return 0.5 * np.sum((A - T) ** 2), A


@pytest.mark.parametrize("stride,padding,Pool", [(1, 1, MaxPool2D), (2, 0, AvgPool2D), (1, 2, AvgPool2D)])
def test_a_conv_pool_flatten_stack_matches_finite_differences(stride, padding, Pool):
    X = RNG.normal(size=(2, 2, 7, 7))
    conv = Conv2D(RNG.normal(size=(3, 2, 3, 3)) * 0.5, RNG.normal(size=3), get_activation("tanh"), stride, padding)
    layers = [conv, Pool(2), Flatten()]
    _, A = loss_of(layers, X, 0)
    T = RNG.normal(size=A.shape)
    _, A = loss_of(layers, X, T)
    grad = A - T
    for layer in reversed(layers):
        grad = layer.backward(grad)
    eps = 1e-6

    def numeric(array, idx):
        old = array[idx]
        array[idx] = old + eps
        up, _ = loss_of(layers, X, T)
        array[idx] = old - eps
        down, _ = loss_of(layers, X, T)
        array[idx] = old
        return (up - down) / (2 * eps)

    dW, db = conv.dW.copy(), conv.db.copy()
    for idx in [(0, 0, 0, 0), (2, 1, 2, 1), (1, 0, 1, 2)]:
        assert abs(numeric(conv.W, idx) - dW[idx]) < 1e-7 * max(1, abs(dW[idx]))
    for o in range(3):
        assert abs(numeric(conv.b, (o,)) - db[o]) < 1e-7 * max(1, abs(db[o]))
    for idx in [(0, 0, 0, 0), (1, 1, 3, 4), (0, 1, 6, 6)]:       # the input's gradient too
        assert abs(numeric(X, idx) - grad[idx]) < 1e-7 * max(1, abs(grad[idx]))
