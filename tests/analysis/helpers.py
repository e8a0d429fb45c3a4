"""Shared test data for the analysis tests."""

TWO_FACTORS = {
    "gender": {"woman": 0.0, "man": -0.4, "non-binary": 0.3},
    "political": {"liberal": 0.0, "moderate": -0.2, "conservative": -0.6},
}

#: Item-level effects of study 003's five system-prompt interventions.
CONTEXTS = {
    "none": 0.0,
    "republican": -0.4,
    "patriarchy": -0.7,
    "empathy": 0.5,
    "equality": 0.3,
}
