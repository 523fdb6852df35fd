"""Data: what is loaded, uploads of new exports, sample data for an empty database."""

from __future__ import annotations

import streamlit as st

from pages._common import (
    data_summary,
    data_version,
    database,
    has_polls,
    rejected_rows,
    service,
    validated_uploads,
)
from storemon_core import config
from storemon_core.exports import InputError
from storemon_core.units import Progress
from storemon_core.views import data, text, uploads

st.title("Data")
url = config.database_url()
st.text(f"Database: {config.describe(url)}")
version = data_version()
with st.container(horizontal=True, key="summary"):
    for figure in data.summary_figures(data_summary(version)):
        # Instants are long: they get the width they need rather than being cut.
        st.metric(figure.label, figure.value, help=figure.help or None,
                  width="content" if len(figure.value) > 10 else 190)

if "load_outcome" in st.session_state:
    outcome: uploads.LoadOutcome = st.session_state.pop("load_outcome")
    st.success(text.escape_markdown(" ".join(outcome.sentences())))
    if outcome.report_id:
        st.page_link("pages/overview.py", label="Open the Overview", icon=":material/dashboard:")


def _progress_bar(first_phase: str) -> Progress:
    bar = st.progress(0.0, text=first_phase)
    return lambda done, phase: bar.progress(min(done, 1.0), text=phase)


if not has_polls(version):
    st.info("The database is empty. Load the bundled sample data to try the dashboard.")
    if st.button("Load sample data", type="primary", key="load_sample"):
        st.session_state["load_outcome"] = uploads.load_sample_data(
            database(), service(), progress=_progress_bar("generating sample exports")
        )
        st.rerun()

st.subheader("Upload exports")
st.caption(
    "New polls are appended (polls already loaded are skipped); business hours and time "
    "zones replace those of the stores in the file. Files are checked before anything is loaded."
)
with st.container(horizontal=True, key="uploaders"):
    status = st.file_uploader("store_status.csv (polls)", type=["csv"], key="up_status",
                              width=240)
    hours = st.file_uploader("menu_hours.csv (business hours)", type=["csv"], key="up_hours",
                             width=240)
    zones = st.file_uploader("timezones.csv (time zones)", type=["csv"], key="up_zones",
                             width=240)

if status or hours or zones:
    inputs = validated_uploads(status, hours, zones)
    if isinstance(inputs, InputError):
        st.error("These files cannot be read; nothing was loaded:")
        st.code(str(inputs), language=None)
    else:
        st.dataframe(data.file_summary_table(inputs), hide_index=True, key="upload_files")
        rejected = data.rejected_table(inputs)
        if not rejected.empty:
            st.warning(
                f"{text.count_of(len(inputs.rejected), 'row')} cannot be used and will be "
                "skipped; all other rows load normally."
            )
            st.dataframe(rejected, hide_index=True, key="upload_rejected")
        kept = sum(s.kept for s in inputs.summaries)
        if st.button(f"Load {text.count_of(kept, 'good row')}", type="primary",
                     key="load_upload"):
            st.session_state["load_outcome"] = uploads.load(
                database(), service(), inputs, progress=_progress_bar("loading")
            )
            st.rerun()

with st.expander("Rows rejected by loads"):
    earlier = rejected_rows(version)
    if earlier.empty:
        st.caption("None.")
    else:
        st.dataframe(earlier, hide_index=True, key="earlier_rejected")
