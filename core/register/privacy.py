"""Phones as the register keeps them, and masking personal data where it is not needed (PIPL: least privilege)."""
import re


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678; anything shorter than 7 characters is hidden whole."""
    phone = (phone or "").strip()
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def looks_like_phone(phone: str) -> bool:
    """A mobile (11 digits from 1, +86 allowed) or a landline (7 digits or more, area code and dashes allowed).

    A number of 10 digits from 1 is a mobile with a digit missing, not a landline: local numbers never
    start with 1."""
    if not re.fullmatch(r"[0-9+\-]{7,20}", phone):
        return False
    digits = re.sub(r"\D", "", phone)
    if phone.startswith("+86"):
        digits = digits[2:]
    return len(digits) == 11 if digits.startswith("1") else len(digits) >= 7
