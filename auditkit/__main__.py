"""``python -m auditkit`` runs the ``auditkit`` command."""

import sys

from .cli import main

sys.exit(main())
