"""Database layer: engine, SQLModel tables, migrations glue and query functions. Imports no UI."""
