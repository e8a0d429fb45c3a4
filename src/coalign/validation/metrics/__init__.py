"""Metrics of a set of texts: distributions, lexical and semantic diversity, near-duplicates,
question forms, verb–noun structure, token counts, and the lazy loaders of their heavy models."""
