"""UI building blocks: the session guard, translations, theme, HTML helpers and widgets."""
