#!/usr/bin/env bash
# approutes on granian (approutes start --server granian): S7-S10.
# Usage: start.sh PORT   (uses ../approutes: its project and APPROUTES_BIN)
APPROUTES_SERVER=granian exec "$(dirname "$0")/../approutes/start.sh" "$@"
