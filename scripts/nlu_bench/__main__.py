"""`python -m scripts.nlu_bench` (`make nlu-bench`)."""

import sys

from scripts.nlu_bench import main

sys.exit(main())
