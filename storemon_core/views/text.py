"""Values as a person reads them: plain text, never markup.

Store ids and report ids may hold `_`, `.` and `:`, which Streamlit's markdown would
turn into emphasis, emoji or icons; pages show them with st.text, st.code or in
table cells, and anything that must go into markdown goes through `escape_markdown`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

_MARKDOWN_SPECIAL = set("\\`*_{}[]()<>#+-.!|~$:")


def escape_markdown(text: str) -> str:
    """`text` safe to embed in a Streamlit caption, shown literally."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)


def value_text(value: Any) -> str:
    """A summary value: thousands separators, instants in UTC, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, pd.Timestamp):
        return f"{value.tz_convert('UTC'):%Y-%m-%d %H:%M:%S} UTC" if value.tzinfo else str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def count_of(n: int, thing: str) -> str:
    """`n` things, with the plural when it is not one: "1 row", "2 rows"."""
    return f"{n:,} {thing}" + ("" if n == 1 else "s")
