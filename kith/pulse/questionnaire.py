"""A wave's questions, frozen as data when it is sent, and their engine counterparts."""

from __future__ import annotations

from typing import Any

from kith.pulse.engine.instruments import INSTRUMENTS, Item, custom_item, instrument
from kith.pulse.models import Campaign, Wave


def items_for(campaign: Campaign) -> list[dict[str, Any]]:
    """Every question a wave of this campaign asks, in order, as stored on the wave."""
    items: list[dict[str, Any]] = []
    for key in campaign.instruments:
        for item in instrument(key).items:
            items.append(_as_data(item, instrument=key))
    for question in campaign.questions.all():
        item = custom_item(question.key, question.text, question.kind, question.choices)
        items.append(_as_data(item, instrument=""))
    return items


def _as_data(item: Item, *, instrument: str) -> dict[str, Any]:
    return {
        "key": item.key,
        "text": item.text,
        "kind": item.kind,
        "instrument": instrument,
        "options": [[o.value, o.label] for o in item.scale.options],
    }


def engine_items(wave: Wave) -> list[Item]:
    """The wave's numeric items (free text excluded), in the order of Response.values."""
    found: list[Item] = []
    for data in numeric_items(wave):
        if data["instrument"]:
            inst = INSTRUMENTS[data["instrument"]]
            found.append(next(i for i in inst.items if i.key == data["key"]))
        else:
            choices = [label for _, label in data["options"]] if data["kind"] == "choice" else []
            found.append(custom_item(data["key"], data["text"], _custom_kind(data), choices))
    return found


def _custom_kind(data: dict[str, Any]) -> str:
    kind = str(data["kind"])
    if kind == "scale":
        return "agree"
    if kind == "nps":
        return "zero_to_ten"
    return kind


def numeric_items(wave: Wave) -> list[dict[str, Any]]:
    return [i for i in wave.items if i["kind"] != "text"]


def text_items(wave: Wave) -> list[dict[str, Any]]:
    return [i for i in wave.items if i["kind"] == "text"]
