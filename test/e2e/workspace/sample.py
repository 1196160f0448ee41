"""A small inventory module used as an end-to-end fixture."""

import json
from dataclasses import dataclass, field


@dataclass
class Item:
    name: str
    price: float
    tags: list[str] = field(default_factory=list)

    def total(self, quantity: int) -> float:
        return self.price * quantity


def load_items(path: str) -> list[Item]:
    with open(path, "r", encoding="utf-8") as handle:
        data = json.load(handle)
    return [Item(**entry) for entry in data]


def cheapest(items: list[Item]) -> Item | None:
    if not items:
        return None
    return min(items, key=lambda item: item.price)


if __name__ == "__main__":
    items = load_items("items.json")
    for item in items:
        print(item.name, item.total(2))
