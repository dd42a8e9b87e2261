import sys

from archlens.cli import main

sys.exit(main())
