"""``python -m checker`` runs the same command line as ``domain-guard``."""

from checker.cli import main

if __name__ == "__main__":
    main()
