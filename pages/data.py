"""Data: what is loaded, uploads of new exports, sample data for an empty database."""

from __future__ import annotations

import streamlit as st

from pages._common import (
    data_summary,
    data_version,
    database,
    has_polls,
    rejected_rows,
    validated_uploads,
)
from storemon_core import config
from storemon_core.exports import InputError
from storemon_core.views import data, uploads

st.title("Data")
url = config.database_url()
st.text(f"Database: {config.describe(url)}")
version = data_version()
st.dataframe(data_summary(version), hide_index=True, key="summary")

if not has_polls(version):
    st.info("The database is empty. Load the bundled sample data to try the dashboard.")
    if st.button("Load sample data", type="primary", key="load_sample"):
        bar = st.progress(0.0, text="generating sample exports")
        uploads.load_sample_data(
            database(), progress=lambda done, phase: bar.progress(min(done, 1.0), text=phase)
        )
        st.session_state["loaded_message"] = "Sample data loaded."
        st.rerun()

if "loaded_message" in st.session_state:
    st.success(st.session_state.pop("loaded_message"))

st.subheader("Upload exports")
st.caption(
    "New polls are appended (polls already loaded are skipped); business hours and time "
    "zones replace those of the stores in the file. Files are checked before anything is loaded."
)
c1, c2, c3 = st.columns(3)
status = c1.file_uploader("store_status.csv (polls)", type=["csv"], key="up_status")
hours = c2.file_uploader("menu_hours.csv (business hours)", type=["csv"], key="up_hours")
zones = c3.file_uploader("timezones.csv (time zones)", type=["csv"], key="up_zones")

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
                f"{len(inputs.rejected):,} rows cannot be used and will be skipped; "
                "all other rows load normally."
            )
            st.dataframe(rejected, hide_index=True, key="upload_rejected")
        kept = sum(s.kept for s in inputs.summaries)
        if st.button(f"Load {kept:,} good rows", type="primary", key="load_upload"):
            bar = st.progress(0.0, text="loading")
            database().load(
                inputs, progress=lambda done, phase: bar.progress(min(done, 1.0), text=phase)
            )
            st.session_state["loaded_message"] = f"Loaded {kept:,} rows."
            st.rerun()

with st.expander("Rows rejected by earlier loads"):
    earlier = rejected_rows(version)
    if earlier.empty:
        st.caption("None.")
    else:
        st.dataframe(earlier, hide_index=True, key="earlier_rejected")
