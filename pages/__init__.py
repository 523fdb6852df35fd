"""Dashboard pages, declared in streamlit_app.py; _common holds their cached data access."""
