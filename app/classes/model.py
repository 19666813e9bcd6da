"""A class: a short join code, a teacher's key, a lesson, and its learners' progress. No accounts:
a learner is a nickname and a session; the teacher is whoever holds the key."""
import hashlib
import hmac
import secrets
import time
import unicodedata
from dataclasses import dataclass, field

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"     # no 0/O, 1/I/L: read off a projector without doubt
CODE_LENGTH = 6
MAX_NAME = 24
KEPT_ERRORS = 3              # a learner's most recent refusals the teacher sees
KEPT_PREDICTIONS = 20        # predictions kept (the results' CSV has them all)
SHOWN_PREDICTIONS = 5        # the most recent, in the teacher's view: 200 learners stay under 256 KB
MAX_ERROR_TEXT = 80


class ClassNotFound(LookupError):
    """No class by that code: never made, ended or expired (404)."""


class ClassFull(RuntimeError):
    """The class has as many learners as MANUALGRAD_CLASS_SIZE allows (409)."""


class ClassPaused(RuntimeError):
    """The teacher paused the class: phases, step and train wait (423)."""


def new_code():
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def new_key():
    """The teacher's key: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def key_digest(key):
    """What is kept of the key: its SHA-256 (the key itself is never stored or logged)."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_matches(digest, key):
    return hmac.compare_digest(digest, key_digest(key))


def normal_code(code):
    """A code as typed ("abc-def", " ABCDEF") in its stored form; None if it cannot be one."""
    code = code.strip().upper().replace("-", "").replace(" ", "")
    return code if len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) else None


def clean_name(name):
    """A nickname of 1-24 printable characters, spaces squeezed; ValueError otherwise."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME or not all(c.isprintable() and unicodedata.category(c)[0] != "C" for c in name):
        raise ValueError(f"a name is 1 to {MAX_NAME} printable characters")
    return name


def distinct(name, taken):
    """`name`, or "name (2)", "name (3)", … the first not in `taken` (kept within 24 characters)."""
    if name not in taken:
        return name
    n = 2
    while True:
        suffix = f" ({n})"
        candidate = name[:MAX_NAME - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1


@dataclass
class Learner:
    """One learner as the teacher sees them (their session id stays on the server)."""

    name: str
    session: str
    joined: float = field(default_factory=time.time)
    progress: dict = field(default_factory=lambda: {"step": 0, "loss": None, "phase": "fresh", "accuracy": None})
    seen: float = field(default_factory=time.time)
    errors: list = field(default_factory=list)
    predictions: list = field(default_factory=list)

    def view(self, now):
        return {"name": self.name, **self.progress, "last_seen": round(max(0.0, now - self.seen), 1),
                "errors": self.errors[-KEPT_ERRORS:],
                "predictions": [shown(p) for p in self.predictions[-SHOWN_PREDICTIONS:]]}


def shown(prediction):
    """A prediction in the teacher's view: its weight, the guess and the truth to 6 digits, the verdict."""
    return {"layer": prediction["layer"], "i": prediction["i"], "j": prediction["j"],
            "value": float(f"{prediction['value']:.6g}"), "truth": float(f"{prediction['truth']:.6g}"),
            "verdict": prediction["verdict"]}


@dataclass
class Classroom:
    code: str
    digest: str
    title: str | None
    lesson: dict | None
    created: float = field(default_factory=time.time)
    used: float = field(default_factory=time.time)
    paused: bool = False
    lesson_version: int = 1
    learners: dict = field(default_factory=dict)       # name -> Learner (none when read without them)
    size: int = 0                                       # how many learners it has


    def view(self, now):
        """The teacher's view: no session ids (nobody can act on a learner's session from it)."""
        return {"code": self.code, "title": self.title, "lesson": self.lesson, "lesson_version": self.lesson_version,
                "paused": self.paused, "learners": [learner.view(now) for learner in self.learners.values()]}


def error_entry(status, detail):
    """A refusal as the teacher's view lists it: the status and the start of its message."""
    text = detail if isinstance(detail, str) else "; ".join(str(d.get("msg", "")) for d in detail or [] if isinstance(d, dict))
    return {"status": status, "detail": text[:MAX_ERROR_TEXT], "at": round(time.time(), 1)}
