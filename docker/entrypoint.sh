#!/bin/sh
# Docker secrets arrive as files (/run/secrets/<name>) while the server reads its settings from the
# environment only. For each variable below that may hold a secret, VAR_FILE names a file whose
# content becomes VAR (the convention of the official postgres and redis images), so the secret
# never has to sit in a compose file, an image layer or `docker inspect`'s list of variables.
set -eu

for var in REELCRAFT_ADMIN_PASSWORD DATABASE_URL REDIS_URL REELCRAFT_WORKER_TOKEN; do
  file_var="${var}_FILE"
  eval "file=\${$file_var:-}"
  [ -n "$file" ] || continue
  eval "direct=\${$var:-}"
  if [ -n "$direct" ]; then
    echo "reelcraft: both $var and $file_var are set; set only one of them" >&2
    exit 64
  fi
  if [ ! -f "$file" ] || [ ! -r "$file" ]; then
    echo "reelcraft: $file_var names $file, which is not a readable file" >&2
    exit 66
  fi
  # $(...) drops the trailing newline that `echo secret > file` leaves.
  value=$(cat "$file")
  if [ -z "$value" ]; then
    echo "reelcraft: $file_var names $file, which is empty" >&2
    exit 65
  fi
  export "$var=$value"
  unset "$file_var"
done

exec "$@"
