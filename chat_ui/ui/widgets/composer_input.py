"""The message box: a textarea that never overwrites what the person typed before their page connected.

After a value set on the server NiceGUI also calls the browser's ``updateValue``, which copies the element's value
into the box. Called while the page has no socket (while it is built, or during a disconnect) the call waits in the
outbox and runs once the page connects; a page that has just loaded (a reload, a failover to another process) then
gets back the box it was built with over the text typed in the meantime, and the Enter that follows sends nothing.
Without a socket the value still reaches the page: the rendered page carries it, and so does the element's next
update, whose change of value the box follows by itself.
"""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.awaitable_response import AwaitableResponse, NullResponse

COPY_VALUE_METHOD = 'updateValue'


class ComposerInput(ui.textarea):
    def run_method(self, name: str, *args: Any, timeout: float = 1) -> AwaitableResponse:
        if name == COPY_VALUE_METHOD and not self.client.has_socket_connection:
            return NullResponse()
        return super().run_method(name, *args, timeout=timeout)
