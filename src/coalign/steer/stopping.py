"""Stop generating: the signals that let a participant stop an answer while it is drafted.

A steered turn (:func:`coalign.steer.chat.steered_send`, :func:`~coalign.steer.chat.regenerate`)
runs while its page waits. The door runs it through :meth:`Generations.run` (in a worker
thread, so a visitor who leaves the page does not end the registration while the model still
works), under the participant and the conversation; a second request (the page's stop button) calls
:meth:`Generations.stop`, which sets the turn's :class:`threading.Event`. The model checks that
event between tokens (:meth:`coalign.llm.Model.complete`'s ``stop``), so generation ends at
once and the model is free for the next message; the turn is stored with the text so far,
marked stopped.

The signals live in the server process, as the embedded model does; a deployment with several
worker processes must route a participant's requests to one of them (sticky sessions).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from coalign.core.errors import ConflictError

T = TypeVar("T")


class Generations:
    """The steered answers being generated now, each with its stop signal.

    Safe to use from several threads at once: routes run the model in worker threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: (stop signal, set once the generation has ended) by participant and conversation
        self._running: dict[tuple[str, int], tuple[threading.Event, threading.Event]] = {}

    @contextmanager
    def running(self, participant_id: str, conversation_id: int) -> Iterator[threading.Event]:
        """Register a generation in the participant's conversation for as long as it runs.

        Yields:
            the event that :meth:`stop` sets.

        Raises:
            ConflictError: an answer is being generated in that conversation already.
        """
        key = (participant_id, conversation_id)
        stop, ended = threading.Event(), threading.Event()
        with self._lock:
            if key in self._running:
                raise ConflictError(
                    "an answer is still being written in this conversation; "
                    "wait for it or stop it first"
                )
            self._running[key] = (stop, ended)
        try:
            yield stop
        finally:
            with self._lock:
                del self._running[key]
            ended.set()

    def run(
        self, participant_id: str, conversation_id: int, work: Callable[[threading.Event], T]
    ) -> T:
        """Run ``work(stop)`` registered as the generation in the participant's conversation.

        Raises:
            ConflictError: an answer is being generated in that conversation already.
        """
        with self.running(participant_id, conversation_id) as stop:
            return work(stop)

    def stop(self, participant_id: str, conversation_id: int, wait: float = 0.0) -> bool:
        """Stop the participant's generation in that conversation.

        Args:
            wait: seconds to wait for the generation to end (its text so far stored), so that
                a page shown next has the stopped answer.

        Returns:
            whether one was running (``False``: it had ended already, nothing to stop).
        """
        with self._lock:
            found = self._running.get((participant_id, conversation_id))
        if found is None:
            return False
        stop, ended = found
        stop.set()
        ended.wait(wait)
        return True

    def is_running(self, participant_id: str, conversation_id: int) -> bool:
        """Whether an answer is being generated in the participant's conversation."""
        with self._lock:
            return (participant_id, conversation_id) in self._running
