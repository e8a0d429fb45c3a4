"""Running the web app with uvicorn (``coalign serve``, ``coalign demo --serve``)."""

from __future__ import annotations

from coalign.core.errors import InputError
from coalign.store import Store


def serve(
    store: Store, host: str = "127.0.0.1", port: int = 8000, *, secure_cookies: bool = False
) -> None:
    """Serve the app over ``store`` until interrupted (one process; SQLite writes are serialised in it).

    Raises:
        InputError: the web extra is not installed.
    """
    try:
        import uvicorn

        from coalign.web.app import create_app
    except ModuleNotFoundError as exc:
        raise InputError(f"the web app needs {exc.name}: pip install 'coalign[web]'") from exc
    app = create_app(store, secure_cookies=secure_cookies)
    # Participants pause between items for longer than uvicorn's default 5 s keep-alive; a longer one
    # spares them a reconnect (and a retried POST) on every submit.
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        proxy_headers=True,
        timeout_keep_alive=75,
    )
