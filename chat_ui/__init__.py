"""Services and reusable widgets of the chat product."""
