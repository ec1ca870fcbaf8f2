"""``python produce.py <module> <mode> <first> <count> [batch]``: enqueue ``count`` tasks
numbered from ``first`` through ``<module>`` (celery_app, rq_tasks, ...), one call per
task (``single``) or ``batch`` per call (``batched``). Prints the start and end times
(epoch seconds) of the enqueueing alone, the module's import and connection excluded.
"""

import importlib
import sys
import time


def main() -> None:
    name, mode, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    batch = int(sys.argv[5]) if len(sys.argv) > 5 else 500
    module = importlib.import_module(name)
    module.warm()  # connect and load scripts before the clock starts, as ours is warmed
    indices = list(range(first, first + count))
    started = time.time()
    if mode == "single":
        for i in indices:
            module.enqueue_one(i)
    else:
        for k in range(0, count, batch):
            module.enqueue_many(indices[k : k + batch])
    print(started, time.time())


if __name__ == "__main__":
    main()
