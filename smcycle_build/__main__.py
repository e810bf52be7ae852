"""`python -m smcycle_build` is the `smcycle` command."""

from .cli import run

if __name__ == "__main__":
    run()
