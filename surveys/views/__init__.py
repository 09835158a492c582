"""Thin endpoints of the surveys app, by who uses them.

`builder` (staff building surveys, and the preview of the answering screen in the builder's
phone frame), `answering` (participants) and `results` (staff reading results and exporting);
`_common` holds what they share. `surveys.register` names the endpoints; nothing is re-exported here.
"""
