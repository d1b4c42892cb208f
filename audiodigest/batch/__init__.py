"""batch: build many shows at once, sharing one segment store, synthesis on a cluster or here.

    run        plan every show, make the missing segments once, build each show; the summary
    executors  where segments are made: this machine, or tasks on Dask distributed
    shows      the batch's one door into the pipeline (plan an episode, build it)
"""

from audiodigest.batch.run import BatchOptions, BatchResult, ShowRow, run_batch, to_json, to_table

__all__ = ["BatchOptions", "BatchResult", "ShowRow", "run_batch", "to_json", "to_table"]
