"""Files the app generates for download (draft .docx/.md, comparison CSV/MD).

Every request gets its own new directory (tempfile.mkdtemp: unique, mode
0700) under the app's output folder, so two users asking for the same title
or topic at the same time never share, overwrite or receive each other's
file; inside it the file keeps a readable name. Each file is written to a
temp file in that directory and moved into place with os.replace, so nobody
ever sees a half-written file.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Callable

MAX_STEM_CHARS = 40


def file_stem(prefix: str, text: str, fallback: str) -> str:
    """A readable file name stem from user text: 'yttrande_Trygghetsprogram_2028'."""
    slug = re.sub(r"[^\w]+", "_", text or "").strip("_")[:MAX_STEM_CHARS].strip("_")
    return f"{prefix}_{slug or fallback}"


def request_dir(outdir: Path) -> Path:
    """A new, private directory for one request's files."""
    Path(outdir).mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="req-", dir=outdir))


def write_atomic(path: Path, data: str | bytes | Callable[[Path], object]) -> Path:
    """Write `data` (text as UTF-8, bytes, or a function that writes a file at
    the path it is given) to `path` via a temp file in the same directory and
    os.replace (fsynced; a replaced file keeps its mode). Readers see the old or
    the new file, never a part; a failed write leaves no temp file behind."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    try:
        if callable(data):
            os.close(fd)
            data(Path(tmp))
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, (path.stat().st_mode & 0o777) if path.exists() else 0o644)  # keep a replaced file's mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
