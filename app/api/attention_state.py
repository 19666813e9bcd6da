"""An attention head in the state: its Wq, Wk, Wv and their gradients, and the followed sample's
queries, keys, values, scores, weights and output, with their gradients after Backward."""
import numpy as np


def attention_state(layer, num):
    Wq, Wk, Wv = layer.split(layer.W)
    grads = layer.split(layer.dW) if layer.dW is not None else (None, None, None)
    return {"type": "attention", "Wq": num.array(Wq), "Wk": num.array(Wk), "Wv": num.array(Wv),
            "dWq": num.array(grads[0]), "dWk": num.array(grads[1]), "dWv": num.array(grads[2]),
            "d_k": layer.d_k, "d_v": layer.d_v, "causal": layer.causal}


def masked_rows(scores):
    """A T × T matrix as lists, a masked (−∞) score as null: the mask, not a diverged number."""
    return [[float(v) if v != -np.inf else None for v in row] for row in scores]


def attention_sample(layer, row, num):
    """The sample's values in the head (null where not computed yet, or the sample is not in the
    current batch)."""
    names = ("q", "k", "v", "scores", "weights", "out", "dout", "dweights", "dscores", "dq", "dk", "dv")
    if row is None or layer.QKV is None:
        return dict.fromkeys(names)
    T = layer.A_prev.shape[1]
    q, k, v = layer.split(layer.QKV[row])
    scores = layer.Z[row]
    out = {"q": num.array(q), "k": num.array(k), "v": num.array(v),
           "scores": masked_rows(scores) if layer.causal else num.array(scores),
           "weights": num.array(layer.weights[row]), "out": num.array(layer.A[row * T:(row + 1) * T])}
    if layer.dQKV is None:
        return {**out, **dict.fromkeys(names[6:])}
    dq, dk, dv = layer.split(layer.dQKV[row])
    dscores = layer.dZ[row]
    return {**out, "dout": num.array(layer.dA[row * T:(row + 1) * T]), "dweights": num.array(layer.dweights[row]),
            "dscores": masked_rows(np.where(np.isneginf(scores), -np.inf, dscores)) if layer.causal
            else num.array(dscores), "dq": num.array(dq), "dk": num.array(dk), "dv": num.array(dv)}
