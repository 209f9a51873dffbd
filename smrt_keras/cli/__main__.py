"""``python -m smrt_keras.cli``."""

import sys

from smrt_keras.cli import main

sys.exit(main())
