"""The MkDocs plugin ``archlens`` (entry point in pyproject.toml), in two roles.

Without options it serves a site ``archlens site`` generated into ``docs_dir`` (ours, and the
one ``archlens site SPEC... --out DIR`` builds): the nav comes from ``generated/nav.yml``, and
``mkdocs serve`` regenerates the pages (cached results, no new training) when a spec changes.

With ``specs:`` it brings model pages into a course's own MkDocs site::

    plugins:
      - search
      - archlens:
          specs: models/        # a folder of spec YAML files, or a list of files and names

The pages are generated outside the course's docs folder (nothing of theirs is written), added
to the build as files under ``generated/``, and their Models and Concepts sections appended to
the course's nav (an automatic nav lists them anyway). The Markdown extensions, styles and
scripts the pages need are added to the config where missing.
"""
from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File

from archlens.errors import ArchlensError

# What the pages' Markdown needs (the base config's markdown_extensions, mkdocs_base.yml).
EXTENSIONS = {"admonition": {}, "attr_list": {}, "md_in_html": {}, "tables": {},
              "toc": {"permalink": True}, "pymdownx.details": {}, "pymdownx.superfences": {},
              "pymdownx.arithmatex": {"generic": True}}
STYLES = ("generated/assets/katex/katex.min.css", "generated/assets/stylesheets/extra.css")
SCRIPTS = ("generated/assets/katex/katex.min.js", "generated/assets/javascripts/katex-init.js",
           "generated/assets/javascripts/sortable-tables.js")


class ArchlensConfig(Config):
    specs = opt.ListOfItems(opt.Type(str), default=[])   # folders, files or bundled names
    with_bundled = opt.Type(bool, default=False)         # the 15 bundled models as well
    train = opt.Type(bool, default=False)                # run quick recipes with no result yet
    crosscheck = opt.Type(bool, default=True)            # verify against torch (cached)
    cache = opt.Optional(opt.Type(str))                  # relative to mkdocs.yml; default: a temp folder


class ArchlensPlugin(BasePlugin[ArchlensConfig]):
    def __init__(self):
        self.command = "build"
        self.pages_dir: Path | None = None

    def on_startup(self, *, command, dirty):
        self.command = command

    def on_config(self, config):
        from archlens.site import build
        try:
            if not self.config.specs:
                return self._own_site(config, build)
            return self._course_site(config, build)
        except ArchlensError as exc:
            raise PluginError(f"archlens: {exc}") from None

    def _own_site(self, config, build):
        docs = Path(config.docs_dir)
        if self.command == "serve":
            build.generate_site(docs_dir=docs, train=False)
        config.nav = build.read_nav(docs)
        return config

    def _course_site(self, config, build):
        from archlens.site.standalone import spec_refs
        base = Path(config.config_file_path or ".").resolve().parent
        key = hashlib.sha256(str(base).encode()).hexdigest()[:12]
        work = Path(tempfile.gettempdir()) / f"archlens-mkdocs-{key}"
        self.pages_dir = work / "docs"
        refs = spec_refs(self.config.specs, base, self.config.with_bundled)
        build.generate_site(refs, docs_dir=self.pages_dir, train=self.config.train,
                            crosscheck=self.config.crosscheck, force=True,
                            cache_dir=base / self.config.cache if self.config.cache else work / "cache")
        sections = [entry for entry in build.read_nav(self.pages_dir) if "Home" not in entry]
        if config.nav is not None:
            config.nav = [*config.nav, *sections]
        _add_markdown_needs(config)
        for spec in self.config.specs:
            folder = base / spec
            if folder.exists():
                config.watch.append(str(folder))
        return config

    def on_post_build(self, *, config):
        finish_site(Path(config.site_dir), config.site_url)

    def on_files(self, files, *, config):
        if self.pages_dir is None:
            return files
        from archlens.site.build import GENERATED
        root = self.pages_dir / GENERATED
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "nav.yml"):
            uri = path.relative_to(self.pages_dir).as_posix()
            if files.get_file_from_path(uri) is not None:
                raise PluginError(f"archlens: {uri} exists in docs_dir; the plugin writes its "
                                  f"pages under generated/, rename that folder")
            files.append(File(uri, str(self.pages_dir), config.site_dir, config.use_directory_urls))
        return files


ROOT_LINK = re.compile(r'\b(href|src)="/(?!/)')


def relative_404(html: str) -> str:
    """404.html with its root-absolute links (MkDocs writes ``/assets/...`` when ``site_url`` is
    unknown) made relative to the site root, where the page lies: styled on file:// and at a
    server's root; and Material's ``"base": "/"`` made ``"."`` as on every other page."""
    return ROOT_LINK.sub(r'\1="', html).replace('"base": "/"', '"base": "."')


def finish_site(site_dir: Path, site_url: str | None) -> None:
    """Without a ``site_url`` MkDocs writes a sitemap that lists no page (it needs absolute
    URLs): drop it rather than publish an empty one, and make 404.html work from file://."""
    if site_url:
        return
    for name in ("sitemap.xml", "sitemap.xml.gz"):
        (site_dir / name).unlink(missing_ok=True)
    page = site_dir / "404.html"
    if page.is_file():
        page.write_text(relative_404(page.read_text(encoding="utf-8")), encoding="utf-8")


def _add_markdown_needs(config) -> None:
    """Extensions, styles and scripts the pages need, added where the course has none."""
    for name, settings in EXTENSIONS.items():
        if name not in config.markdown_extensions:
            config.markdown_extensions.append(name)
            if settings:
                config.mdx_configs[name] = settings
    for style in STYLES:
        if style not in config.extra_css:
            config.extra_css.append(style)
    present = {str(s) for s in config.extra_javascript}
    config.extra_javascript.extend(s for s in SCRIPTS if s not in present)
