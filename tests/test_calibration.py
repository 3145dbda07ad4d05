"""The abstention model's fit keeps each weight on the side its feature may push answerability."""

import numpy as np

from eval.calibrate import FEATURES, SIGNS, fit


def test_each_fitted_weight_keeps_its_features_direction():
    # correlated features where an unconstrained fit turns z against answerability: z only follows lex
    # here, and lex carries the label, so least squares would give z a negative weight
    rng = np.random.default_rng(0)
    n = 400
    lex = rng.uniform(0, 1, n)
    z = lex + rng.normal(0, 0.05, n)
    missing = 1 - lex + rng.normal(0, 0.05, n)
    y = (lex + rng.normal(0, 0.3, n) > 0.5).astype(float)
    X = np.column_stack([lex, z - 1.5 * lex, missing, rng.uniform(0, 1, n), rng.uniform(0, 1, n)])
    w, _ = fit(X, y)
    assert len(w) == len(FEATURES) == len(SIGNS)
    assert all(s * wi >= 0 for s, wi in zip(SIGNS, w)), dict(zip(FEATURES, w))
    assert w[0] > 0  # the feature that carries the label keeps its weight


def test_the_stored_model_respects_the_directions():
    from assistant.evidence import calibration

    cal = calibration()
    assert all(s * cal.weights.get(f, 0.0) >= 0 for f, s in zip(FEATURES, SIGNS)), cal.weights


def test_the_threshold_does_not_spend_the_refusal_bound_for_little():
    from eval.calibrate import LEAK_COST, choose_threshold

    # refusing below 0.2 catches 6 of the 10 unanswerable and none of 100 answerable; the bound (5 %) would allow
    # going up to 0.9 for one more unanswerable at the price of 5 answerable: no gain at LEAK_COST 2
    p = np.array([0.1] * 6 + [0.5] + [0.95] * 3 + [0.2] + [0.45] * 4 + [0.95] * 95)
    y = np.array([0.0] * 10 + [1.0] * 100)
    th, rates = choose_threshold(p, y, 0.05)
    assert LEAK_COST == 2 and th == 0.2
    assert rates["abstain_recall"] == 0.6 and rates["false_refusal"] == 0.0

