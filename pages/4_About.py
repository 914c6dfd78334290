"""About the data: what the package contains and means, where every record came from, conflicts, how to cite and correct."""

from urllib.parse import quote

import pandas as pd
import streamlit as st

from atlas.dates import format_partial
from atlas.export import citation_text
from atlas.i18n import DEFAULT_LANGUAGE, current_language, labelled, t
from atlas.summaries import (bibtex, coverage, data_dictionary, first_conflicts, most_cited_sources, readme_sections,
                             source_mix_by_country)
from components.about import (MAX_CONFLICT_ROWS, MAX_SOURCE_ROWS, anchor, conflicts_display, coverage_display,
                              dictionary_tables,
                              is_conflict_section, mix_display, sources_display, split_changelog)
from components.cached import data_dir, per_atlas
from components.detail import site_config
from components.layout import page_setup

atlas, _ = page_setup("about", "nav.about")
package = atlas.package
readme_path = data_dir() / "README.md"
# Read and split once per Atlas and README version (its size and time), not on every rerun of every visitor.
readme_version = (readme_path.stat().st_size, readme_path.stat().st_mtime_ns) if readme_path.is_file() else None
readme = per_atlas(atlas, ("about.readme", str(readme_path), readme_version),
                   lambda: readme_sections(readme_path.read_text(encoding="utf-8")) if readme_version else [])
readme_body, changelog = split_changelog(readme)
preamble = [body for heading, body in readme_body if not heading]
readme_body = [(heading, body) for heading, body in readme_body if heading]
specs = atlas.specs
# Nothing on this page follows the filters: every table describes the whole dataset, built only as far as it is shown,
# once per Atlas and language (a filter change or another visitor reuses them).
language = current_language()
dictionary = per_atlas(atlas, ("about.dictionary", language), lambda: dictionary_tables(data_dictionary(specs)))


def _conflicts() -> tuple[pd.DataFrame, int]:
    rows, total = first_conflicts(atlas, MAX_CONFLICT_ROWS)
    return conflicts_display(rows), total


conflicts_shown, conflict_total = per_atlas(atlas, ("about.conflicts", language), _conflicts)


def draw_conflicts() -> None:
    st.markdown(t("about.conflicts_intro"))
    if not conflict_total:
        st.info(t("about.conflicts_none"))
    else:
        if conflict_total > len(conflicts_shown):
            st.caption(t("about.conflicts_capped", shown=len(conflicts_shown), total=conflict_total))
        st.table(conflicts_shown, hide_index=True)


# The dataset's title is data written in English; the catalog carries it in the other languages.
st.title(package.get("title", t("nav.about")) if current_language() == DEFAULT_LANGUAGE else t("about.dataset_title"))
st.caption(t("about.whole_dataset"))
if current_language() != DEFAULT_LANGUAGE and (package.get("description") or readme_body):
    st.caption(t("about.readme_in_english"))
st.markdown(package.get("description", ""))
licences = ", ".join(f"[{lic.get('title') or lic.get('name')}]({lic['path']})" if lic.get("path") else lic.get("name", "")
                     for lic in package.get("licenses", []))
st.markdown(t("about.facts", version=atlas.version, date=format_partial(atlas.last_updated, long=True), licence=licences or "—",
              tables=len(specs), rows=sum(len(atlas.table(name)) for name in specs),
              sources=len(atlas.sources)))
for text in preamble:
    st.markdown(text)
if not readme_path.is_file():
    st.info(t("about.no_readme", path=readme_path.name))

own_sections = [t("about.coverage_heading"), t("about.dictionary_heading"), t("about.sources_heading"), t("about.mix_heading"),
                t("about.cite_heading"), t("about.correction_heading")]
if not any(is_conflict_section(heading) for heading, _ in readme_body):
    own_sections.insert(3, t("about.conflicts_heading"))
contents = [heading for heading, _ in readme_body] + own_sections + [t("about.changelog_heading")]
st.markdown(labelled(f"**{t('about.contents')}**", "") + " · ".join(f"[{h}](#{anchor(h)})" for h in contents))

for heading, body in readme_body:
    st.header(heading, anchor=anchor(heading))
    st.markdown(body)
    if is_conflict_section(heading):
        draw_conflicts()

st.header(t("about.coverage_heading"), anchor=anchor(t("about.coverage_heading")))
note = package.get("x-coverage", {}).get("note", "")
st.markdown(t("about.coverage_intro"))
if note:
    st.caption(note)
st.table(per_atlas(atlas, ("about.coverage", language), lambda: coverage_display(
    coverage(atlas), dict(zip(atlas.countries["iso2"], atlas.countries["name_en"])))), hide_index=True)
st.caption(t("about.coverage_legend"))

st.header(t("about.dictionary_heading"), anchor=anchor(t("about.dictionary_heading")))
st.markdown(t("about.dictionary_intro"))
for name, spec in specs.items():
    st.markdown(t("about.dictionary_table", title=spec.title, path=spec.path, rows=len(atlas.table(name)),
                  primary_key=spec.primary_key, description=spec.description))
    # A static table wraps long meanings and shows every field without scrolling inside a grid.
    st.table(dictionary[name], hide_index=True)

st.header(t("about.sources_heading"), anchor=anchor(t("about.sources_heading")))
st.markdown(t("about.sources_intro"))
sources = per_atlas(atlas, ("about.sources", language), lambda: sources_display(most_cited_sources(atlas, MAX_SOURCE_ROWS)))
if len(atlas.sources) > len(sources):
    st.caption(t("about.sources_capped", shown=len(sources), total=len(atlas.sources)))
st.dataframe(sources, hide_index=True, width="stretch",
             column_config={t("about.col_link"): st.column_config.LinkColumn(t("about.col_link"), width="medium"),
                            t("about.col_original"): st.column_config.LinkColumn(t("about.col_original"), width="medium",
                                                                                 help=t("about.col_original_help")),
                            t("about.col_records"): st.column_config.NumberColumn(width="small", help=t("about.col_records_help"))})

st.header(t("about.mix_heading"), anchor=anchor(t("about.mix_heading")))
st.caption(t("about.mix_caption"))
st.dataframe(per_atlas(atlas, ("about.mix", language), lambda: mix_display(source_mix_by_country(atlas))), hide_index=True)

if t("about.conflicts_heading") in own_sections:
    st.header(t("about.conflicts_heading"), anchor=anchor(t("about.conflicts_heading")))
    draw_conflicts()

st.header(t("about.cite_heading"), anchor=anchor(t("about.cite_heading")))
st.markdown(t("about.cite_intro", version=atlas.version))
st.markdown(f"**{t('about.cite_plain')}**")
st.code(citation_text(atlas), language=None, wrap_lines=True)
st.markdown(f"**{t('about.cite_bibtex')}**")
st.code(bibtex(atlas), language="bibtex")

st.header(t("about.correction_heading"), anchor=anchor(t("about.correction_heading")))
st.markdown(t("about.correction_intro"))
correction_link = site_config()["corrections_url"].format(
    subject=quote(t("about.correction_subject", version=atlas.version)), body=quote(t("about.correction_body")))
st.link_button(t("about.correction_button"), correction_link, icon=":material/edit_note:")

st.header(t("about.changelog_heading"), anchor=anchor(t("about.changelog_heading")))
if not changelog:
    st.info(t("about.changelog_none"))
for heading, body in changelog:
    st.markdown(body)
