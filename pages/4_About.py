"""About page (placeholder until its issue lands): shared filters and a count of what matches."""

import streamlit as st

from atlas.i18n import t
from components.layout import page_setup

atlas, selection = page_setup("about", "nav.about")

st.title(t("nav.about"))
st.info(t("stub.page"), icon=":material/construction:")
st.metric(t("stub.workshops"), len(selection.workshops))
st.metric(t("stub.events"), len(selection.events))
