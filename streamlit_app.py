"""The dashboard and its HTTP API, served together by `streamlit run streamlit_app.py`.

Streamlit imports this file to find `app` (the server, with the report API routes)
and runs it as the main script for every browser session (the page router).
"""

from __future__ import annotations

import streamlit as st

# (file, title, icon, URL path): every page answers at its own path.
PAGES = [
    ("pages/overview.py", "Overview", ":material/dashboard:", "overview"),
    ("pages/reports.py", "Reports", ":material/summarize:", "reports"),
    ("pages/store.py", "Store", ":material/store:", "store"),
    ("pages/data.py", "Data", ":material/database:", "data"),
]


def route() -> None:
    """Run the page the browser asked for."""
    from pages._common import database_guard

    st.set_page_config(page_title="storemon", page_icon=":material/storefront:", layout="wide")
    (file, title, icon, path), *others = PAGES
    # Streamlit serves its default page at / and never at its own path, so the
    # Overview is that default and a hidden second entry answers at /overview.
    # The alias comes last: a link to pages/overview.py names the first entry.
    pages = [
        st.Page(file, title=title, icon=icon, url_path="", default=True),
        *(st.Page(f, title=t, icon=i, url_path=p) for f, t, i, p in others),
        st.Page(file, title=title, icon=icon, url_path=path, visibility="hidden"),
    ]
    navigation = st.navigation(pages, position="top")
    with database_guard():
        navigation.run()


def declare_pages_folder_unused() -> None:
    """Tell Streamlit that `pages/` is not a page list.

    Until a session reaches st.navigation, Streamlit takes a `pages/` folder beside
    the main script for the old file-per-page layout, so a fresh server's first
    visitor to a deep link (/reports) would get that page without the router and
    with every file of the folder in the sidebar. tests/test_pages.py fails when
    Streamlit stops reading this flag, so the override goes when it is not needed.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


if __name__ == "__main__":
    route()
else:
    from storemon_core.service.api import routes
    from storemon_core.views import charts

    declare_pages_folder_unused()
    charts.prepare()
    app = st.App("streamlit_app.py", routes=routes())
