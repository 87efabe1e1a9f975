"""Copier migration for 0.2.0: the example serializers lost their `Proto` infix.

`ItemProtoSerializer` and `WarehouseProtoSerializer` became `ItemSerializer` and
`WarehouseSerializer`, because the same class now serves DRF views too. The
update merges the template's own files; this renames what is left in the
project's code (imports and uses in the user's modules and tests).
"""

import re
import sys
from pathlib import Path

RENAMES = {
    "ItemProtoSerializer": "ItemSerializer",
    "WarehouseProtoSerializer": "WarehouseSerializer",
}
PATTERN = re.compile(r"\b(" + "|".join(RENAMES) + r")\b")
SKIPPED = {".venv", ".git", "node_modules", "__pycache__"}


def main(root: Path) -> int:
    changed = []
    for path in sorted(root.rglob("*.py")):
        if SKIPPED.intersection(path.relative_to(root).parts):
            continue
        text = path.read_text(encoding="utf-8")
        renamed = PATTERN.sub(lambda match: RENAMES[match.group(1)], text)
        if renamed != text:
            path.write_text(renamed, encoding="utf-8")
            changed.append(str(path.relative_to(root)))
    for name in changed:
        print(f"renamed example serializers in {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path.cwd()))
