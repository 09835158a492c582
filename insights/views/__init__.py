"""The insights views, by concern: `runs` (runs, themes, curation, versions), `recommendations`,
`guidance` (the document, HTML and PDF), `opinion` (opinion groups); `_common` is what they share."""
