"""Part (b) of bench_generate.py, distilabel's side: run in ``.venv-bench`` (distilabel 1.5.3).

Reads a job file written by bench_generate.py (model path, threads, and per task the prompt,
JSON schema and sampling settings coalign's runner uses) and runs the same prompts through a
distilabel pipeline: ``LoadDataFromDicts >> TextGeneration(llm=LlamaCppLLM)``. The JSON schema goes
to llama.cpp as a grammar through ``extra_generation_kwargs`` (as coalign's backend does);
distilabel takes one set of generation kwargs per step, so its schema lists every topic and
question type of the job in its enums instead of the one cell of each task. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    with open(sys.argv[1]) as handle:
        job = json.load(handle)
    tasks = job["tasks"]
    from distilabel.models.llms import LlamaCppLLM
    from distilabel.pipeline import Pipeline
    from distilabel.steps import LoadDataFromDicts
    from distilabel.steps.tasks import TextGeneration

    schema = json.loads(json.dumps(tasks[0]["schema"]))
    for key in ("topic", "question_type"):
        schema["properties"][key]["enum"] = sorted(
            {t["schema"]["properties"][key]["enum"][0] for t in tasks}
        )
    params = tasks[0]["params"]
    with Pipeline(name="coalign-bench-questions") as pipeline:
        load = LoadDataFromDicts(
            data=[{"instruction": t["prompt"]} for t in tasks], batch_size=len(tasks)
        )
        generate = TextGeneration(
            llm=LlamaCppLLM(
                model_path=job["model_path"],
                n_ctx=4096,
                seed=params["seed"],
                verbose=False,
                extra_kwargs={"n_threads": job["threads"], "n_threads_batch": job["threads"]},
            ),
            input_batch_size=len(tasks),
        )
        load >> generate
    started = time.perf_counter()
    distiset = pipeline.run(
        use_cache=False,
        parameters={
            generate.name: {
                "llm": {
                    "generation_kwargs": {
                        "max_new_tokens": params["max_tokens"],
                        "temperature": params["temperature"],
                        "top_p": params["top_p"],
                        "extra_generation_kwargs": {
                            "response_format": {"type": "json_object", "schema": schema}
                        },
                    }
                }
            }
        },
    )
    seconds = time.perf_counter() - started
    rows = list(distiset["default"]["train"])
    parsed = 0
    for row in rows:
        try:
            json.loads(row["generation"] or "")
            parsed += 1
        except (json.JSONDecodeError, TypeError):
            pass
    print(json.dumps({"seconds": seconds, "outputs": len(rows), "parsed": parsed}))


if __name__ == "__main__":
    main()
