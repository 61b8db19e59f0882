"""Realistic demo items for `flask --app wsgi seed-demo`: names, prices and stock that look
like a small shop's catalogue. Not security-sensitive, so the plain `random` module is fine.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from app.clothes.models import SIZES

ADJECTIVES = (
    "Classic", "Relaxed", "Slim", "Oversized", "Cropped", "Vintage", "Organic", "Linen",
    "Wool", "Cotton", "Quilted", "Tailored", "Lightweight", "Ribbed", "Recycled", "Essential",
)  # fmt: skip
COLORS = (
    "Black", "White", "Navy", "Olive", "Beige", "Grey", "Burgundy", "Sage", "Camel",
    "Denim Blue", "Rust", "Cream", "Forest Green", "Charcoal", "Blush", "Mustard",
)  # fmt: skip
GARMENTS: dict[str, tuple[tuple[str, ...], int, int]] = {
    # category: (garments, lowest price, highest price) in whole currency units
    "tops": (("T-Shirt", "Shirt", "Blouse", "Polo", "Sweater", "Hoodie", "Tank Top"), 9, 89),
    "bottoms": (("Jeans", "Chinos", "Shorts", "Skirt", "Joggers", "Trousers"), 19, 129),
    "dresses": (("Midi Dress", "Maxi Dress", "Shirt Dress", "Wrap Dress", "Slip Dress"), 29, 199),
    "outerwear": (("Parka", "Trench Coat", "Puffer Jacket", "Blazer", "Denim Jacket"), 49, 399),
    "shoes": (("Sneakers", "Loafers", "Ankle Boots", "Sandals", "Espadrilles"), 29, 249),
    "accessories": (("Scarf", "Beanie", "Belt", "Tote Bag", "Cap", "Gloves"), 5, 79),
}
CENTS = (0, 50, 90, 95, 99)
MAX_AGE_SECONDS = 180 * 24 * 3600


def demo_row(rng: random.Random, now: dt.datetime) -> dict[str, Any]:
    """One item as a dict of column values, ready for a bulk INSERT."""
    category = rng.choice(tuple(GARMENTS))
    garments, low, high = GARMENTS[category]
    adjective, color, garment = rng.choice(ADJECTIVES), rng.choice(COLORS), rng.choice(garments)
    price = Decimal(rng.randint(low, high)) + Decimal(rng.choice(CENTS)) / 100
    created_at = now - dt.timedelta(seconds=rng.randrange(MAX_AGE_SECONDS))
    slug = f"{adjective}-{color}-{garment}".lower().replace(" ", "-")
    return {
        "name": f"{adjective} {color} {garment}",
        "category": category,
        "size": rng.choice(SIZES),
        "color": color,
        "price": price,
        "stock": 0 if rng.random() < 0.1 else rng.randint(1, 250),
        "photo_url": f"https://images.example.com/demo/{slug}.jpg" if rng.random() < 0.8 else None,
        "description": f"{adjective} {garment.lower()} in {color.lower()}. Demo item.",
        "created_at": created_at,
        "updated_at": created_at,
    }
