"""Reusable widgets: contact list, chat pane, message bubble, search results, dialogs."""
