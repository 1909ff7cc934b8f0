"""{% needs_you_now %}: the home page's "needs you now" cards, from every app's needs.py.

The home page includes it once; base.html also asks for it at the end of the home page and
draws it there only if the page did not (so the cards show before the home template has the
line)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from kith.core.registry import needs_for_viewer

register = template.Library()

_SHOWN = "kith_needs_shown"


@register.simple_tag(takes_context=True)
def needs_you_now(context: template.Context, *, fallback: bool = False) -> SafeString:
    if context.render_context.get(_SHOWN) or (fallback and context.get("nav") != "home"):
        return mark_safe("")
    context.render_context[_SHOWN] = True
    viewer: Any = context.get("viewer")
    if viewer is None or not viewer.is_authenticated:
        return mark_safe("")
    cards = needs_for_viewer(viewer)
    for_role = viewer.is_hr or viewer.is_manager
    if not cards and not for_role:
        return mark_safe("")  # an employee with nothing pending: their home stays as it was
    # No request: the cards need none of the context processors (they would query again).
    return render_to_string("core/_needs.html", {"cards": cards, "for_role": for_role})
