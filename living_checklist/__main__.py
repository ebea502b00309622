"""``python -m living_checklist``: the same as the ``living-checklist`` command (see ``living_checklist.cli``)."""

from __future__ import annotations

import gc
import os
import sys


def run() -> None:
    """The ``living-checklist`` console script."""
    gc.disable()  # a short-lived process whose objects all live to the end (see cli.main)
    from living_checklist.cli import main

    try:
        code = main()
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        # The reader went away (``| head``): not an error of ours; silence the flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    # Everything is written: skip tearing down the inventory object by object (a tenth of a second
    # with 10k scenarios), as mypy does. Nothing else is left to finalize: pytest has unconfigured.
    os._exit(code)


if __name__ == "__main__":
    run()
