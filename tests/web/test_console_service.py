"""The console as a component of `leertraject run`."""

from __future__ import annotations

import asyncio
import socket

import pytest

from app.bootstrap import App
from app.web import web_components


async def test_a_port_in_use_is_an_error_the_service_retries_not_the_end_of_the_service(
    app: App,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        web = app.settings.web.model_copy(update={"listen": f"127.0.0.1:{port}"})
        app.settings = app.settings.model_copy(update={"web": web})
        [component] = web_components(app)
        assert component.name == "web"
        # app.service's guard logs an Exception and starts the part again after a pause;
        # a SystemExit (what uvicorn does when it cannot bind) would stop every channel.
        with pytest.raises(OSError):
            await component.run(asyncio.Event())
    assert await component.once() == 0
