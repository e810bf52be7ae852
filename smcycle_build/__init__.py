"""smcycle: a social media strategy, kept as Markdown and YAML, built into a playbook."""

__version__ = "0.1.0"
