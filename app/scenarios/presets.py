"""Presets: the scenarios this server ships (presets/*.json) and a teacher's own
(MANUALGRAD_SCENARIOS_DIR), each a named scenario."""
import logging
import re
import stat
from pathlib import Path

from pydantic import Field, ValidationError

from .links import Scenario

log = logging.getLogger("manualgrad")

BUILTIN_PRESETS = Path(__file__).parent / "presets"


class Preset(Scenario):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,40}$")


MAX_PRESET_BYTES = 1024 * 1024   # a preset file bigger than this is skipped


def read_preset(path):
    """The preset in `path`, or the reason it is skipped (never quoting the file's content)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        if info.st_size > MAX_PRESET_BYTES:
            return None, f"{info.st_size} bytes, over the {MAX_PRESET_BYTES} a preset may have"
        with open(path, "rb") as f:
            raw = f.read(MAX_PRESET_BYTES + 1)
    except OSError as e:
        return None, f"cannot be read ({e.strerror or type(e).__name__})"
    if len(raw) > MAX_PRESET_BYTES:
        return None, f"over the {MAX_PRESET_BYTES} bytes a preset may have"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "not UTF-8 text (save it as UTF-8, not as \"Unicode\")"
    try:
        return Preset.model_validate_json(text), None
    except ValidationError as e:
        where = "; ".join("an unknown field" if err["type"] == "extra_forbidden"    # its name is content
                          else f"{'.'.join(map(str, err['loc'])) or 'the file'}: {err['msg']}"
                          for err in e.errors(include_input=False, include_url=False)[:3])
        return None, f"not a preset ({where})"


def in_number_order(path):
    """A sort key that puts 9-x.json before 10-y.json: the numbers in a name compared as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def load_presets(extra_dir=None):
    """The built-in presets and those in `extra_dir` (a teacher's own, same name replaces). A
    file that cannot be a preset is skipped with one log line saying why; the rest load."""
    presets = {}
    for folder in (BUILTIN_PRESETS, Path(extra_dir) if extra_dir else None):
        if folder is None:
            continue
        if not folder.is_dir():
            log.warning("scenario folder %s does not exist", folder)
            continue
        for path in sorted(folder.glob("*.json"), key=in_number_order):
            preset, why = read_preset(path)
            if preset is None:
                log.error("skipping scenario file %s: %s", path.name, why)
                continue
            presets[preset.name] = preset
    return presets
