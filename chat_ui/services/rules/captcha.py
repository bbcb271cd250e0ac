"""CAPTCHA pictures drawn on the server by the ``captcha`` library; the answer never leaves the server."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from captcha.image import ImageCaptcha

_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'
_LENGTH = 4
_generator = ImageCaptcha(width=160, height=60)


@dataclass(frozen=True, slots=True)
class Challenge:
    answer: str
    data_url: str

    def accepts(self, attempt: str) -> bool:
        return secrets.compare_digest(attempt.strip().upper().encode(), self.answer.encode())


def new_challenge() -> Challenge:
    answer = ''.join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    png = _generator.generate(answer, format='png').getvalue()
    return Challenge(answer=answer, data_url='data:image/png;base64,' + base64.b64encode(png).decode())
