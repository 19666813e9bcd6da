"""One self-attention head on sequences (n, T, d_in): samples, positions, features.

Q = X Wq, K = X Wk, V = X Wv; scores = Q Kᵀ / √d_k (T × T per sample; with `causal`, −∞ above
the diagonal: a position sees only itself and those before it); weights = softmax of each row;
out = weights V. No biases. Its output goes on as rows, one per (sample, position): the dense
layers after it apply to every position with one W, and the loss is the mean over samples and
positions."""
import numpy as np


class Attention:
    """Wq, Wk (d_in, d_k) and Wv (d_in, d_v), kept side by side as one W = [Wq | Wk | Wv] of
    shape (d_in, 2·d_k + d_v), so that the optimisers, penalties and checks see one array;
    Wq, Wk, Wv are views of its columns. b is empty (no biases)."""

    name = "attention"
    activation = None
    CACHED = ("QKV", "weights", "dweights", "dQKV")      # per-sample values besides A_prev, Z, A, dA, dZ

    def __init__(self, W, d_k, causal=False):
        self.W = np.asarray(W, dtype=np.float64)
        self.b = np.zeros(0)
        self.d_k, self.d_v = int(d_k), self.W.shape[1] - 2 * int(d_k)
        self.causal = bool(causal)
        self.clear()

    def clear(self):
        """Forget the values of the last forward and backward."""
        self.A_prev = self.Z = self.A = None
        for name in self.CACHED:
            setattr(self, name, None)
        self.clear_gradients()

    def clear_gradients(self):
        self.dA = self.dZ = self.dW = self.db = self.dweights = self.dQKV = None

    def parameters(self):
        return [("W", self.W), ("b", self.b)]

    def grads(self):
        return [("W", self.dW), ("b", self.db)]

    def parameter_values(self):
        return (self.W, self.b)

    def set_parameter_values(self, values):
        self.W, self.b = values[:2]

    activation_in = activation_out = property(lambda self: None)

    def kept(self):
        return None

    def option_arrays(self):
        return [getattr(self, name) for name in self.CACHED]

    def split(self, M):
        """M's last axis cut into its query, key and value parts: [Wq | Wk | Wv] -> Wq, Wk, Wv."""
        k = self.d_k
        return M[..., :k], M[..., k:2 * k], M[..., 2 * k:]

    @property
    def Wq(self):
        return self.split(self.W)[0]

    @property
    def Wk(self):
        return self.split(self.W)[1]

    @property
    def Wv(self):
        return self.split(self.W)[2]

    def masked(self, scores):
        """The scores with −∞ above the diagonal when causal (position t sees t' ≤ t only)."""
        if not self.causal:
            return scores
        T = scores.shape[-1]
        return np.where(np.triu(np.ones((T, T), dtype=bool), 1), -np.inf, scores)

    def attend(self, X, W, nudge=None):
        """(Q K V side by side, scores, weights, out) for X with the packed weights W; `nudge`,
        (index, h): h added to that one score (a finite difference's step)."""
        QKV = X @ W                                         # [Q | K | V] = X [Wq | Wk | Wv], (n, T, 2d_k + d_v)
        Q, K, V = self.split(QKV)
        scores = self.masked(Q @ K.transpose(0, 2, 1) / np.sqrt(self.d_k))    # (n, T, T): q_t · k_t' / √d_k
        if nudge is not None:
            scores[nudge[0]] += nudge[1]
        E = np.exp(scores - scores.max(axis=-1, keepdims=True))              # a row's softmax, shifted: no overflow
        weights = E / E.sum(axis=-1, keepdims=True)
        return QKV, scores, weights, weights @ V            # out_t = Σ_t' weights[t, t'] v_t'

    def output(self, A_prev, mode="fixed", params=None):
        W = (params or (self.W, self.b))[0]
        out = self.attend(A_prev, W)[3]
        return out.reshape(-1, out.shape[-1])               # one row per (sample, position)

    def forward(self, A_prev, mode="train"):
        self.A_prev = A_prev                                # (n, T, d_in), kept for backward
        self.QKV, self.Z, self.weights, out = self.attend(A_prev, self.W)     # Z: the scores
        self.A = out.reshape(-1, out.shape[-1])             # (n·T, d_v)
        return self.A

    def backward(self, dA, dZ=None, to_input=True):
        """From dL/dout (rows, as the next layer hands it back) to dW and dL/dX."""
        self.dA = dA
        n, T, _ = self.A_prev.shape
        dout = dA.reshape(n, T, -1)
        Q, K, V = self.split(self.QKV)
        w = self.weights
        dV = w.transpose(0, 2, 1) @ dout                    # dV = weightsᵀ · dout
        self.dweights = dout @ V.transpose(0, 2, 1)         # dweights = dout · Vᵀ
        # each row's softmax backward: dscores = w ⊙ (dweights − Σ_j w_j · dweights_j), which is
        # the row's Jacobian diag(w) − w wᵀ times dweights (a masked entry has w = 0: no gradient)
        self.dZ = w * (self.dweights - (w * self.dweights).sum(axis=-1, keepdims=True))
        dQ = self.dZ @ K / np.sqrt(self.d_k)                # dQ = dscores · K / √d_k
        dK = self.dZ.transpose(0, 2, 1) @ Q / np.sqrt(self.d_k)    # dK = dscoresᵀ · Q / √d_k
        self.dQKV = np.concatenate([dQ, dK, dV], axis=-1)
        rows = self.dQKV.reshape(n * T, -1)
        # dWq = Σ over samples and positions of x_tᵀ dq_t (and dWk, dWv): Xᵀ · [dQ | dK | dV]
        self.dW = self.A_prev.reshape(n * T, -1).T @ rows
        self.db = np.zeros(0)
        if not to_input:
            return None
        return self.dQKV @ self.W.T                         # dX = dQ Wqᵀ + dK Wkᵀ + dV Wvᵀ
