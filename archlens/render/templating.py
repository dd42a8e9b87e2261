"""The one Jinja environment factory: every template (worksheet pages, site pages) is
rendered with ``StrictUndefined``, so a misspelt name is an error, not blank text."""
from __future__ import annotations


def template_env(package: str, *, autoescape: bool, keep_trailing_newline: bool = False,
                 filters: dict | None = None):
    """A ``jinja2.Environment`` over ``package``'s ``templates`` folder, trimming block lines.

    ``autoescape`` is True for HTML and False for Markdown; ``filters`` are added by name.
    """
    import jinja2   # imported here: commands that render no template do not load it

    env = jinja2.Environment(loader=jinja2.PackageLoader(package, "templates"),
                             undefined=jinja2.StrictUndefined, autoescape=autoescape,
                             keep_trailing_newline=keep_trailing_newline,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(filters or {})
    return env
