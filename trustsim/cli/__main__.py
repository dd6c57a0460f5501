"""`python -m trustsim.cli ...`: the same as the `trustsim` command."""

import sys

from .registry import main

sys.exit(main())
