"""Reading and checking the three CSV exports into the frames of storemon_core.frames.

A row that cannot be read is set aside with its file, line number and reason;
the rows around it are kept. Only a file that cannot be read at all (empty, or
a header without the needed columns) raises InputError.

The stages, one module each:
  sources     where the bytes come from (path, bytes, upload) and the file's name
  lines       physical lines: the header, the rows split into fields, wrong field counts
  fields      store ids, statuses, days, times of day and zone names, per distinct value
  timestamps  the poll timestamps, ISO 8601 UTC text to microseconds
  rejected    the rejected rows with their reasons, and the summary for a person
  files       the three exports and load_exports, which reads any of them
"""

from storemon_core.exports.fields import STORE_ID_RE, is_timezone
from storemon_core.exports.files import (
    HOURS_FILE,
    STATUS_FILE,
    TIMEZONES_FILE,
    load_exports,
    read_business_hours,
    read_polls,
    read_timezones,
)
from storemon_core.exports.lines import MAX_LINE_BYTES, ROW_TEXT_CHARS
from storemon_core.exports.rejected import format_rejections
from storemon_core.exports.sources import InputError, Source, source_name

__all__ = [
    "HOURS_FILE",
    "MAX_LINE_BYTES",
    "ROW_TEXT_CHARS",
    "STATUS_FILE",
    "STORE_ID_RE",
    "TIMEZONES_FILE",
    "InputError",
    "Source",
    "format_rejections",
    "is_timezone",
    "load_exports",
    "read_business_hours",
    "read_polls",
    "read_timezones",
    "source_name",
]
