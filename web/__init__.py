"""The staff console in the browser: server-rendered pages on Starlette (see docs/console.md).

Depends on core only, like bot and mail: app hands it a unit of work, the environment and a
password hasher (web.server.Console).
"""
