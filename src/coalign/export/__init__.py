"""Export: training formats, named aggregation strategies, and a dataset card generated from the store.

Start with :func:`export_dataset`; formats are listed in :data:`FORMATS`, aggregation strategies
in :data:`STRATEGIES`. pyarrow comes with ``coalign[export]``.
"""

from coalign.export.aggregate import STRATEGIES, AggregationChoice, ItemScore, RatingSet, aggregate
from coalign.export.formats import FORMATS, ExportFormat
from coalign.export.pairs import DropReport, good_bad_labels, preference_pairs
from coalign.export.service import ExportOptions, ExportResult, export_dataset

__all__ = [
    "FORMATS",
    "STRATEGIES",
    "AggregationChoice",
    "DropReport",
    "ExportFormat",
    "ExportOptions",
    "ExportResult",
    "ItemScore",
    "RatingSet",
    "aggregate",
    "export_dataset",
    "good_bad_labels",
    "preference_pairs",
]
