"""A study as a printable report: Markdown, or HTML (self-contained, print styles), with the summary table."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, PackageLoader

from stdwatch.studies.judging import Cell, summary
from stdwatch.studies.model import Kind, Requirement, StudyContent

_SIGNS = {Kind.UPPER_LIMIT: "≤", Kind.LOWER_LIMIT: "≥", Kind.EXACT: "="}


def describe(req: Requirement | None) -> str:
    """A requirement in one line: `≤ 90 mg/kg (text)`, `4–6 mm`, `required`, or `not covered`."""
    if req is None:
        return "not covered"
    if req.kind is None:
        return req.text
    if req.kind is Kind.PRESENCE:
        head = "required"
    elif req.kind is Kind.RANGE:
        head = f"{req.value:g}–{req.value_max:g} {req.unit}".strip()
    else:
        head = f"{_SIGNS[req.kind]} {req.value:g} {req.unit}".strip()
    return f"{head} ({req.text})" if req.text else head


@dataclass(frozen=True)
class ReportFacts:
    id: int
    status: str
    published: str


def _judgment(cell: Cell) -> str:
    text = cell.judgment.value if cell.judgment else "unjudged"
    if cell.overridden:
        text += f" (computed: {cell.computed}; reason: {cell.reason})"
    return text


def _md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, line breaks as <br>."""
    return text.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def _environment(html: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("stdwatch.studies", "templates"),
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md_cell if not html else (lambda text: text)
    env.globals.update(describe=describe, judgment=_judgment, zip=zip)
    return env


def render(content: StudyContent, judged: list[list[Cell]], facts: ReportFacts, html: bool) -> str:
    """The report as Markdown, or as HTML when `html` (every text escaped)."""
    sections = [
        ("Purpose", content.purpose),
        ("Scope", content.scope),
        ("Method", content.method),
        ("Conclusion", content.conclusion),
        ("Recommendations", content.recommendations),
    ]
    per_cp = [summary([[row[n]] for row in judged]) for n in range(len(content.counterparts))]
    template = _environment(html).get_template("report.html.j2" if html else "report.md.j2")
    return template.render(
        c=content,
        f=facts,
        sections=sections,
        totals=summary(judged),
        per_cp=per_cp,
        rows=list(zip(content.items, judged, strict=True)),
    )
