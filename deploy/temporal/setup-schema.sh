#!/bin/sh
# Create Temporal's two PostgreSQL databases, or bring their schemas up to this release's: idempotent, a
# second run changes nothing. Persistence and visibility are separate databases: each keeps its own
# schema_version table. Connection settings come from the environment, as temporal-sql-tool reads them:
# SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD. TEMPORAL_SCHEMA_DIR is the release's schema/postgresql/v12.
set -eu

tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
schema_dir="${TEMPORAL_SCHEMA_DIR:?set TEMPORAL_SCHEMA_DIR to the release schema/postgresql/v12 directory}"

setup() {
  database="$1"
  versions="$2"
  "$tool" --plugin postgres12 --db "$database" create-database
  # Records version 0.0 only in a database that has no schema yet; a newer schema is left alone.
  "$tool" --plugin postgres12 --db "$database" setup-schema -v 0.0
  "$tool" --plugin postgres12 --db "$database" update-schema -d "$schema_dir/$versions/versioned"
}

setup "${TEMPORAL_DB:-temporal}" temporal
setup "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}" visibility
