"""``python -m rasa_extensions.cli <rasa arguments>``: Rasa's own command line, extended first.

Applies the patches (patches.py), then hands the arguments to Rasa's CLI in this
process, so ``run``, ``train``, ``test``, ``shell`` and the rest behave exactly as the
``rasa`` command does, on the Rasa the suite tested. Every way the project runs
Rasa goes through here (``command()``): the servers of ``make run``, the tests and
the bench (scripts/stack.py), training (scripts/train.py, scripts/bench/served.py) and
``rasa test`` (scripts/evaluate/, tests/conversations/test_dialogue.py), so the
stories are checked against the same Rasa the server runs.

On a Rasa version the patches were not tested with it exits with status 2 and
says so, before Rasa starts.
"""

from __future__ import annotations

import sys
from typing import List, Optional, Sequence

UNTESTED_RASA_STATUS = 2


def command(*args: str) -> List[str]:
    """The argv of ``rasa <args>`` through this launcher, with this interpreter (run it from the project root)."""
    return [sys.executable, "-m", "rasa_extensions.cli", *args]


def main(argv: Optional[Sequence[str]] = None) -> int:
    import rasa

    from rasa_extensions import patches

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        patches.apply()
    except patches.UntestedRasaError as error:
        print(f"rasa_extensions: {error}", file=sys.stderr)
        return UNTESTED_RASA_STATUS
    # One line before Rasa's own output: the server logs show it ran extended.
    print(f"rasa_extensions: Rasa {rasa.__version__} extended ({', '.join(patches.PATCHED)})", file=sys.stderr)
    import rasa.__main__ as rasa_cli

    sys.argv = ["rasa", *args]  # Rasa's CLI reads sys.argv itself
    rasa_cli.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
