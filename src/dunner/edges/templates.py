"""Templates: a sandboxed Jinja environment with undefined names as errors (DESIGN §7).

The packaged `templates/` folder holds the defaults; the folder named by `[templates] dir` overrides
them file by file. HTML files are autoescaped, so client data cannot inject markup; `money` and
`date` filters format for the message's locale.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

from dunner.core.errors import BadInput
from dunner.core.money import Money

PARTS = ("subject.txt", "txt", "html")  # the files of one mail template


def environment(user_dir: Path | None) -> Any:
    """The Jinja environment: user folder first, then the packaged templates."""
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
    from jinja2.sandbox import SandboxedEnvironment

    from dunner.edges.formatting import format_date, format_money
    from dunner.edges.resources import templates_dir

    folders = [str(user_dir)] if user_dir else []
    env = SandboxedEnvironment(
        loader=ChoiceLoader([FileSystemLoader(folders), FileSystemLoader(str(templates_dir()))]),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )

    @pass_context
    def money(ctx: Any, value: Money) -> str:
        return format_money(value, ctx["locale"])

    @pass_context
    def long_date(ctx: Any, value: date, style: str = "long") -> str:
        return format_date(value, ctx["locale"], style)

    @pass_context
    def number(ctx: Any, value: Any) -> str:
        from babel.numbers import format_decimal

        return format_decimal(value, locale=ctx["locale"])

    env.filters["money"] = money
    env.filters["date"] = long_date
    env.filters["number"] = number
    return env


def _bad_template(exc: Exception, name: str) -> BadInput:
    from jinja2 import TemplateNotFound

    if isinstance(exc, TemplateNotFound):
        return BadInput(f"template {exc.name} not found", hint="check [dunning] steps' template names")
    where = getattr(exc, "filename", None) or name
    line = getattr(exc, "lineno", None)
    return BadInput(f"template {where}{f', line {line}' if line else ''}: {getattr(exc, 'message', exc)}")


def renderer(user_dir: Path | None) -> Renderer:
    """The process's renderer for a templates folder: each template is compiled once, not once a
    document (Jinja still reloads a file that changed on disk)."""
    return _renderers(None if user_dir is None else Path(user_dir))


@functools.lru_cache(maxsize=8)
def _renderers(user_dir: Path | None) -> Renderer:
    return Renderer(user_dir)


class Renderer:
    """Renders mail templates by name and language; every failure is a BadInput naming the file."""

    def __init__(self, user_dir: Path | None) -> None:
        self.env = environment(user_dir)

    def render(self, name: str, context: dict[str, Any]) -> str:
        from jinja2 import TemplateError

        try:
            return self.env.get_template(name).render(context)
        except TemplateError as exc:
            raise _bad_template(exc, name) from None

    def stream(self, name: str, context: dict[str, Any], pieces: int = 2000) -> Iterator[str]:
        """The document in parts of `pieces` of Jinja's own, as they are made: a long document (the report of
        10,000 clients) is never held whole, nor is the list of its many small strings."""
        from jinja2 import TemplateError

        try:
            parts = self.env.get_template(name).generate(context)
            while batch := list(islice(parts, pieces)):  # (a batch of empty pieces is not the end)
                yield "".join(batch)
        except TemplateError as exc:
            raise _bad_template(exc, name) from None

    def message(self, template: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
        """(subject, text, html) of a mail template in a language; the subject is in the context of the rest."""
        base = f"mail/{language}/{template}"
        subject = " ".join(self.render(f"{base}.subject.txt", context).split())
        if not subject:
            raise BadInput(f"template {base}.subject.txt renders an empty subject")
        context = {**context, "subject": subject}
        return subject, self.render(f"{base}.txt", context), self.render(f"{base}.html", context)
