"""The one server: the Streamlit pages (app.py and pages/) and the plain-HTTP routes on one port.

`make run` starts it with `streamlit run serve.py`: Streamlit 1.67 sees `app = st.App(...)` here and serves it
with uvicorn, running app.py as the Streamlit script (so the classic pages/ multipage mode is unchanged) and
http_routes.ROUTES (/record/<id>, /dataset, /api/v1/...) beside it in the same process, reading the same Atlas.
"""

import streamlit as st

from http_routes import ROUTES

app = st.App("app.py", routes=ROUTES)
