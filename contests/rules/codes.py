"""Public codes: what a published result, a winners page or a certificate
shows instead of a database id. Random, unguessable, easy to read aloud and
to type (no 0/O, 1/I/L), compared without case, spaces or hyphens."""

import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ENTRY_LENGTH = 10  # 32^10 = 2^50 entry codes
CERTIFICATE_LENGTH = 12  # 32^12 = 2^60 certificate codes


def new_code(length):
    return "".join(secrets.choice(ALPHABET) for _n in range(length))


def new_entry_code():
    """The public code of an entry (an attempt) in published results."""
    return new_code(ENTRY_LENGTH)


def new_certificate_code():
    """The code printed on a certificate; a winner who keeps a prize in a later
    version of the results keeps it."""
    return new_code(CERTIFICATE_LENGTH)


def normalise(text, *, max_length):
    """A typed code as stored ("abcd-efgh 23" → "ABCDEFGH23"), or "" when it
    cannot be one."""
    code = (text or "").strip().upper().replace(" ", "").replace("-", "")
    if not code or len(code) > max_length or not code.isalnum():
        return ""
    return code
