"""`python -m scripts.bench` (`make bench`)."""

import sys

from scripts.bench import main

sys.exit(main())
