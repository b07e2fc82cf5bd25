"""`python -m approutes`: the `approutes` command, for when its script is not on PATH."""

from approutes.cli.main import main

__all__: list[str] = []

if __name__ == "__main__":
    main()
