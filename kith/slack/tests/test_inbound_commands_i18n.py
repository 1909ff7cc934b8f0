"""Slack's replies speak the reader's language (issue 14)."""

from __future__ import annotations

from django.utils import translation

from kith.slack import inbound


def test_help_text_in_portuguese():
    with translation.override("pt"):
        text = inbound.help_text()
    assert "O separador Início mostra as suas apresentações" in text
    assert "Connect" in text  # the product's name is not translated


def test_help_text_in_english_by_default():
    assert "The Home tab lists your intros" in inbound.help_text()
