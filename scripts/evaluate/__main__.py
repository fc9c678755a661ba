"""`python -m scripts.evaluate` (`make eval`)."""

import sys

from scripts.evaluate import main

sys.exit(main())
