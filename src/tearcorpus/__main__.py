import sys

from tearcorpus.cli import main

sys.exit(main())
