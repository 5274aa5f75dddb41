"""The application room: wires core, storage and the channels together; the CLI.

Whatever enters through app (the CLI, the service, the web console, the tests) reads the
texts from the catalogs on disk."""

from app import catalogs

catalogs.install()
