"""Rendering: the Jinja environment, the pages of the site, and what they show."""
