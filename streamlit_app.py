"""The dashboard and its HTTP API, served together by `streamlit run streamlit_app.py`.

Streamlit imports this file to find `app` (the server, with the report API routes)
and runs it as the main script for every browser session (the page router).
"""

from __future__ import annotations

import streamlit as st

if __name__ == "__main__":
    st.set_page_config(page_title="storemon", page_icon=":material/storefront:", layout="wide")
    navigation = st.navigation(
        [
            st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:",
                    url_path="overview", default=True),
            st.Page("pages/trends.py", title="Trends", icon=":material/trending_up:",
                    url_path="trends"),
            st.Page("pages/reports.py", title="Reports", icon=":material/summarize:",
                    url_path="reports"),
            st.Page("pages/store.py", title="Store", icon=":material/store:", url_path="store"),
            st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data"),
        ]
    )
    navigation.run()
else:
    from streamlit.runtime.pages_manager import PagesManager

    from storemon_core.service.api import routes

    # Streamlit treats a `pages/` folder as the old file-per-page layout until the
    # first session reaches st.navigation, so a fresh server's first visitor to a
    # deep link (/reports) would get that page without the router. The pages are
    # always declared above, so the folder is never the page list.
    PagesManager.uses_pages_directory = False
    app = st.App("streamlit_app.py", routes=routes())
