"""`kubectl edit` in a page terminal: the page's YAML editor stands for vi.

The engine's kubectl edit writes the object to /tmp/kubectl-edit-N.yaml and
calls the terminal's editor (ShellSession.editor, lab.sim.shell.terminal)
with the path and text; whatever comes back is the saved file, None is
"closed without saving". For a command the lab's runner runs, PageEditor is
that editor: it sends the file to the terminal that typed the command
(runner.edit -> the terminal consumer -> the browser's `edit` message) and
waits for the browser's `edit-save` or `edit-cancel` (back through the
runner's group as runner.edit_answer). While it waits it gives the World's
lock up, as a sleeping command does, so the clock and the other terminals
(the first tutorial's curl loop) go on. Ctrl-C in that terminal, the socket
closing, or the runner stopping close the editor without saving.
"""
from __future__ import annotations

import threading
import uuid
from typing import Any, Callable

#: seconds between looks at Ctrl-C and the runner stopping while the editor is open
POLL_SECONDS = 0.25


class PageEditor:
    """The editor of one command (see the module docstring).

    `cond` is the runner's Condition (held by the caller), `publish(target,
    message)` its publisher, `reply_to` the terminal's channel,
    `interrupted()` true once the command should stop."""

    def __init__(self, cond: threading.Condition, publish: Callable[[str | None, dict], None],
                 command_id: str, reply_to: str | None, interrupted: Callable[[], bool]):
        self.cond = cond
        self.publish = publish
        self.command_id = command_id
        self.reply_to = reply_to
        self.interrupted = interrupted
        self.answers: dict[str, Any] = {}
        self.open: str | None = None

    def __call__(self, path: str, text: str) -> str | None:
        if self.reply_to is None:
            return None  # nobody to show it to: as an editor quit at once
        edit = uuid.uuid4().hex[:12]
        self.open = edit
        self.publish(self.reply_to, {"type": "runner.edit", "id": self.command_id, "edit": edit,
                                     "path": path, "text": text})
        self.cond.notify_all()
        try:
            while edit not in self.answers:
                if self.interrupted():
                    return None
                self.cond.wait(POLL_SECONDS)
            return self.answers.pop(edit)
        finally:
            self.open = None

    def answer(self, edit: str, text: str | None) -> bool:
        """The browser's answer (caller holds `cond`); False for an edit not open."""
        if edit != self.open:
            return False
        self.answers[edit] = text
        self.cond.notify_all()
        return True
