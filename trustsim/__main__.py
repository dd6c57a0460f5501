"""`python -m trustsim ...`: the same as the `trustsim` command."""

import sys

from .cli import main

sys.exit(main())
