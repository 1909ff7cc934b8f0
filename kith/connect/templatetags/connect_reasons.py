"""`{{ match.explanation|why_text }}` and `{{ detail|no_match_text }}`: the engine's reasons
in the viewer's language (kith.connect.reasons)."""

from __future__ import annotations

from django import template

from kith.connect.reasons import detail_text, explanation_text

register = template.Library()


@register.filter
def why_text(explanation: str) -> str:
    return explanation_text(explanation or "")


@register.filter
def no_match_text(detail: str) -> str:
    return detail_text(detail or "")
