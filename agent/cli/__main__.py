"""`python -m alloygan.agent.cli ...`: the `alloygan` command (for a venv whose scripts are not on PATH)."""
from alloygan.agent.cli import main

if __name__ == "__main__":
    main()
