"""The instructor's side of a quiz: review rules (approve, reject, edit) in `rules.py` and
importing an edited or hand-written bank (JSON, text2qti) in `importing.py`."""
