"""One MongoDB client per service container, and the `Database` dependency that hands the
service's own database to its workers and runs its `prepare` hook (indexes, seed data) at start."""

from collections.abc import Callable

from nameko.extensions import DependencyProvider, SharedExtension
from pymongo import MongoClient
from pymongo.database import Database as MongoDatabase

MONGO_URI_KEY = "MONGO_URI"
MONGO_DATABASE_KEY = "MONGO_DATABASE"


class MongoConnection(SharedExtension):
    """Shared by every extension of one container that needs the database."""

    client: MongoClient | None = None

    def setup(self):
        config = self.container.config
        # Writes are acknowledged by the majority where a replica set exists (w=majority is the
        # driver default); a short server selection timeout makes an absent server fail fast.
        self.client = MongoClient(config[MONGO_URI_KEY], serverSelectionTimeoutMS=5000,
                                  tz_aware=True)
        self.db: MongoDatabase = self.client[config[MONGO_DATABASE_KEY]]

    def stop(self):
        if self.client is not None:
            self.client.close()

    kill = stop


class Database(DependencyProvider):
    """`db = Database(prepare=repository.prepare)` gives workers the service's pymongo Database."""

    connection = MongoConnection()

    def __init__(self, prepare: Callable[[MongoDatabase], None] | None = None, **kwargs):
        self.prepare = prepare
        super().__init__(**kwargs)

    def start(self):
        if self.prepare is not None:
            self.prepare(self.connection.db)

    def get_dependency(self, worker_ctx):
        return self.connection.db
