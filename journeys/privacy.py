"""Keeping residents' personal data out of every output of the workbench.

Three safeguards, applied on read before anything is validated, written or printed:

* **personal columns are dropped** — by header (names, furigana, addresses, phone numbers, birth
  dates, personal numbers, e-mail, in Japanese and English) and by content (a column where most
  values are 12-digit numbers with a valid My Number check digit, or phone numbers);
* **free text is masked** — 12-digit My Numbers (valid check digit; also written 1234-5678-9012
  or with spaces) and phone numbers inside survey pain points or any kept text become
  ``[個人番号]`` / ``[電話番号]``;
* **visit and resident keys are pseudonymised** — replaced by a salted keyed hash (SipHash-2-4)
  written ``v_`` + 16 lowercase hex characters (:data:`PSEUDONYM_PREFIX`; never all digits, never
  read as a number by a spreadsheet), computed vectorised with numpy, so ten million tickets take
  about a second. The same salt gives the same pseudonym on every read, and a key that is already
  a pseudonym (a re-imported quarantine file or canonical Parquet) is kept as it is.

The salt comes from the ``salt`` argument, else the environment variable ``MADOGUCHI_SALT``,
else :data:`DEFAULT_SALT` — which is **not secret**: set ``MADOGUCHI_SALT`` for real data.
The salt is never written to any output.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import itertools
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl
import pyarrow as pa

__all__ = [
    "DEFAULT_SALT",
    "MACHINE_ID_REGEX",
    "MASK_MY_NUMBER",
    "MASK_PHONE",
    "PERSONAL_HEADERS",
    "PSEUDONYM_PREFIX",
    "PSEUDONYM_REGEX",
    "SEPARATORS",
    "detection_view",
    "find_personal_columns",
    "is_personal_header",
    "is_valid_my_number",
    "mask_text",
    "mask_text_column",
    "my_number_check_digit",
    "my_number_valid_expr",
    "normalise_number",
    "normalise_number_expr",
    "pseudonymise",
    "resolve_salt",
    "siphash24",
]

#: Used when neither ``salt=`` nor ``MADOGUCHI_SALT`` is given. Not secret: set MADOGUCHI_SALT.
DEFAULT_SALT = "madoguchi-default-salt-not-secret-set-MADOGUCHI_SALT"
MASK_MY_NUMBER = "[個人番号]"
MASK_PHONE = "[電話番号]"
#: Every pseudonym starts with this prefix, followed by 16 lowercase hex characters.
PSEUDONYM_PREFIX = "v_"
#: A whole value that is already a pseudonym (kept as it is on a second read).
PSEUDONYM_REGEX = r"^v_[0-9a-f]{16}$"

#: Header words that mark a column as personal data (compared after NFKC, lower case,
#: spaces/underscores/hyphens removed). A header is personal when it equals one of these or
#: contains one of :data:`_PERSONAL_PARTS`.
PERSONAL_HEADERS: frozenset[str] = frozenset(
    {
        # names
        "氏名", "名前", "お名前", "姓", "名", "姓名", "氏", "漢字氏名", "申請者", "申請者名",
        "来庁者名", "来庁者氏名", "届出人", "届出人氏名", "調査員", "調査員名",
        "name", "fullname", "firstname", "lastname", "familyname", "givenname", "surname",
        "residentname", "customername", "visitorname", "observername", "applicantname",
        "personname", "observer", "applicant",
        # furigana
        "フリガナ", "ふりがな", "カナ", "カナ氏名", "氏名カナ", "氏名(カナ)", "よみがな", "読み",
        "furigana", "kana", "kananame", "namekana", "reading",
        # address
        "住所", "現住所", "新住所", "旧住所", "所在地", "番地", "address", "homeaddress",
        "streetaddress", "postaladdress", "zip", "zipcode", "postcode", "postalcode", "郵便番号",
        # phone, mail
        "電話", "電話番号", "携帯", "携帯番号", "携帯電話", "連絡先", "tel", "telephone", "phone",
        "phonenumber", "mobile", "mobilephone", "cell", "email", "mail", "eメール", "メール",
        "メールアドレス", "mailaddress",
        # birth date
        "生年月日", "誕生日", "birth", "birthday", "birthdate", "dateofbirth", "dob",
        # personal number
        "個人番号", "マイナンバー", "mynumber", "individualnumber", "personalnumber",
        "個人番号カード番号", "住民票コード", "基礎年金番号", "被保険者番号",
    }
)  # fmt: skip
_PERSONAL_PARTS: tuple[str, ...] = (
    "氏名", "フリガナ", "ふりがな", "住所", "電話", "生年月日", "個人番号", "マイナンバー",
    "メール", "mynumber", "phone", "address", "birth", "furigana", "email",
)  # fmt: skip

#: Characters people put between the digit groups of a number: every dash (ASCII, Unicode
#: dashes, the minus sign, the katakana prolonged-sound mark ー and its half-width form), dots
#: and middle dots, and every kind of space. Detectors see each of them as ``-``.
SEPARATORS = (
    "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70\ufe63\uff0d\u2043\u02d7"
    "\u2500\u2501.\u30fb\uff65\u3002\uff0e \t\u00a0\u3000\u2002\u2003\u2009\u202f"
)
_SEPARATOR_CLASS = "[" + "".join(f"\\u{ord(c):04x}" for c in SEPARATORS) + "\\s]"
_SEP_RE = re.compile(_SEPARATOR_CLASS)
# 12 digits, optionally grouped 4-4-4 (on the detection view: separators are "-").
# Both gaps or neither: "20250303-0012" (a day + ticket number) is not grouped 4-4-4.
_MY_NUMBER_RE = re.compile(r"(?<!\d)(\d{4})(-{0,3})(\d{4})(-{0,3})(\d{4})(?!\d)")
# Japanese phone numbers: 0 + a non-zero digit + more digits (10..13 in all), optionally
# grouped or in brackets; or +81 (00 is the international prefix, never an area code).
_PHONE_RE = re.compile(
    r"(?<![\d+])(?:\+81-{0,3}\(?0?[1-9]\d{0,3}\)?|\(?0[1-9]\d{0,3}\)?)-{0,3}\(?\d{1,4}\)?-{0,3}"
    r"\d{3,4}(?!\d)"
)
_DIGITS_ONLY = re.compile(r"\d")
# Cheap vectorised pre-filter: only texts with at least 9 digits can hold a number to mask.
_CANDIDATE_REGEX = r"(?:\d[^\d]{0,3}){9,}"
# Second, tighter vectorised pre-filter on the view (a superset of what the detectors match).
_VIEW_CANDIDATE_REGEX = (
    r"\d{4}-{0,3}\d{4}-{0,3}\d{4}|0[1-9]\d{0,3}\)?-{0,3}\(?\d{1,4}\)?-{0,3}\d{3,4}|\+81-{0,3}\(?\d"
)
#: A ticket machine's number (letters, digits, one day-dash-number): not scanned in ticket_id.
MACHINE_ID_REGEX = r"^[A-Za-z]*[0-9]+(?:-[0-9]+)?$"
_WEIGHTS: tuple[int, ...] = tuple((n + 1 if n <= 6 else n - 5) for n in range(1, 12))


def _normal_header(header: str) -> str:
    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    return re.sub(r"[\s_\-・．.]", "", text)


def is_personal_header(header: str) -> bool:
    """True when a column header names personal data (氏名, 住所, phone, birth date, My Number…)."""
    key = _normal_header(header)
    if key in PERSONAL_HEADERS:
        return True
    return any(part in key for part in _PERSONAL_PARTS)


@functools.lru_cache(maxsize=4096)
def _view_of_char(ch: str) -> str:
    normal = unicodedata.normalize("NFKC", ch)
    return "-" if normal and all(_SEP_RE.fullmatch(c) for c in normal) else normal


def detection_view(text: str) -> tuple[str, list[int]]:
    """The one normalisation in front of every detector: NFKC (full-width digits and brackets
    become ASCII), then every dash, dot and space (:data:`SEPARATORS`) becomes ``-``.

    Returns the view and, for each of its characters, the index of the original character it
    came from, so a match found in the view masks exactly those characters of the original.
    """
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        normal = ch if ch.isascii() and ch not in SEPARATORS else _view_of_char(ch)
        out.append(normal)
        where.extend([i] * len(normal))
    return "".join(out), where


def normalise_number(text: str) -> str:
    """Only the digits (and a leading ``+``) of a number written with any separators or widths."""
    view, _ = detection_view(text.strip())
    return re.sub(r"[-()]", "", view)


def normalise_number_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`normalise_number`: NFKC, then every separator and bracket removed."""
    text = expr.cast(pl.String).str.normalize("NFKC").str.strip_chars()
    return text.str.replace_all(_SEPARATOR_CLASS, "").str.replace_all(r"[()ー]", "")


def my_number_check_digit(first11: str) -> int:
    """Check digit of a My Number (個人番号) from its first 11 digits.

    Over the first 11 digits p_n counted from the right (n = 1..11), weight q_n = n + 1 for
    n ≤ 6 and n − 5 for n ≥ 7; r = Σ p_n q_n mod 11; the check digit is 0 if r ≤ 1 else 11 − r.
    """
    if len(first11) != 11 or not first11.isdigit():
        raise ValueError("a My Number check digit needs exactly 11 digits")
    total = sum(int(first11[11 - n]) * _WEIGHTS[n - 1] for n in range(1, 12))
    r = total % 11
    return 0 if r <= 1 else 11 - r


def is_valid_my_number(value: str) -> bool:
    """True for 12 digits (any dashes, dots or spaces, any width) whose last digit is the check
    digit."""
    digits = normalise_number(value)
    if len(digits) != 12 or not digits.isdigit():
        return False
    return my_number_check_digit(digits[:11]) == int(digits[11])


def my_number_valid_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`is_valid_my_number` for a string expression (null for non-strings)."""
    digits = normalise_number_expr(expr)
    is_12 = digits.str.contains(r"^\d{12}$")
    total = pl.sum_horizontal(
        [
            digits.str.slice(11 - n, 1).cast(pl.Int64, strict=False) * _WEIGHTS[n - 1]
            for n in range(1, 12)
        ]
    )
    r = total % 11
    check = pl.when(r <= 1).then(0).otherwise(11 - r)
    last = digits.str.slice(11, 1).cast(pl.Int64, strict=False)
    return is_12.fill_null(False) & (check == last).fill_null(False)


def _number_spans(view: str) -> list[tuple[int, int, str]]:
    """``(start, end, mask)`` of each personal number in a detection view, left to right."""
    spans: list[tuple[int, int, str]] = []
    for m in _MY_NUMBER_RE.finditer(view):
        first, gap1, second, gap2, third = m.groups()
        if bool(gap1) == bool(gap2) and is_valid_my_number(first + second + third):
            spans.append((m.start(), m.end(), MASK_MY_NUMBER))
    for m in _PHONE_RE.finditer(view):
        if not 10 <= len(_DIGITS_ONLY.findall(m.group(0))) <= 13:
            continue
        if all(m.end() <= a or m.start() >= b for a, b, _ in spans):
            spans.append((m.start(), m.end(), MASK_PHONE))
    return sorted(spans)


def mask_text(text: str) -> str:
    """Mask My Numbers (valid check digit) and phone numbers inside one free text.

    Numbers are found on :func:`detection_view` (any width, any dash, dot or space between the
    digit groups); only their characters are replaced, the rest of the text is kept as written.
    """
    view, where = detection_view(text)
    spans = _number_spans(view)
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for start, end, mask in spans:
        first, after = where[start], where[end - 1] + 1
        parts.append(text[last:first] + mask)
        last = after
    return "".join(parts) + text[last:]


def mask_text_column(series: pl.Series, *, keep_machine_ids: bool = False) -> tuple[pl.Series, int]:
    """Mask personal numbers in a text column; returns the masked column and how many changed.

    Vectorised pre-filter: only the distinct texts holding at least nine digits (of any width)
    go through :func:`mask_text`, so a column without numbers costs one regex scan.
    ``keep_machine_ids`` leaves values shaped like a ticket machine's number alone
    (:data:`MACHINE_ID_REGEX`: ``T0000012345``, ``202503030012``, ``20250303-0012`` are not a
    My Number or phone number typed by a person; ``090-1234-5678`` still is).
    """
    if series.dtype != pl.String:
        return series, 0
    # a column of few distinct values (counters, staff, procedures) is scanned on those only
    values = series.unique() if series.head(10_000).n_unique() < 1_000 else series
    if keep_machine_ids:
        values = values.filter(~values.str.contains(MACHINE_ID_REGEX).fill_null(False))
    candidates = values.filter(values.str.contains(_CANDIDATE_REGEX).fill_null(False)).unique()
    view = candidates.str.normalize("NFKC").str.replace_all(_SEPARATOR_CLASS, "-")
    candidates = candidates.filter(view.str.contains(_VIEW_CANDIDATE_REGEX).fill_null(False))
    if candidates.len() == 0:
        return series, 0
    old = candidates.to_list()
    new = [mask_text(t) for t in old]
    changed = {o: n for o, n in zip(old, new, strict=True) if o != n}
    if not changed:
        return series, 0
    keys = pl.Series(list(changed.keys()), dtype=pl.String)
    masked = series.replace(keys, pl.Series(list(changed.values()), dtype=pl.String))
    n_changed = int(series.is_in(keys).sum())
    return masked.alias(series.name), n_changed


def find_personal_columns(
    frame: pl.DataFrame, *, protected: Iterable[str] = (), sample: int = 2000
) -> dict[str, str]:
    """Personal-data columns of a raw frame: ``{header: why}``.

    A column is personal when its header names personal data, or when most of its (sampled)
    non-empty values are valid My Numbers or phone numbers. ``protected`` headers (mapped to a
    canonical column by the user or the built-in synonyms) are only checked by content.
    """
    keep = set(protected)
    found: dict[str, str] = {}
    for name in frame.columns:
        if name not in keep and is_personal_header(name):
            found[name] = "header names personal data"
            continue
        col = frame.get_column(name)
        if col.dtype not in (pl.String, pl.Int64, pl.UInt64, pl.Int32, pl.Categorical):
            continue
        values = col.drop_nulls().cast(pl.String).str.strip_chars()
        values = values.filter(values.str.len_chars() > 0)
        if values.len() == 0:
            continue
        if values.len() > sample:
            values = values.gather(np.linspace(0, values.len() - 1, sample).astype(np.int64))
        frame_v = values.to_frame("v")
        share_mn = frame_v.select(my_number_valid_expr(pl.col("v")).mean()).item()
        if share_mn is not None and share_mn >= 0.5:
            found[name] = "values are My Numbers (個人番号)"
            continue
        digits = values.to_frame("v").select(normalise_number_expr(pl.col("v"))).to_series()
        phone_like = digits.str.contains(r"^(?:\+81\d{9,10}|0\d{9,10})$").fill_null(False)
        share_phone = int(phone_like.sum()) / max(1, phone_like.len())
        if share_phone >= 0.5:
            found[name] = "values are phone numbers"
    return found


def resolve_salt(salt: str | None = None) -> str:
    """The salt for pseudonyms: argument, else env ``MADOGUCHI_SALT``, else :data:`DEFAULT_SALT`."""
    if salt:
        return salt
    env = os.environ.get("MADOGUCHI_SALT")
    return env if env else DEFAULT_SALT


# --- SipHash-2-4, vectorised over numpy uint64 -------------------------------------------

_U = np.uint64


def _rotl_inplace(x: np.ndarray, b: int, tmp: np.ndarray) -> None:
    np.left_shift(x, _U(b), out=tmp)
    np.right_shift(x, _U(64 - b), out=x)
    np.bitwise_or(x, tmp, out=x)


def _sipround(
    v0: np.ndarray, v1: np.ndarray, v2: np.ndarray, v3: np.ndarray, t: np.ndarray
) -> None:
    v0 += v1
    _rotl_inplace(v1, 13, t)
    v1 ^= v0
    _rotl_inplace(v0, 32, t)
    v2 += v3
    _rotl_inplace(v3, 16, t)
    v3 ^= v2
    v0 += v3
    _rotl_inplace(v3, 21, t)
    v3 ^= v0
    v2 += v1
    _rotl_inplace(v1, 17, t)
    v1 ^= v2
    _rotl_inplace(v2, 32, t)


_CHUNK = 16384  # rows hashed together: keeps the state vectors in the CPU cache
_PARALLEL_ROWS = 200_000  # a column this long or longer is hashed by two threads
_WORKERS = min(2, os.cpu_count() or 1)


def _siphash_blocks(words: np.ndarray, length: int, k0: int, k1: int) -> np.ndarray:
    """SipHash-2-4 of messages of one byte ``length``: ``words`` is (n, blocks) little-endian u64."""
    n, blocks = words.shape
    out = np.empty(n, dtype=_U)
    init = (
        k0 ^ 0x736F6D6570736575,
        k1 ^ 0x646F72616E646F6D,
        k0 ^ 0x6C7967656E657261,
        k1 ^ 0x7465646279746573,
    )
    tail = _U((length & 0xFF) << 56)
    columns = [np.ascontiguousarray(words[:, j]) for j in range(blocks)]
    columns[-1] |= tail

    def hash_rows(first: int, last: int) -> None:
        with np.errstate(over="ignore"):
            for lo in range(first, last, _CHUNK):
                hi = min(last, lo + _CHUNK)
                size = hi - lo
                v0, v1, v2, v3 = (np.full(size, x, dtype=_U) for x in init)
                t = np.empty(size, dtype=_U)
                for col in columns:
                    m = col[lo:hi]
                    v3 ^= m
                    _sipround(v0, v1, v2, v3, t)
                    _sipround(v0, v1, v2, v3, t)
                    v0 ^= m
                v2 ^= _U(0xFF)
                for _ in range(4):
                    _sipround(v0, v1, v2, v3, t)
                v0 ^= v1
                v0 ^= v2
                v0 ^= v3
                out[lo:hi] = v0

    # numpy lets go of the interpreter inside each operation: two threads hash the two halves
    # of a long column side by side (each row's hash is the same either way)
    workers = min(_WORKERS, max(1, n // _PARALLEL_ROWS))
    if workers == 1:
        hash_rows(0, n)
        return out
    cut = [(n * i // workers) // _CHUNK * _CHUNK for i in range(workers)] + [n]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done in [pool.submit(hash_rows, a, b) for a, b in itertools.pairwise(cut)]:
            done.result()
    return out


def _byte_matrix(series: pl.Series, length: int) -> np.ndarray:
    """Values of one byte length as an (n, blocks) array of little-endian u64 words."""
    n = series.len()
    blocks = length // 8 + 1
    arrow = series.to_arrow(compat_level=pl.CompatLevel.oldest())
    buffers = arrow.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64)[arrow.offset : arrow.offset + n + 1]
    matrix = np.zeros((n, blocks * 8), dtype=np.uint8)
    if length and n:
        data = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0] : offsets[0] + n * length]
        matrix[:, :length] = data.reshape(n, length)
    return matrix.view("<u8").astype(_U, copy=False)


def siphash24(values: Sequence[bytes] | pl.Series, key: bytes) -> np.ndarray:
    """SipHash-2-4 (64-bit) of each value under a 16-byte ``key``, vectorised with numpy.

    ``values`` is a polars String/Binary Series (nulls hash as empty) or a sequence of bytes.
    Values are grouped by byte length so each group is one contiguous fixed-width block.
    """
    if len(key) != 16:
        raise ValueError("SipHash needs a 16-byte key")
    k0 = int.from_bytes(key[:8], "little")
    k1 = int.from_bytes(key[8:], "little")
    series = values if isinstance(values, pl.Series) else pl.Series(list(values), dtype=pl.Binary)
    if series.dtype == pl.String:
        series = series.cast(pl.Binary)
    series = series.fill_null(b"").rechunk()
    lengths = series.bin.size("b").to_numpy().astype(np.int64)
    out = np.empty(series.len(), dtype=_U)
    if lengths.size and lengths.min() == lengths.max():  # fixed-width keys: one group
        distinct = lengths[:1]
    else:
        distinct = np.unique(lengths)
    with np.errstate(over="ignore"):
        for length in distinct:
            if len(distinct) == 1:
                idx = None
                part = series
            else:
                idx = np.flatnonzero(lengths == length)
                part = series.gather(idx).rechunk()
            words = _byte_matrix(part, int(length))
            hashed = _siphash_blocks(words, int(length), k0, k1)
            if idx is None:
                out[:] = hashed
            else:
                out[idx] = hashed
    return out


def _key_from_salt(salt: str) -> bytes:
    return hashlib.blake2b(
        salt.encode("utf-8"), digest_size=16, person=b"madoguchi-pseudo"
    ).digest()


def _hex16(hashed: np.ndarray, name: str) -> pl.Series:
    """64-bit hashes as ``v_`` + 16 lowercase hex characters, built as one Arrow string buffer."""
    n = len(hashed)
    width = len(PSEUDONYM_PREFIX) + 16
    hexed = np.frombuffer(binascii.hexlify(hashed.astype(">u8").tobytes()), dtype=np.uint8)
    cells = np.empty((n, width), dtype=np.uint8)
    cells[:, : len(PSEUDONYM_PREFIX)] = np.frombuffer(PSEUDONYM_PREFIX.encode(), dtype=np.uint8)
    cells[:, len(PSEUDONYM_PREFIX) :] = hexed.reshape(n, 16)
    data = cells.tobytes()
    offsets = np.arange(0, width * n + 1, width, dtype=np.int64)
    array = pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data)]
    )
    series = pl.from_arrow(array)
    assert isinstance(series, pl.Series)
    return series.alias(name)


def pseudonymise(series: pl.Series, salt: str | None = None) -> pl.Series:
    """Replace visit/resident keys by salted pseudonyms (``v_`` + 16 lowercase hex characters).

    Keys are stripped of surrounding spaces first, so ``" V001"`` and ``"V001"`` give the same
    pseudonym; nulls stay null; a key that is already a pseudonym (a re-imported quarantine
    file) is kept, so its visit is not split from the same visit's other tickets. Vectorised:
    numpy SipHash-2-4 keyed with the salt, in cache-sized chunks — no Python loop over values.
    """
    key = _key_from_salt(resolve_salt(salt))
    text = series.cast(pl.String)
    if text.str.contains(PSEUDONYM_PREFIX, literal=True).any():  # cheap test first
        already = text.str.strip_chars().str.contains(PSEUDONYM_REGEX).fill_null(False)
    else:
        already = pl.Series([False])
    if already.any():
        hashed = _pseudonyms_of_runs(text, key, series.name)
        kept = pl.select(
            pl.when(already).then(text.str.strip_chars()).otherwise(hashed)
        ).to_series()
        return kept.alias(series.name)
    return _pseudonyms_of_runs(text, key, series.name)


def _pseudonyms_of_runs(text: pl.Series, key: bytes, name: str) -> pl.Series:
    """Pseudonyms of every key, each run of equal keys hashed once."""
    series = text.alias(name)
    # A visit's tickets usually sit next to each other: hash each run of equal keys once
    # (two runs of one key, e.g. " V1" then "V1", simply give the same pseudonym twice).
    new_run = text.ne_missing(text.shift(1)).to_numpy().copy()
    if new_run.size:
        new_run[0] = True
    runs = int(np.count_nonzero(new_run))
    if runs * 4 < text.len() * 3:
        firsts = text.filter(pl.Series(new_run)).str.strip_chars()
        codes = _pseudonyms(firsts, key, series.name)
        return codes.gather(np.cumsum(new_run, dtype=np.int64) - 1).alias(series.name)
    return _pseudonyms(text.str.strip_chars(), key, series.name)


def _pseudonyms(text: pl.Series, key: bytes, name: str) -> pl.Series:
    """The pseudonym of each (stripped) key; null stays null."""
    codes = _hex16(siphash24(text, key), name)
    if text.null_count():
        codes = pl.select(pl.when(text.is_null()).then(None).otherwise(codes)).to_series()
    return codes.alias(name)
