"""Hooks and attributes are set as values, never parsed from a props string that could hold user data."""

import ast
from pathlib import Path

from nicegui import ui
from nicegui.testing import User

from chat_ui.ui.testid import testid as set_testid

ROOT = Path(__file__).resolve().parents[2]
# Names the username rules allow (emoji, combining marks, Devanagari vowel signs, ZWJ sequences) that NiceGUI's
# props parser cuts apart, plus characters no username may hold but a hook must survive anyway.
AWKWARD = [
    'evil😍disable',
    'x😍loading',
    'y😍hidden',
    'x\u0301y',
    'नमस्ते',
    '👩\u200d💻dev',
    'q"uote',
    "it's",
    'a b=c',
    'v-if=x',
]


async def test_testid_sets_exactly_that_attribute(user: User) -> None:
    buttons: list[ui.button] = []

    @ui.page('/testid-probe')
    def page() -> None:
        buttons.extend(set_testid(ui.button('x'), f'mute-{name}') for name in AWKWARD)

    await user.open('/testid-probe')
    for name, button in zip(AWKWARD, buttons, strict=True):
        assert button.props['data-testid'] == f'mute-{name}'
        assert {'disable', 'loading', 'hidden', 'if'}.isdisjoint(button.props), button.props
        assert button.enabled
        assert f'mute-{name.split()[0]}' in button._markers


def props_calls_with_computed_strings(path: Path) -> list[str]:
    """``.props(...)`` calls whose argument is anything but a literal string (f-strings, variables, joins)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == 'props':
            arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
            if any(not (isinstance(a, ast.Constant) and isinstance(a.value, str)) for a in arguments):
                found.append(f'{path.relative_to(ROOT)}:{node.lineno}')
    return found


def test_no_props_string_is_ever_computed() -> None:
    """Every props string in the app is a constant; values (names, titles, translations) go in as values."""
    sources = [*sorted((ROOT / 'chat_ui').rglob('*.py')), *sorted((ROOT / 'pages').rglob('*.py'))]
    offenders = [where for path in sources for where in props_calls_with_computed_strings(path)]
    assert offenders == []
