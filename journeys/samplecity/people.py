"""Fictional personal data for the sample city's raw exports (never real people).

Names are built from small kanji lists (surname = two parts, given name = two parts) with their
readings; addresses are made-up towns of サンプル市; phone numbers start with ``000`` (no such
number exists in Japan); My Numbers (個人番号) are 11 random digits plus the official check
digit. Ingestion must drop every one of these columns on read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

__all__ = ["Person", "draw_people", "katakana", "my_number_check_digit", "observer_names"]

_SURNAME_A: tuple[tuple[str, str], ...] = (
    ("北", "きた"), ("山", "やま"), ("川", "かわ"), ("大", "おお"), ("小", "こ"),
    ("高", "たか"), ("松", "まつ"), ("中", "なか"), ("西", "にし"), ("東", "ひがし"),
    ("岡", "おか"), ("石", "いし"), ("森", "もり"), ("白", "しら"), ("青", "あお"),
    ("桜", "さくら"), ("藤", "ふじ"), ("梅", "うめ"), ("竹", "たけ"), ("柳", "やなぎ"),
)  # fmt: skip
_SURNAME_B: tuple[tuple[str, str], ...] = (
    ("田", "た"), ("野", "の"), ("川", "かわ"), ("山", "やま"), ("原", "はら"),
    ("村", "むら"), ("木", "き"), ("本", "もと"), ("沢", "さわ"), ("島", "しま"),
    ("井", "い"), ("口", "ぐち"), ("谷", "たに"), ("崎", "さき"), ("林", "ばやし"),
    ("瀬", "せ"), ("部", "べ"), ("畑", "はた"), ("浦", "うら"), ("坂", "さか"),
)  # fmt: skip
_GIVEN_A: tuple[tuple[str, str], ...] = (
    ("陽", "はる"), ("翔", "しょう"), ("大", "だい"), ("美", "み"), ("結", "ゆ"),
    ("悠", "ゆう"), ("健", "けん"), ("花", "はな"), ("真", "ま"), ("優", "ゆう"),
    ("光", "ひか"), ("和", "かず"), ("春", "はる"), ("千", "ち"), ("直", "なお"),
)  # fmt: skip
_GIVEN_B: tuple[tuple[str, str], ...] = (
    ("太", "た"), ("斗", "と"), ("人", "と"), ("子", "こ"), ("菜", "な"),
    ("香", "か"), ("也", "や"), ("介", "すけ"), ("奈", "な"), ("希", "き"),
    ("輝", "き"), ("恵", "え"), ("郎", "ろう"), ("美", "み"), ("樹", "き"),
)  # fmt: skip
_FOREIGN_SYLLABLES: tuple[str, ...] = (
    "ア", "ナ", "マ", "リ", "ソ", "ン", "ル", "カ", "ト", "ミ", "エ", "ラ", "ニ", "サ", "ド", "グ",
)  # fmt: skip
_TOWNS: tuple[str, ...] = (
    "緑町", "桜町", "本町", "北町", "南町", "東町", "西町", "栄町", "旭町", "幸町",
    "若葉町", "中央町", "泉町", "柏町", "春日町", "高台", "川沿町", "光が丘",
)  # fmt: skip
_FOREIGN_EVENTS = frozenset({"foreign_move_in"})
#: Typical age range of the resident who comes for each life event.
_AGES: dict[str, tuple[int, int]] = {
    "birth": (24, 42),
    "death": (40, 78),
    "marriage": (23, 40),
    "retirement": (60, 66),
    "turning_75": (75, 76),
    "pregnancy": (22, 42),
    "childcare": (25, 42),
    "move_in": (20, 55),
    "move_out": (20, 55),
    "move_within": (22, 85),
    "foreign_move_in": (20, 40),
}
_DEFAULT_AGES = (18, 88)


def katakana(hiragana: str) -> str:
    """The katakana spelling of a hiragana reading (フリガナ)."""
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in hiragana)


def my_number_check_digit(first11: str) -> int:
    """Check digit of a My Number from its first 11 digits (weights 2..7, 2..6 from the right)."""
    total = 0
    for n in range(1, 12):
        digit = int(first11[11 - n])
        weight = n + 1 if n <= 6 else n - 5
        total += digit * weight
    check = 11 - total % 11
    return 0 if check >= 10 else check


@dataclass(frozen=True)
class Person:
    """A fictional resident as the ticket machine's reception system records them."""

    name: str
    furigana: str
    address: str
    phone: str
    birth_date: str
    my_number: str


def _pick(rng: np.random.Generator, items: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    return items[int(rng.integers(len(items)))]


def draw_people(
    first_seen: dict[int, tuple[str, dt.date]], rng: np.random.Generator
) -> dict[int, Person]:
    """One fictional person per resident number, drawn in resident order (vectorised).

    ``first_seen`` maps a resident number to the life event and day of their first visit.
    """
    residents = sorted(first_seen)
    n = len(residents)
    if n == 0:
        return {}
    parts = rng.integers(
        (0, 0, 0, 0, 0, 1, 1, 1),
        (len(_SURNAME_A), len(_SURNAME_B), len(_GIVEN_A), len(_GIVEN_B), len(_TOWNS), 6, 30, 20),
        size=(n, 8),
    )
    phones = rng.integers(0, 10000, size=(n, 2))
    age_u = rng.random(n)
    birth_md = rng.integers((1, 1), (13, 29), size=(n, 2))
    digits = rng.integers(0, 10, size=(n, 11))
    digits[:, 0] = rng.integers(1, 10, size=n)
    weights = np.array([(n_ + 1 if n_ <= 6 else n_ - 5) for n_ in range(11, 0, -1)])
    check = 11 - (digits @ weights) % 11
    check[check >= 10] = 0
    out: dict[int, Person] = {}
    for k, resident in enumerate(residents):
        event, on = first_seen[resident]
        sa, sb, ga, gb, town, chome, ban, go = (int(v) for v in parts[k])
        if event in _FOREIGN_EVENTS:
            words = [
                "".join(
                    _FOREIGN_SYLLABLES[int(s)]
                    for s in rng.integers(len(_FOREIGN_SYLLABLES), size=int(rng.integers(2, 5)))
                )
                for _ in range(2)
            ]
            name = furigana = "\u3000".join(words)
        else:
            name = f"{_SURNAME_A[sa][0]}{_SURNAME_B[sb][0]}\u3000{_GIVEN_A[ga][0]}{_GIVEN_B[gb][0]}"
            furigana = katakana(
                f"{_SURNAME_A[sa][1]}{_SURNAME_B[sb][1]}\u3000{_GIVEN_A[ga][1]}{_GIVEN_B[gb][1]}"
            )
        low, high = _AGES.get(event, _DEFAULT_AGES)
        age = low + int(age_u[k] * (high - low))
        month, day = int(birth_md[k, 0]), int(birth_md[k, 1])
        year = on.year - age - (1 if (month, day) > (on.month, on.day) else 0)
        first11 = "".join(str(int(d)) for d in digits[k])
        out[resident] = Person(
            name=name,
            furigana=furigana,
            address=f"{_TOWNS[town]}{chome}丁目{ban}番{go}号",
            phone=f"000-{int(phones[k, 0]):04d}-{int(phones[k, 1]):04d}",
            birth_date=f"{year:04d}/{month:02d}/{day:02d}",
            my_number=f"{first11}{int(check[k])}",
        )
    return out


def observer_names(count: int, rng: np.random.Generator) -> list[str]:
    """Fictional names of survey observers (調査員)."""
    names = []
    for _ in range(count):
        sa, sb = _pick(rng, _SURNAME_A), _pick(rng, _SURNAME_B)
        ga, gb = _pick(rng, _GIVEN_A), _pick(rng, _GIVEN_B)
        names.append(f"{sa[0]}{sb[0]}　{ga[0]}{gb[0]}")
    return names
