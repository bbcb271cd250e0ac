"""Plain building blocks under every other layer: settings, errors, the clock, the worker pool. No NiceGUI pages, no SQL."""
