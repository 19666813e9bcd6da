"""Input features worked out from the points, by hand."""
import numpy as np
import pytest

from app.engine import ConfigError
from app.engine.features import FEATURES, check_features, feature_matrix


def test_each_feature_by_hand():
    X = np.array([[0.5, -2.0], [3.0, 0.25]])
    got = feature_matrix(X, list(FEATURES))
    expected = [[0.5, -2.0, 0.25, 4.0, -1.0, np.sin(0.5), np.sin(-2.0)],
                [3.0, 0.25, 9.0, 0.0625, 0.75, np.sin(3.0), np.sin(0.25)]]
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    assert feature_matrix(X, ["x2^2", "x1"]).tolist() == [[4.0, 0.5], [0.0625, 3.0]]


@pytest.mark.parametrize("names,inputs", [(["x1"], 1), (["x3"], 2), (["x1", "x1"], 2)])
def test_features_that_cannot_be_worked_out_are_refused_by_name(names, inputs):
    with pytest.raises(ConfigError) as e:
        check_features(names, inputs)
    assert e.value.field == "features"
