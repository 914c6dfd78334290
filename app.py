"""Home page (Overview): what the atlas is, headline numbers for the current filters, and where to go next."""

import streamlit as st

from atlas.i18n import t
from components.layout import page_setup

atlas, selection = page_setup("overview", "nav.overview")

st.title(t("app.title"))
st.markdown(t("app.tagline"))
st.caption(t("app.data_as_of", version=atlas.version, date=atlas.last_updated))
st.info(t("stub.overview"), icon=":material/construction:")
