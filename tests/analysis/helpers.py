"""Shared test data for the analysis tests."""

TWO_FACTORS = {
    "gender": {"woman": 0.0, "man": -0.4, "non-binary": 0.3},
    "political": {"liberal": 0.0, "moderate": -0.2, "conservative": -0.6},
}
