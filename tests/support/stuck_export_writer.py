"""An export writer that reads its request, creates the zip's file and then never finishes (cancel tests)."""

import json
import sys
import time
from pathlib import Path

request = json.loads(sys.stdin.readline())
(Path(request['folder']) / request['key']).write_bytes(b'PK partial')
print(json.dumps({'done': 1}), flush=True)
time.sleep(600)
