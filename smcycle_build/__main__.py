"""`python -m smcycle_build` is the `smcycle` command."""

from .cli import main

if __name__ == "__main__":
    main()
