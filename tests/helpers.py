"""Small helpers shared by the tests."""


def flat(text: str) -> str:
    """Table text with babel's no-break spaces made plain, for readable assertions."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")
