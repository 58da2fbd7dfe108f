"""Text folding for search and duplicate detection. Pure functions."""

import hashlib
import re
import unicodedata

_PUNCT_RE = re.compile(r"[^\w\s]", re.UNICODE)


def nfc(value):
    return unicodedata.normalize("NFC", value or "")


def clean_text(value):
    """NFC and trimmed; inner line breaks kept, runs of spaces folded."""
    lines = [" ".join(line.split()) for line in nfc(value).strip().splitlines()]
    return "\n".join(lines).strip()


def unaccent(value):
    """Lower-case, without Vietnamese diacritics: "Thủ tục Đất đai" → "thu tuc dat dai"."""
    decomposed = unicodedata.normalize("NFD", nfc(value).lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d")


def search_text(*parts):
    return " ".join(" ".join(unaccent(p).split()) for p in parts if p)


def dedup_key(value):
    """Equal for texts that differ only by Unicode form, case, spacing or punctuation."""
    folded = _PUNCT_RE.sub(" ", nfc(value).casefold())
    folded = " ".join(folded.split())
    return hashlib.sha256(folded.encode()).hexdigest()
