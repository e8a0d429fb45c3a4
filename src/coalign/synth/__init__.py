"""Seed-driven synthetic data: recipes, a deterministic plan, two stages, a resumable runner.

``generate(store, "recipe.yaml")`` plans stage 1 (new questions over topics × question types,
few-shot from seed questions) and stage 2 (misaligned response, critique and aligned rewrite per
question and value dimension, few-shot from seed examples), and runs both through the model,
saving every record with its lineage. ``resume(store, run_id)`` continues a stopped run.
"""

from coalign.synth.plan import Planner, Task
from coalign.synth.recipe import Recipe, load_recipe, parse_recipe
from coalign.synth.runner import Progress
from coalign.synth.service import (
    Estimate,
    RunInterrupted,
    RunSummary,
    StageSummary,
    estimate,
    execute,
    export_records,
    generate,
    prepare,
    resume,
    summarize,
)

__all__ = [
    "Estimate",
    "Planner",
    "Progress",
    "Recipe",
    "RunInterrupted",
    "RunSummary",
    "StageSummary",
    "Task",
    "estimate",
    "execute",
    "export_records",
    "generate",
    "load_recipe",
    "parse_recipe",
    "prepare",
    "resume",
    "summarize",
]
